#include "agent/EpisodeRunner.h"

#include "env/Environment.h"

#include <chrono>

namespace mobi {

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

EpisodeRecord runEpisode(Environment& env, AgentPolicy& policy, const Json& envSpec,
                         const Json& policyInfo, const EpisodeRunOptions& options) {
    EpisodeRecord r;
    r.envSpec = envSpec;
    r.kind = env.kind();
    r.policy = policy.name();
    r.policyInfo = policyInfo;
    r.firstObservation = env.reset();
    r.episodeId = env.episodeId();
    r.task = env.taskText();
    r.firstAdmissible = env.admissibleCommands();

    auto forPolicy = [&](std::vector<std::string> admissible) {
        if (options.concretize)
            for (std::string& c : admissible)
                c = options.concretize(c);
        return admissible;
    };
    if (options.onStart) options.onStart(r);
    AgentView view;
    view.env = &env;
    view.task = r.task;
    view.firstObservation = r.firstObservation;
    view.admissible = forPolicy(r.firstAdmissible);
    std::vector<std::string> raw = r.firstAdmissible;
    policy.beginEpisode(view);

    // The environment ends the episode at its step limit; the bound here
    // only guards against an environment that never says done.
    const int bound = env.maxSteps() > 0 ? env.maxSteps() : 1000;
    while (int(r.steps.size()) < bound) {
        if (options.cancelled && options.cancelled()) {
            r.stopReason = "cancelled";
            return r;
        }
        EpisodeStep s;
        s.index = int(r.steps.size());
        s.admissible = raw;
        auto t0 = std::chrono::steady_clock::now();
        AgentDecision d = policy.decide(view);
        s.decideMs = msSince(t0);
        if (d.command.empty()) {
            r.stopReason =
                "policy gave up: " + (d.note.empty() ? std::string("no command") : d.note);
            return r;
        }
        s.command = d.command;
        s.distribution = std::move(d.distribution);
        s.scores = std::move(d.scores);
        s.generated = std::move(d.generated);
        s.tokens = d.tokens;
        s.note = std::move(d.note);
        t0 = std::chrono::steady_clock::now();
        const EnvStep e = env.step(s.command);
        s.stepMs = msSince(t0);
        s.observation = e.observation;
        s.reward = e.reward;
        s.done = e.done;
        s.won = e.won;
        r.totalReward += e.reward;
        r.steps.push_back(s);
        if (options.onStep) options.onStep(r.steps.back());
        view.history.emplace_back(s.command, s.observation);
        if (e.done) {
            r.done = true;
            r.won = e.won;
            r.stopReason = e.won ? "won" : (env.steps() >= env.maxSteps() ? "step limit" : "done");
            return r;
        }
        raw = env.admissibleCommands();
        view.admissible = forPolicy(raw);
    }
    r.stopReason = "step limit";
    return r;
}

} // namespace mobi
