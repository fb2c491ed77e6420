#include "eval/Perplexity.h"

#include "core/Error.h"

#include <chrono>
#include <cmath>
#include <string>

namespace mobi {

PerplexityResult perplexity(Transformer& model, const std::vector<int>& tokens,
                            const PerplexityOptions& options,
                            const std::function<void(int, int)>& progress) {
    const auto start = std::chrono::steady_clock::now();
    PerplexityResult r;
    const int ctx = options.ctx > 0 ? options.ctx : model.maxContext();
    if (ctx < 2) throw EngineError("perplexity", "context must be at least 2 tokens");
    if (ctx > model.maxContext())
        throw EngineError("perplexity", "context " + std::to_string(ctx) +
                                            " exceeds the model's maximum of " +
                                            std::to_string(model.maxContext()));
    const int vocab = model.model().config.vocabSize;
    int nChunks = static_cast<int>(tokens.size() / static_cast<size_t>(ctx));
    if (options.maxChunks > 0 && options.maxChunks < nChunks) nChunks = options.maxChunks;
    r.ctx = ctx;
    // As llama.cpp: the first half of each chunk is context only; the logit
    // at position j (first <= j <= ctx-2) scores token j+1.
    const int first = ctx / 2;
    std::vector<int> batch(static_cast<size_t>(ctx));
    double nll = 0;
    int64_t count = 0;
    for (int c = 0; c < nChunks; ++c) {
        if (options.cancel && options.cancel->load()) break;
        const size_t base = static_cast<size_t>(c) * ctx;
        for (int j = 0; j < ctx; ++j)
            batch[j] = tokens[base + j];
        if (options.bos >= 0) batch[0] = options.bos;
        // Starting again at position 0 is a fresh KV cache: every position
        // is rewritten before it is read.
        const std::vector<float>& logits = model.forward(batch.data(), ctx, 0, true);
        for (int j = first; j < ctx - 1; ++j) {
            const float* l = logits.data() + static_cast<size_t>(j) * vocab;
            float mx = l[0];
            for (int v = 1; v < vocab; ++v)
                mx = std::max(mx, l[v]);
            double sum = 0;
            for (int v = 0; v < vocab; ++v)
                sum += std::exp(static_cast<double>(l[v]) - mx);
            const int target = tokens[base + j + 1];
            if (target < 0 || target >= vocab)
                throw EngineError("perplexity", "token id " + std::to_string(target) +
                                                    " is outside the vocabulary");
            nll += std::log(sum) - (static_cast<double>(l[target]) - mx);
            ++count;
        }
        ++r.chunks;
        r.chunkPpl.push_back(std::exp(nll / static_cast<double>(count)));
        if (progress) progress(r.chunks, nChunks);
    }
    r.scoredTokens = count;
    r.nll = count > 0 ? nll / static_cast<double>(count) : 0;
    r.ppl = count > 0 ? std::exp(r.nll) : 0;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace mobi
