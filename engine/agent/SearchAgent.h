// The searching expert (SearchExpert) as a policy: it decides from the
// task, the first observation, the steps so far and the admissible commands
// of the AgentView, and never asks the environment (view.env is ignored).
#pragma once

#include "agent/AgentPolicy.h"
#include "env/SearchExpert.h"

namespace mobi {

class SearchAgent : public AgentPolicy {
  public:
    explicit SearchAgent(const SearchPrior& prior = SearchPrior::builtin()) : expert_(prior) {}
    std::string name() const override { return "search"; }
    AgentDecision decide(const AgentView& view) override;
    // The command for a view (what decide() takes), nullopt when it has none.
    std::optional<std::string> command(const AgentView& view) const;

  private:
    SearchExpert expert_;
};

} // namespace mobi
