#include "agent/ActionScorer.h"

#include "core/Error.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <algorithm>
#include <cmath>

namespace mobi {

namespace {

// log softmax(logits)[id].
double logProbOf(const float* logits, int n, int id) {
    float mx = logits[0];
    for (int i = 1; i < n; ++i)
        mx = std::max(mx, logits[i]);
    double sum = 0;
    for (int i = 0; i < n; ++i)
        sum += std::exp(double(logits[i]) - mx);
    return double(logits[id]) - mx - std::log(sum);
}

} // namespace

ActionScorer::ActionScorer(Transformer& t, const Tokenizer& tok) : t_(t), tok_(tok) {}

int ActionScorer::maxContext() const {
    return t_.maxContext();
}

int ActionScorer::takeTokensRun() {
    const int n = tokensRun_;
    tokensRun_ = 0;
    return n;
}

std::vector<int> ActionScorer::encode(const std::string& text) const {
    return tok_.encode(text, true);
}

const std::vector<float>& ActionScorer::extend(const std::vector<int>& ids, size_t n) {
    if (n == 0) throw EngineError("llm policy", "empty prompt");
    if (n > size_t(t_.maxContext()))
        throw EngineError("llm policy", "prompt of " + std::to_string(n) +
                                            " tokens exceeds the context of " +
                                            std::to_string(t_.maxContext()));
    size_t common = 0;
    while (common < cached_.size() && common < n && cached_[common] == ids[common])
        ++common;
    if (common == n && cached_.size() == n && !last_.empty()) return last_;
    // The logits after ids[n-1] are needed, so at least that token runs.
    common = std::min(common, n - 1);
    last_ = t_.forward(ids.data() + common, int(n - common), int(common));
    tokensRun_ += int(n - common);
    cached_.assign(ids.begin(), ids.begin() + long(n));
    return last_;
}

ContinuationScore ActionScorer::score(const std::string& prompt, const std::string& continuation) {
    // Every admissible command is scored after the same prompt: encode it once.
    if (prompt != promptText_) {
        promptIds_ = encode(prompt);
        promptText_ = prompt;
    }
    const std::vector<int>& ctx = promptIds_;
    const std::vector<int> all = encode(prompt + continuation);
    size_t l = 0;
    while (l < ctx.size() && l < all.size() && ctx[l] == all[l])
        ++l;
    l = std::min(l, all.size() - 1); // at least one continuation token
    l = std::max<size_t>(l, 1);      // and BOS (or the first token) as context
    ContinuationScore s;
    if (all.size() <= l) return s;
    if (all.size() > size_t(t_.maxContext()))
        throw EngineError("llm policy", "prompt and command of " + std::to_string(all.size()) +
                                            " tokens exceed the context of " +
                                            std::to_string(t_.maxContext()));
    const int vocab = t_.model().config.vocabSize;
    const std::vector<float> first = extend(all, l);
    s.logProb = logProbOf(first.data(), vocab, all[l]);
    s.tokens = 1;
    const size_t rest = all.size() - l - 1;
    if (rest > 0) {
        // Run all[l .. end-1) after the cached prefix; their logits score
        // all[l+1 .. end). The cache past l is scratch: cached_ stays at l.
        const std::vector<float>& logits = t_.forward(all.data() + l, int(rest), int(l), true);
        tokensRun_ += int(rest);
        for (size_t i = 0; i < rest; ++i)
            s.logProb += logProbOf(logits.data() + i * size_t(vocab), vocab, all[l + 1 + i]);
        s.tokens += int(rest);
    }
    return s;
}

std::string ActionScorer::generate(const std::string& prompt, int maxTokens,
                                   const std::string& stop) {
    std::vector<int> ids = encode(prompt);
    const int vocab = t_.model().config.vocabSize;
    std::vector<float> logits = extend(ids, ids.size());
    std::string text;
    for (int i = 0; i < maxTokens && int(ids.size()) < t_.maxContext(); ++i) {
        const int next =
            int(std::max_element(logits.begin(), logits.begin() + vocab) - logits.begin());
        if (next == tok_.eos() || next == tok_.bos()) break;
        text += tok_.decodeToken(ids.back(), next);
        const size_t cut = stop.empty() ? std::string::npos : text.find(stop);
        if (cut != std::string::npos) {
            text.resize(cut);
            break;
        }
        ids.push_back(next);
        logits = t_.forward(&ids.back(), 1, int(ids.size()) - 1);
        ++tokensRun_;
    }
    // The generated tokens' cache entries are scratch: cached_ still holds
    // the prompt, and last_ its logits.
    return text;
}

} // namespace mobi
