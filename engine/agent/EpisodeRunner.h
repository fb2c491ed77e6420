// Plays one episode of a policy in an environment and records every step.
#pragma once

#include "agent/AgentPolicy.h"
#include "agent/EpisodeRecord.h"

#include <functional>

namespace mobi {

class Environment;

struct EpisodeRunOptions {
    std::function<bool()> cancelled; // polled between steps
    // After reset(), with the episode's header fields filled in.
    std::function<void(const EpisodeRecord&)> onStart;
    std::function<void(const EpisodeStep&)> onStep; // after each step
    // What the policy sees for each admissible command (WebShop's
    // "search[...]" needs keywords); the record keeps the environment's own
    // list, the command taken is the policy's choice.
    std::function<std::string(const std::string&)> concretize;
};

// Resets `env` and plays until done, the policy gives up, cancellation, or
// the environment's step limit. `envSpec` is stored so the episode can be
// replayed (EnvFactory recreates the environment from it).
EpisodeRecord runEpisode(Environment& env, AgentPolicy& policy, const Json& envSpec,
                         const Json& policyInfo, const EpisodeRunOptions& options = {});

} // namespace mobi
