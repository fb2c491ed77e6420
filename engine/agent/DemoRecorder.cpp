#include "agent/DemoRecorder.h"

#include "env/Environment.h"

namespace mobi {

Json DemoRecord::toJson() const {
    Json j(Json::Object{});
    j.set("text", text);
    Json spans(Json::Array{});
    for (const auto& [b, e] : loss) {
        Json s(Json::Array{});
        s.push(Json(int64_t(b)));
        s.push(Json(int64_t(e)));
        spans.push(std::move(s));
    }
    j.set("loss", spans);
    j.set("episode", episode);
    Json steps(Json::Array{});
    steps.push(firstStep);
    steps.push(lastStep);
    j.set("steps", steps);
    return j;
}

void DemoPacker::add(const std::string& prompt, const std::string& label, int step) {
    const bool extends = open_ && prompt.size() >= cur_.text.size() &&
                         prompt.compare(0, cur_.text.size(), cur_.text) == 0;
    if (!extends) {
        flush();
        cur_ = DemoRecord{};
        cur_.episode = episode_;
        cur_.firstStep = step;
        open_ = true;
    }
    cur_.text = prompt;
    const std::string c = AgentPrompt::continuation(label);
    cur_.loss.push_back({cur_.text.size(), cur_.text.size() + c.size()});
    cur_.text += c;
    cur_.lastStep = step;
}

void DemoPacker::flush() {
    if (!open_) return;
    open_ = false;
    if (out_) out_(std::move(cur_));
    cur_ = DemoRecord{};
}

DemoEpisodeStats recordDemoEpisode(Environment& env, const SearchAgent& expert,
                                   AgentPolicy* learner, double beta, SplitMix64& rng,
                                   const AgentPrompt& prompt, DemoPacker& packer) {
    DemoEpisodeStats st;
    packer.setEpisode(env.episodeId());
    AgentView view; // view.env stays null: neither policy may peek
    view.firstObservation = env.reset();
    view.task = env.taskText();
    view.admissible = env.admissibleCommands();
    if (learner) learner->beginEpisode(view);
    const int bound = env.maxSteps() > 0 ? env.maxSteps() : 1000;
    for (int step = 0; step < bound; ++step) {
        const std::optional<std::string> label = expert.command(view);
        if (label) {
            packer.add(prompt.build(view.task, view.firstObservation, view.history), *label, step);
            ++st.labels;
        } else {
            packer.flush();
        }
        std::string command;
        const double u = learner ? rng.uniform() : 1.0;
        const bool expertActs = !learner || (label && u < beta);
        if (learner && !expertActs) {
            AgentDecision d = learner->decide(view);
            st.tokens += d.tokens;
            command = d.command;
            if (label && command != *label) ++st.disagreements;
        } else if (label) {
            command = *label;
            ++st.expertActed;
        }
        if (command.empty()) break;
        const EnvStep e = env.step(command);
        ++st.steps;
        view.history.emplace_back(command, e.observation);
        if (e.done) {
            st.won = e.won;
            break;
        }
        view.admissible = env.admissibleCommands();
    }
    packer.flush();
    return st;
}

} // namespace mobi
