// JSON Lines files of episodes: a streaming writer (each line flushed, so a
// killed run leaves whole lines) and a validating reader.
#pragma once

#include "agent/EpisodeRecord.h"

#include <cstdio>
#include <string>
#include <vector>

namespace mobi {

class EpisodeWriter {
  public:
    // Creates or truncates `path`; EngineError naming it when it cannot.
    explicit EpisodeWriter(const std::string& path);
    ~EpisodeWriter();
    EpisodeWriter(const EpisodeWriter&) = delete;
    EpisodeWriter& operator=(const EpisodeWriter&) = delete;

    // Returns the episode's number in the file (0, 1, ...).
    int beginEpisode(const EpisodeRecord& header);
    void addStep(const EpisodeStep& step);
    void endEpisode(const EpisodeRecord& finished);
    const std::string& path() const { return path_; }

  private:
    void writeLine(const Json& j);
    std::string path_;
    std::FILE* f_ = nullptr;
    int episode_ = -1;
};

struct EpisodeLog {
    // Reads every episode; FormatError(path, "line N: ...") for bad JSON, a
    // step or end line without its episode line, steps out of order or
    // missing keys. An episode without an "end" line (a run that was cut
    // short) is kept with stopReason "incomplete".
    static std::vector<EpisodeRecord> read(const std::string& path);
    static std::vector<EpisodeRecord> parse(const std::string& text, const std::string& source);
};

} // namespace mobi
