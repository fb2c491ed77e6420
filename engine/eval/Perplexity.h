// Perplexity with llama.cpp's llama-perplexity protocol: the text tokenized
// once with BOS, split into non-overlapping chunks of ctx tokens, the first
// token of each chunk replaced by BOS, and only the second half of each chunk
// scored.
#pragma once

#include "model/Transformer.h"

#include <atomic>
#include <functional>
#include <vector>

namespace mobi {

struct PerplexityOptions {
    int ctx = 0;        // 0 = the model's trained context
    int maxChunks = 0;  // 0 = all
    int bos = 1;
    const std::atomic<bool>* cancel = nullptr;
};

struct PerplexityResult {
    double ppl = 0;
    double nll = 0;           // mean negative log-likelihood
    int64_t scoredTokens = 0;
    int chunks = 0;
    int ctx = 0;
    std::vector<double> chunkPpl; // running perplexity after each chunk (as llama.cpp prints)
    double seconds = 0;
};

// progress(chunk_done, chunks_total) after each chunk.
PerplexityResult perplexity(Transformer& model, const std::vector<int>& tokens,
                            const PerplexityOptions& options,
                            const std::function<void(int, int)>& progress = {});

} // namespace mobi
