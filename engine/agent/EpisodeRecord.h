// One recorded episode: how to recreate its environment, what the policy
// was, and every step (admissible commands, chosen command, the policy's
// action distribution, feedback, reward, done, time and model tokens).
// Episodes are stored as JSON Lines: an "episode" line, one "step" line per
// step, and an "end" line, so a run that stops mid-way leaves whole lines.
#pragma once

#include "util/Json.h"

#include <string>
#include <vector>

namespace mobi {

struct EpisodeStep {
    int index = 0;                       // 0-based
    std::vector<std::string> admissible; // before the command
    std::string command;
    std::vector<double> distribution; // over admissible (may be empty)
    std::vector<double> scores;       // the policy's raw scores (may be empty)
    std::string generated;            // llm free text before mapping
    std::string observation;          // the feedback
    double reward = 0;
    bool done = false;
    bool won = false;
    double decideMs = 0; // policy time
    double stepMs = 0;   // environment time
    int tokens = 0;      // model tokens run for the decision
    std::string note;    // e.g. prompt fitting for the llm policy

    Json toJson(int episode) const;
    // Throws FormatError(source, "line N: ...") on missing or mistyped keys.
    static EpisodeStep fromJson(const Json& j, const std::string& source, int line);
};

struct EpisodeRecord {
    // What EnvFactory needs to recreate the environment
    // ({"env": "alfworld", "game": PATH, "max_steps": 50}, ...).
    Json envSpec;
    std::string kind;      // "alfworld", "household", "webshop"
    std::string episodeId; // game path, seed, goal index
    std::string task;
    std::string policy; // "expert", "random", "llm"
    Json policyInfo;    // model, precision, mode, seed, ...
    std::string firstObservation;
    std::vector<std::string> firstAdmissible;
    std::vector<EpisodeStep> steps;
    // End of episode.
    double totalReward = 0;
    bool done = false;
    bool won = false;
    std::string stopReason; // "done", "step limit", "policy gave up: ...", "cancelled"

    Json headerJson(int episode) const;
    Json endJson(int episode) const;
};

} // namespace mobi
