// Uniformly random choice among the admissible commands, seeded.
#pragma once

#include "agent/AgentPolicy.h"
#include "util/SplitMix64.h"

#include <cstdint>

namespace mobi {

class RandomAgent : public AgentPolicy {
  public:
    explicit RandomAgent(uint64_t seed) : rng_{seed ^ 0x72616E646F6D2121ull} {}
    std::string name() const override { return "random"; }
    AgentDecision decide(const AgentView& view) override;

  private:
    SplitMix64 rng_;
};

} // namespace mobi
