// An ALFWorld expert that plays from what the player has seen: the task
// text, the intro, the (command, observation) pairs so far and the current
// admissible commands; never the game's hidden PDDL state. It reads the task
// (one of the six ALFWorld task types), looks for the object in the
// receptacles it has not seen inside yet, most promising first (the
// training games' prior P(object in receptacle | kinds) over the steps a
// visit costs, opening closed ones), remembers everything it was shown
// (AlfworldBelief), and then finishes the task as AlfworldExpert would:
// clean at a sink basin, heat at a microwave, cool at a fridge, use a lamp
// while holding the object, or bring two objects to the same receptacle.
// Whatever it holds that the task does not need it puts down first, so it
// answers from any state a learner reaches (DAgger labels).
//
// next() is a pure function of its arguments (no state between calls), so
// the same history always gets the same command.
#pragma once

#include "env/HouseholdTask.h"
#include "env/SearchPrior.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mobi {

using TextHistory = std::vector<std::pair<std::string, std::string>>;

class SearchExpert {
  public:
    explicit SearchExpert(const SearchPrior& prior = SearchPrior::builtin()) : prior_(prior) {}

    // The task a task text states ("Your task is to: put a clean mug in
    // coffeemachine."; the prefix is optional), kinds in lower case as the
    // game names them ("mug", "coffeemachine"); nullopt for other text.
    static std::optional<HouseholdTask> parseTask(const std::string& taskText);

    // The next command (one of `admissible`), or nullopt when the task text
    // is not an ALFWorld task or the search found nothing more to try.
    std::optional<std::string> next(const std::string& taskText, const std::string& intro,
                                    const TextHistory& history,
                                    const std::vector<std::string>& admissible) const;

  private:
    const SearchPrior& prior_;
};

} // namespace mobi
