#include "agent/RandomAgent.h"

namespace mobi {

AgentDecision RandomAgent::decide(const AgentView& view) {
    AgentDecision d;
    const size_t n = view.admissible.size();
    if (n == 0) {
        d.note = "no admissible command";
        return d;
    }
    d.command = view.admissible[rng_.below(n)];
    d.distribution.assign(n, 1.0 / double(n));
    return d;
}

} // namespace mobi
