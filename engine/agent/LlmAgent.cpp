#include "agent/LlmAgent.h"

#include "agent/NearestCommand.h"
#include "core/Error.h"

#include <algorithm>
#include <cmath>

namespace mobi {

LlmAgent::LlmAgent(Transformer& t, const Tokenizer& tok, ReactPrompt prompt,
                   LlmAgentOptions options)
    : scorer_(t, tok), prompt_(std::move(prompt)),
      options_(options), rng_{options.seed ^ 0x6C6C6D6167656E74ull} {}

LlmAgent::LlmAgent(Transformer& t, const Tokenizer& tok, AgentPrompt prompt,
                   LlmAgentOptions options)
    : scorer_(t, tok), agentPrompt_(std::move(prompt)),
      options_(options), rng_{options.seed ^ 0x6C6C6D6167656E74ull} {
    if (options.mode != LlmAgentOptions::Mode::Score)
        throw EngineError("llm policy", std::string("the ") + AgentPrompt::kFormat +
                                            " format scores admissible commands; generate mode "
                                            "is for ReAct prompts");
}

AgentDecision LlmAgent::decideAgentFormat(const AgentView& view) {
    AgentDecision d;
    last_ = BuiltPrompt{};
    // The byte budget the model declares, halved while the prompt and the
    // longest command do not fit the context (a model trained with a longer
    // context than it is run at, or text that tokenizes unusually long).
    size_t longest = 0;
    for (const std::string& c : view.admissible)
        longest = std::max(longest, scorer_.encode(AgentPrompt::continuation(c)).size());
    AgentPrompt window = *agentPrompt_;
    for (;;) {
        last_.text = window.build(view.task, view.firstObservation, view.history);
        last_.droppedSteps =
            int(window.windowStart(view.task, view.firstObservation, view.history));
        if (scorer_.encode(last_.text).size() + longest <= size_t(scorer_.maxContext())) break;
        if (window.charBudget() / 2 < AgentPrompt::kMinChars)
            throw EngineError("llm policy", "the model's context of " +
                                                std::to_string(scorer_.maxContext()) +
                                                " tokens cannot hold the task, the first "
                                                "observation and a command");
        window = AgentPrompt(window.charBudget() / 2);
    }
    d.scores.reserve(view.admissible.size());
    for (const std::string& c : view.admissible)
        d.scores.push_back(scorer_.score(last_.text, AgentPrompt::continuation(c)).logProb);
    choose(view, d);
    d.tokens = scorer_.takeTokensRun();
    return d;
}

AgentDecision LlmAgent::decide(const AgentView& view) {
    AgentDecision d;
    if (view.admissible.empty()) {
        d.note = "no admissible command";
        return d;
    }
    if (agentPrompt_) return decideAgentFormat(view);
    // Room for the longest command (or the generated text) after the prompt.
    int reserve = options_.maxNewTokens;
    if (options_.mode == LlmAgentOptions::Mode::Score)
        for (const std::string& c : view.admissible)
            reserve = std::max(reserve, int(scorer_.encode(" " + c).size()) + 1);
    const int budget = scorer_.maxContext() - reserve;
    if (budget < 8)
        throw EngineError("llm policy", "the model's context of " +
                                            std::to_string(scorer_.maxContext()) +
                                            " tokens cannot hold a prompt and a command");
    last_ = prompt_.build(view, budget,
                          [&](const std::string& s) { return int(scorer_.encode(s).size()); });

    if (options_.mode == LlmAgentOptions::Mode::Generate) {
        d.generated = scorer_.generate(last_.text, options_.maxNewTokens, "\n");
        const int i = nearestCommand(d.generated, view.admissible);
        d.command = view.admissible[size_t(i)];
        d.distribution.assign(view.admissible.size(), 0.0);
        d.distribution[size_t(i)] = 1.0;
        d.tokens = scorer_.takeTokensRun();
        return d;
    }

    d.scores.reserve(view.admissible.size());
    for (const std::string& c : view.admissible)
        d.scores.push_back(scorer_.score(last_.text, " " + c).mean());
    choose(view, d);
    d.tokens = scorer_.takeTokensRun();
    return d;
}

void LlmAgent::choose(const AgentView& view, AgentDecision& d) {
    const double t = options_.temperature > 0 ? options_.temperature : 1.0;
    const double mx = *std::max_element(d.scores.begin(), d.scores.end());
    double sum = 0;
    d.distribution.resize(d.scores.size());
    for (size_t i = 0; i < d.scores.size(); ++i)
        sum += d.distribution[i] = std::exp((d.scores[i] - mx) / t);
    for (double& p : d.distribution)
        p /= sum;
    size_t pick = size_t(std::max_element(d.scores.begin(), d.scores.end()) - d.scores.begin());
    if (options_.temperature > 0) {
        double u = rng_.uniform(), acc = 0;
        for (size_t i = 0; i < d.distribution.size(); ++i) {
            acc += d.distribution[i];
            if (u < acc) {
                pick = i;
                break;
            }
        }
    }
    d.command = view.admissible[pick];
}

} // namespace mobi
