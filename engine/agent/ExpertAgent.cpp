#include "agent/ExpertAgent.h"

#include "env/Environment.h"

namespace mobi {

AgentDecision ExpertAgent::decide(const AgentView& view) {
    AgentDecision d;
    const std::optional<std::string> cmd = view.env ? view.env->expertCommand() : std::nullopt;
    if (!cmd) {
        d.note = "the expert has no command for this state";
        return d;
    }
    d.command = *cmd;
    // One-hot over the admissible commands when the expert's command is
    // among them (WebShop's searches are not listed: no distribution then).
    for (size_t i = 0; i < view.admissible.size(); ++i)
        if (view.admissible[i] == d.command) {
            d.distribution.assign(view.admissible.size(), 0.0);
            d.distribution[i] = 1.0;
        }
    return d;
}

} // namespace mobi
