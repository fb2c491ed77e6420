#include "agent/SearchAgent.h"

namespace mobi {

std::optional<std::string> SearchAgent::command(const AgentView& view) const {
    return expert_.next(view.task, view.firstObservation, view.history, view.admissible);
}

AgentDecision SearchAgent::decide(const AgentView& view) {
    AgentDecision d;
    const std::optional<std::string> c = command(view);
    if (!c) {
        d.note = "the searching expert has nothing left to try";
        return d;
    }
    d.command = *c;
    d.distribution.assign(view.admissible.size(), 0.0);
    for (size_t i = 0; i < view.admissible.size(); ++i)
        if (view.admissible[i] == d.command) d.distribution[i] = 1.0;
    return d;
}

} // namespace mobi
