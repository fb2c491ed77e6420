// A policy plays a text environment: from the task, the observations so far
// and the admissible commands it picks the next command. Policies for
// comparison (expert, random) and the language-model policy share this
// interface so episodes record and replay the same way.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mobi {

class Environment;

// What a policy sees before one step.
struct AgentView {
    const Environment* env = nullptr; // the expert asks it; others must not peek
    std::string task;
    std::string firstObservation; // what reset() returned
    // (command, observation) of every step taken so far.
    std::vector<std::pair<std::string, std::string>> history;
    std::vector<std::string> admissible;
};

struct AgentDecision {
    std::string command;              // empty: the policy gives up
    std::vector<double> distribution; // probability per admissible command
    std::vector<double> scores;       // raw scores (llm: mean log-prob; agent format: total)
    std::string generated;            // free text before mapping (llm generate mode)
    int tokens = 0;                   // model tokens run for this decision
    std::string note;                 // why the policy gave up, or similar
};

class AgentPolicy {
  public:
    virtual ~AgentPolicy() = default;
    // "expert", "random", "llm".
    virtual std::string name() const = 0;
    // Called after reset(), before the first decide().
    virtual void beginEpisode(const AgentView&) {}
    virtual AgentDecision decide(const AgentView& view) = 0;
};

} // namespace mobi
