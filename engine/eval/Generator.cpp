#include "eval/Generator.h"

#include "core/Error.h"
#include "trace/Tracer.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace mobi {

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// run.c's safe_printf: a lone byte that is neither printable nor space is
// not printed. Bytes >= 0x80 are kept (run.c drops them in the C locale) so
// UTF-8 split across byte-level tokens survives.
bool printable(const std::string& piece) {
    if (piece.empty()) return false;
    if (piece.size() == 1) {
        const unsigned char b = static_cast<unsigned char>(piece[0]);
        if (b < 0x80 && !((b >= 0x20 && b < 0x7f) || (b >= 0x09 && b <= 0x0d))) return false;
    }
    return true;
}

} // namespace

GenerateResult generate(Transformer& model, const Tokenizer& tokenizer,
                        const GenerateOptions& options,
                        const std::function<bool(const std::string& piece)>& onPiece) {
    GenerateResult r;
    const std::vector<int> prompt = options.promptTokens.empty()
                                        ? tokenizer.encode(options.prompt, true)
                                        : options.promptTokens;
    if (prompt.empty())
        throw EngineError("generate",
                          "the prompt encodes to no tokens and the vocabulary has no BOS");
    const int P = static_cast<int>(prompt.size());
    const int steps = std::min(options.steps, model.maxContext());
    const int vocab = model.model().config.vocabSize;
    r.promptTokens = P;
    r.tokens = prompt;
    Sampler sampler(options.sampler);
    std::vector<float> logits(static_cast<size_t>(vocab));

    // With prefill, the prompt positions run.c forwards one by one (their
    // logits unused but for the last) are evaluated as one batch.
    int prefilled = 0;
    if (options.prefill && steps > 1 && P > 1) {
        prefilled = std::min(P, steps);
        const double t0 = now();
        TraceScope range("prefill", 0);
        const std::vector<float>& out =
            model.forward(prompt.data(), prefilled, 0, options.allPromptLogits);
        const auto last = out.begin() + (options.allPromptLogits ? (prefilled - 1) * vocab : 0);
        std::copy(last, last + vocab, logits.begin());
        r.prefillSeconds += now() - t0;
        range.end();
        if (options.onStep &&
            !options.onStep(GenerateStep{0, prefilled, prompt.data(), out.data(), vocab, true})) {
            r.stop = GenerateStop::Hook;
            return r;
        }
    }

    if (options.onToken)
        for (int i = 0; i < P; ++i)
            options.onToken(i, prompt[static_cast<size_t>(i)], true);

    int token = prompt[0];
    for (int pos = 0; pos < steps; ++pos) {
        const bool forced = pos < P - 1;
        if (pos >= prefilled) {
            const double t0 = now();
            TraceScope range("decode", pos);
            const std::vector<float>& out = model.forward(&token, 1, pos);
            std::copy(out.begin(), out.begin() + vocab, logits.begin());
            range.end();
            (forced ? r.prefillSeconds : r.decodeSeconds) += now() - t0;
            if (options.onStep &&
                !options.onStep(GenerateStep{pos, 1, &token, logits.data(), vocab, pos < P})) {
                r.stop = GenerateStop::Hook;
                break;
            }
        }
        int next;
        if (forced) {
            next = prompt[pos + 1];
        } else {
            const double t0 = now();
            TraceScope range("sample", pos);
            next = sampler.sample(logits.data(), vocab);
            range.end();
            r.decodeSeconds += now() - t0;
            r.tokens.push_back(next);
            ++r.generatedTokens;
            if (options.onToken) options.onToken(pos + 1, next, false);
        }
        // run.c stops when the model starts a new sequence (BOS); EOS ends
        // one for vocabularies that declare it.
        if (next == tokenizer.bos() || (next == tokenizer.eos() && tokenizer.eos() >= 0)) {
            r.stop = GenerateStop::EndOfText;
            break;
        }
        const std::string piece = tokenizer.decodeToken(token, next);
        token = next;
        if (printable(piece)) {
            r.text += piece;
            if (onPiece && !onPiece(piece)) {
                r.stop = GenerateStop::Piece;
                break;
            }
        }
    }
    return r;
}

} // namespace mobi
