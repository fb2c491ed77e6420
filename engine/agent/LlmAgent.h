// The language-model policy: a ReAct-style prompt, then either every
// admissible command scored by its length-normalised log-likelihood (mean
// log-probability per token) after the prompt, or greedy free text mapped to
// the nearest admissible command. A model trained on the agent format
// (AgentPrompt, declared in its metadata) gets that prompt instead, and each
// admissible command is scored by the total log-probability of
// " <command>\n", as in training. Runs on the Transformer it is given, at
// whatever precision (level, router budget) the caller set on it.
#pragma once

#include "agent/ActionScorer.h"
#include "agent/AgentPolicy.h"
#include "agent/AgentPrompt.h"
#include "agent/ReactPrompt.h"
#include "util/SplitMix64.h"

#include <cstdint>

namespace mobi {

struct LlmAgentOptions {
    enum class Mode { Score, Generate };
    Mode mode = Mode::Score;
    // 0: take the best-scored command; > 0: sample from softmax(score / T).
    double temperature = 0;
    uint64_t seed = 0;
    int maxNewTokens = 24; // generate mode
};

class LlmAgent : public AgentPolicy {
  public:
    LlmAgent(Transformer& t, const Tokenizer& tok, ReactPrompt prompt, LlmAgentOptions options);
    // The agent format (score mode only).
    LlmAgent(Transformer& t, const Tokenizer& tok, AgentPrompt prompt, LlmAgentOptions options);
    std::string name() const override { return "llm"; }
    AgentDecision decide(const AgentView& view) override;
    // What the last decide() fed the model (for recording).
    const BuiltPrompt& lastPrompt() const { return last_; }

  private:
    AgentDecision decideAgentFormat(const AgentView& view);
    // Sets distribution from scores (softmax at the temperature) and picks.
    void choose(const AgentView& view, AgentDecision& d);
    ActionScorer scorer_;
    ReactPrompt prompt_;
    std::optional<AgentPrompt> agentPrompt_;
    LlmAgentOptions options_;
    SplitMix64 rng_;
    BuiltPrompt last_;
};

} // namespace mobi
