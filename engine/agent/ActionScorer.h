// Language-model likelihood of continuations after a prompt, reusing the KV
// cache across calls: the prompt of an agent grows by one step at a time, so
// only the tokens past the longest common prefix with the cached ones run.
#pragma once

#include <string>
#include <vector>

namespace mobi {

class Transformer;
class Tokenizer;

struct ContinuationScore {
    double logProb = 0; // sum of log p(token) over the continuation's tokens
    int tokens = 0;     // how many tokens the continuation has
    double mean() const { return tokens ? logProb / tokens : -1e30; }
};

class ActionScorer {
  public:
    ActionScorer(Transformer& t, const Tokenizer& tok);

    // Token ids of `text` with BOS first, as the scorer feeds them.
    std::vector<int> encode(const std::string& text) const;
    // log p(continuation | prompt) where the continuation's tokens are those
    // of encode(prompt + continuation) past its common prefix with
    // encode(prompt) (SentencePiece merges across the seam, so tokenizing
    // the two apart would score tokens the model never sees together).
    // Throws EngineError when prompt + continuation exceed the context.
    ContinuationScore score(const std::string& prompt, const std::string& continuation);
    // Greedy continuation of prompt until `stop` appears or maxTokens run;
    // the text returned ends before `stop`.
    std::string generate(const std::string& prompt, int maxTokens, const std::string& stop);

    int maxContext() const;
    // Tokens run through the model since the last call to takeTokensRun().
    int takeTokensRun();

  private:
    // Runs ids[0..n) through the model (reusing the cached prefix) and
    // returns the logits after ids[n-1].
    const std::vector<float>& extend(const std::vector<int>& ids, size_t n);
    Transformer& t_;
    const Tokenizer& tok_;
    std::vector<int> cached_; // ids whose keys/values are in the cache
    std::vector<float> last_;
    std::string promptText_; // the last prompt score() saw, and its ids
    std::vector<int> promptIds_;
    int tokensRun_ = 0;
};

} // namespace mobi
