#include "agent/EpisodeReplay.h"

#include "core/Error.h"
#include "env/Environment.h"

namespace mobi {

namespace {

std::string clip(const std::string& s) {
    return s.size() <= 80 ? s : s.substr(0, 77) + "...";
}

} // namespace

const EpisodeStep& EpisodeReplay::next() {
    if (atEnd()) throw EngineError("replay", "past the last step");
    return r_.steps[size_t(pos_++)];
}

void EpisodeReplay::seek(int index) {
    if (index < 0 || index > int(r_.steps.size()))
        throw EngineError("replay", "no step " + std::to_string(index));
    pos_ = index;
}

const std::string& EpisodeReplay::observationBefore(int index) const {
    if (index < 0 || index > int(r_.steps.size()))
        throw EngineError("replay", "no step " + std::to_string(index));
    return index == 0 ? r_.firstObservation : r_.steps[size_t(index - 1)].observation;
}

std::vector<std::string> EpisodeReplay::verify(const EpisodeRecord& r, Environment& env) {
    std::vector<std::string> diffs;
    const std::string first = env.reset();
    if (first != r.firstObservation)
        diffs.push_back("first observation differs: recorded \"" + clip(r.firstObservation) +
                        "\", replayed \"" + clip(first) + "\"");
    if (env.taskText() != r.task) diffs.push_back("task differs");
    for (const EpisodeStep& s : r.steps) {
        const std::string at = "step " + std::to_string(s.index) + ": ";
        if (env.admissibleCommands() != s.admissible)
            diffs.push_back(at + "admissible commands differ");
        const EnvStep e = env.step(s.command);
        if (e.observation != s.observation)
            diffs.push_back(at + "observation differs: recorded \"" + clip(s.observation) +
                            "\", replayed \"" + clip(e.observation) + "\"");
        if (e.reward != s.reward) diffs.push_back(at + "reward differs");
        if (e.done != s.done || e.won != s.won) diffs.push_back(at + "done/won differs");
    }
    return diffs;
}

} // namespace mobi
