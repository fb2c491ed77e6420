// Creates environments from JSON specs (what episode files store so that a
// replay can recreate them) and lists the specs of a run's episodes:
//   {"env": "alfworld",  "game": PATH,                  "max_steps": 50}
//   {"env": "household", "seed": S, "template": PATH,   "max_steps": 50}
//   {"env": "webshop",   "data": DIR, "goal": I,        "max_steps": 15}
// ALFWorld and household environments get the household expert planner as
// the fallback of their walkthrough expert.
#pragma once

#include "util/Json.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mobi {

class Environment;
class HouseholdGenerator;
struct WebshopSuite;

struct EnvRunOptions {
    std::string kind;         // "alfworld", "household", "webshop"
    std::string dataDir;      // ../shared/data (alfworld/valid_seen, webshop/)
    std::string games;        // ALFWorld: a game file or a directory searched for game.tw-pddl
    std::string templatePath; // household: the game whose domain/grammar is used
    int maxSteps = 0;         // 0: the environment's default (50 ALFWorld, 15 WebShop)
};

class EnvFactory {
  public:
    EnvFactory();
    ~EnvFactory();

    // Specs of episodes start .. start+count-1 (ALFWorld: games in path
    // order, wrapping around; household: seeds; WebShop: goal indices,
    // wrapping around). EngineError for an unknown kind, no games, no goals.
    std::vector<Json> specs(const EnvRunOptions& o, uint64_t start, size_t count);
    // How many distinct episodes the source has (household: 0 = unbounded).
    size_t available(const EnvRunOptions& o);

    // FormatError / EngineError for a malformed spec, a missing game or data.
    std::unique_ptr<Environment> create(const Json& spec);

    // All game.tw-pddl files under `path` (or `path` itself), sorted.
    static std::vector<std::string> findGames(const std::string& path);

  private:
    const WebshopSuite& webshop(const std::string& dir);
    const HouseholdGenerator& household(const std::string& templatePath);
    std::map<std::string, std::unique_ptr<WebshopSuite>> webshop_;
    std::map<std::string, std::unique_ptr<HouseholdGenerator>> household_;
    std::map<std::string, std::vector<std::string>> games_;
};

} // namespace mobi
