// An expert for ALFWorld games and generated household problems: from ANY
// state of an AlfworldEnv it returns the next command of a short plan for
// the game's task, read from the PDDL goal (one of ALFWorld's six task
// types). Like ALFWorld's hand-coded expert it is task-aware — fetch the
// object (going to and opening its receptacle), clean/heat/cool it at the
// sink basin/microwave/fridge, bring it to a destination receptacle, or
// carry it to a desk lamp and use the lamp — but it reads object positions
// from the state instead of searching, so its plans are as short as the
// walkthroughs. Whatever it holds that the task does not need it puts down
// first. Every command it returns is one of env.commands() (the matching
// ground action's text).
#pragma once

#include "env/AlfworldEnv.h"
#include "env/HouseholdTask.h"

#include <optional>
#include <string>

namespace mobi {

class AlfworldExpert {
  public:
    // The next command, or nullopt when the episode is over, the goal holds,
    // the goal is none of the six task forms, or no plan exists from here
    // (the target object or a needed receptacle is missing).
    static std::optional<std::string> nextCommand(const AlfworldEnv& env);
    // The task the expert reads from the game's goal.
    static std::optional<HouseholdTask> task(const AlfworldEnv& env);
    // env.setExpert(nextCommand): env.expertCommand() then answers from the
    // expert (after the walkthrough, when the game has one and it was left).
    static void install(AlfworldEnv& env);
};

} // namespace mobi
