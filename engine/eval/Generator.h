// Text generation with llama2.c run.c's semantics: BOS first, the prompt fed
// token by token (or prefilled), stop at BOS/EOS or after `steps` positions.
#pragma once

#include "model/Sampler.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <functional>
#include <string>
#include <vector>

namespace mobi {

// What one forward of the generation did: positions pos0..pos0+n-1 ran with
// tokens[0..n); logits holds the last position's (vocab floats), or every
// position's (n x vocab) for a prefill with allPromptLogits. Valid only
// during the call. The transformer's observers have seen the forward, so a
// recorder's rows belong to these positions.
struct GenerateStep {
    int pos0 = 0;
    int n = 1;
    const int* tokens = nullptr;
    const float* logits = nullptr;
    int vocab = 0;
    bool prompt = false; // every token is the prompt's
};

enum class GenerateStop { Length, EndOfText, Hook, Piece };

struct GenerateOptions {
    std::string prompt;
    // Token ids to start from instead of encoding `prompt` (BOS included).
    std::vector<int> promptTokens;
    int steps = 256;       // total positions including the prompt, as run.c's -n
    SamplerConfig sampler;
    bool prefill = true;   // evaluate the prompt as one batch
    // Called once per position as its token becomes known: the prompt's
    // tokens first, then each sampled one (profiles record tokens live).
    std::function<void(int position, int token, bool isPrompt)> onToken;
    // The per-step hook: called after every forward, before the next token is
    // sampled from its logits; returning false ends the generation there. A
    // hook may change the transformer's precision (applyPrecision) for the
    // steps that follow: the place for a per-step choice.
    std::function<bool(const GenerateStep&)> onStep;
    bool allPromptLogits = false; // the prefill step hands every position's logits
};

struct GenerateResult {
    std::vector<int> tokens; // prompt (with BOS) then generated ids
    int promptTokens = 0;
    int generatedTokens = 0;
    double prefillSeconds = 0;
    double decodeSeconds = 0;
    std::string text;        // decoded generated text (prompt included, as run.c prints)
    GenerateStop stop = GenerateStop::Length;
};

// onPiece receives each printed piece as it is produced; returning false stops.
GenerateResult generate(Transformer& model, const Tokenizer& tokenizer, const GenerateOptions& options,
                        const std::function<bool(const std::string& piece)>& onPiece = {});

} // namespace mobi
