// Text generation with llama2.c run.c's semantics: BOS first, the prompt fed
// token by token (or prefilled), stop at BOS/EOS or after `steps` positions.
#pragma once

#include "model/Sampler.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <functional>
#include <string>

namespace mobi {

struct GenerateOptions {
    std::string prompt;
    int steps = 256;       // total positions including the prompt, as run.c's -n
    SamplerConfig sampler;
    bool prefill = true;   // evaluate the prompt as one batch
    // Called once per position as its token becomes known: the prompt's
    // tokens first, then each sampled one (profiles record tokens live).
    std::function<void(int position, int token, bool isPrompt)> onToken;
};

struct GenerateResult {
    std::vector<int> tokens; // prompt (with BOS) then generated ids
    int promptTokens = 0;
    int generatedTokens = 0;
    double prefillSeconds = 0;
    double decodeSeconds = 0;
    std::string text;        // decoded generated text (prompt included, as run.c prints)
};

// onPiece receives each printed piece as it is produced; returning false stops.
GenerateResult generate(Transformer& model, const Tokenizer& tokenizer, const GenerateOptions& options,
                        const std::function<bool(const std::string& piece)>& onPiece = {});

} // namespace mobi
