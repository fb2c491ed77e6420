// Plays one episode of a policy in an environment and records every step.
#pragma once

#include "agent/AgentPolicy.h"
#include "agent/EpisodeRecord.h"

#include <functional>

namespace mobi {

class Environment;

struct EpisodeRunOptions {
    std::function<bool()> cancelled;                // polled between steps
    std::function<void(const EpisodeStep&)> onStep; // after each step
};

// Resets `env` and plays until done, the policy gives up, cancellation, or
// the environment's step limit. `envSpec` is stored so the episode can be
// replayed (EnvFactory recreates the environment from it).
EpisodeRecord runEpisode(Environment& env, AgentPolicy& policy, const Json& envSpec,
                         const Json& policyInfo, const EpisodeRunOptions& options = {});

} // namespace mobi
