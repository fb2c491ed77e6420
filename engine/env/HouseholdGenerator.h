// Household problem generator (issue 6): from a seed, a new ALFWorld game in
// the domain and grammar of a template game — one of the six task types
// (seed mod 6, so types are balanced over consecutive seeds), a random scene
// of one of ALFRED's room kinds with random receptacles and distractor
// objects, and the task line of the grammar rewritten in ALFWorld's wording.
// Every problem is solvable by construction: the target object exists (two
// of them for pick_two), a destination receptacle that may contain it exists
// and does not already hold it, and so does the sink basin, microwave, fridge
// or desk lamp the task needs. Randomness is splitmix64 only, so a seed gives
// the same game text on every platform.
#pragma once

#include "env/AlfworldGame.h"
#include "env/HouseholdTables.h"
#include "env/HouseholdTask.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

struct HouseholdProblem {
    uint64_t seed = 0;
    HouseholdTask task;
    household::Scene scene = household::Scene::Kitchen;
    std::string taskText;    // "Your task is to: put a clean mug in coffeemachine."
    std::string problemText; // the PDDL problem
    std::string gameText;    // a game.tw-pddl JSON document (domain, grammar, problem)
};

class HouseholdGenerator {
  public:
    // Reads the template game (domain and grammar are taken from it). Throws
    // FormatError naming the file when it is missing, is not an ALFWorld
    // game, or lacks a type, predicate or grammar symbol the generator uses.
    explicit HouseholdGenerator(const std::string& templatePath);

    // The first game.tw-pddl under <dataDir>/alfworld/train in path order
    // (never valid_seen, the evaluation split); throws FormatError when there
    // is none.
    static std::string defaultTemplatePath(const std::string& dataDir);

    // Thread-safe (const, no shared mutable state): episodes for several
    // workers can come from one generator.
    HouseholdProblem generate(uint64_t seed) const;
    // generate(seed) loaded as a game; its source() is "household:<seed>".
    AlfworldGame game(uint64_t seed) const;
    static std::string sourceName(uint64_t seed);

    const std::string& templatePath() const { return templatePath_; }

  private:
    std::string templatePath_;
    std::string header_;     // the template's constant objects, one "name - type" per line
    std::string jsonPrefix_; // {"pddl_domain": "...", "grammar": "...<task rhs starts>
    std::string jsonMiddle_; // <task rhs ends>...", "pddl_problem": "
};

} // namespace mobi
