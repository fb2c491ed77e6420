// Training records for agent models (the JSONL `env demos` writes and the
// trainer reads): {"text": ..., "loss": [[b, e], ...], ...}, where text is
// an AgentPrompt prompt followed by " <label>\n" and loss holds the byte
// ranges of those label continuations.
//
// DemoPacker joins consecutive states of one episode into one record while
// each state's prompt extends the record so far (the prompt of the next
// state starts with the previous prompt plus its label): an expert rollout
// packs into one record per window of the prompt; in a DAgger rollout the
// history holds the learner's actions, so a record ends at the first state
// where the learner did something else than the label (that label is its
// last loss span) and the next record starts from the next state's prompt.
//
// recordDemoEpisode plays one episode: the searching expert labels every
// state; the learner (when given) acts, except that with probability beta
// the expert's command is taken instead; without a learner the expert acts.
#pragma once

#include "agent/AgentPolicy.h"
#include "agent/AgentPrompt.h"
#include "agent/SearchAgent.h"
#include "util/Json.h"
#include "util/SplitMix64.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mobi {

class Environment;

struct DemoRecord {
    std::string text;
    std::vector<std::pair<size_t, size_t>> loss; // half-open byte ranges of text
    std::string episode;                         // the episode's id
    int firstStep = 0, lastStep = 0;             // the states it labels
    // {"text", "loss", "episode", "steps": [first, last]}.
    Json toJson() const;
};

class DemoPacker {
  public:
    explicit DemoPacker(std::function<void(DemoRecord&&)> out) : out_(std::move(out)) {}
    ~DemoPacker() { flush(); }
    void setEpisode(std::string id) {
        flush();
        episode_ = std::move(id);
    }
    // One labelled state: its prompt (ending with ">") and the label command.
    void add(const std::string& prompt, const std::string& label, int step);
    // Ends the current record (an unlabelled state, the end of an episode).
    void flush();

  private:
    std::function<void(DemoRecord&&)> out_;
    std::string episode_;
    DemoRecord cur_;
    bool open_ = false;
};

struct DemoEpisodeStats {
    bool won = false;
    int steps = 0;         // commands taken
    int labels = 0;        // states the expert labelled
    int disagreements = 0; // learner's command != label (when the learner acted)
    int expertActed = 0;   // steps where the expert's command was taken
    int tokens = 0;        // model tokens the learner ran
};

// Plays env from reset() to done (or until nobody has a command).
// `learner` may be null (expert rollout). `rng` draws the beta choice once
// per step whenever a learner is given.
DemoEpisodeStats recordDemoEpisode(Environment& env, const SearchAgent& expert,
                                   AgentPolicy* learner, double beta, SplitMix64& rng,
                                   const AgentPrompt& prompt, DemoPacker& packer);

} // namespace mobi
