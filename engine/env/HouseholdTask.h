// The six ALFWorld task types and one task's parameters, read from (or
// written as) the PDDL goal formulas the ALFWorld games use.
#pragma once

#include "env/Pddl.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mobi {

enum class HouseholdTaskType : uint8_t {
    PickAndPlaceSimple,
    LookAtObjInLight,
    PickCleanThenPlace,
    PickHeatThenPlace,
    PickCoolThenPlace,
    PickTwoObjAndPlace,
};
inline constexpr int kHouseholdTaskTypes = 6;

// ALFWorld's names: "pick_and_place_simple", "look_at_obj_in_light",
// "pick_clean_then_place_in_recep", "pick_heat_then_place_in_recep",
// "pick_cool_then_place_in_recep", "pick_two_obj_and_place".
std::string_view householdTaskName(HouseholdTaskType t);

struct HouseholdTask {
    HouseholdTaskType type = HouseholdTaskType::PickAndPlaceSimple;
    std::string object;     // ALFRED kind of the object to move: "Mug"
    std::string receptacle; // destination kind ("CoffeeMachine"); the lamp kind for look_at

    // The task a goal formula states, or nullopt when the goal has none of
    // the six forms. Kinds come back without the "Type" suffix.
    static std::optional<HouseholdTask> fromGoal(const PddlFormula& goal);
    // The goal formula in the games' own layout, "(:goal ...)".
    std::string goalText() const;
    // "put a clean mug in coffeemachine." (without "Your task is to: ");
    // phrasing 0 or 1 picks one of ALFWorld's two wordings per type.
    std::string sentence(int phrasing) const;
};

} // namespace mobi
