// Steps through a recorded episode, and checks that an environment replays
// it identically (same observations, admissible commands, rewards, done).
#pragma once

#include "agent/EpisodeRecord.h"

#include <string>
#include <vector>

namespace mobi {

class Environment;

class EpisodeReplay {
  public:
    explicit EpisodeReplay(EpisodeRecord record) : r_(std::move(record)) {}
    const EpisodeRecord& record() const { return r_; }

    // Cursor over the steps: position() steps have been shown.
    int position() const { return pos_; }
    bool atEnd() const { return pos_ >= int(r_.steps.size()); }
    // The next step (advances); EngineError past the end.
    const EpisodeStep& next();
    // Moves the cursor to step `index` (0 .. steps) .
    void seek(int index);
    // The observation the player saw before step `index` (the first
    // observation for index 0).
    const std::string& observationBefore(int index) const;

    // Resets `env`, replays the recorded commands and returns the
    // differences ("step 3: observation differs: ..."), empty when the
    // replay is identical.
    static std::vector<std::string> verify(const EpisodeRecord& r, Environment& env);

  private:
    EpisodeRecord r_;
    int pos_ = 0;
};

} // namespace mobi
