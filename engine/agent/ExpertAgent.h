// The environment's own expert (ALFWorld walkthrough or planner, the
// household planner, WebShop's heuristic buyer) as a policy.
#pragma once

#include "agent/AgentPolicy.h"

namespace mobi {

class ExpertAgent : public AgentPolicy {
  public:
    std::string name() const override { return "expert"; }
    AgentDecision decide(const AgentView& view) override;
};

} // namespace mobi
