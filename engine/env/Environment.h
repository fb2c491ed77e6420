// The interface every text environment (ALFWorld games, generated household
// problems, WebShop) offers to policies, episode recording and the CLI.
// An environment is a state machine over text: reset() starts an episode and
// returns the first observation; step() takes one command and returns the
// feedback, the reward and whether the episode is over. Environments are not
// thread-safe; use one per thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mobi {

struct EnvStep {
    std::string observation; // the text the player sees after the command
    double reward = 0;       // reward of this step (ALFWorld: 1 on the goal)
    bool done = false;       // goal reached, step limit hit, or bought (WebShop)
    bool won = false;        // done because the task was achieved
};

class Environment {
  public:
    virtual ~Environment() = default;

    // "alfworld", "household" or "webshop".
    virtual std::string kind() const = 0;
    // What this episode is: a game path, a generator seed, a goal index.
    virtual std::string episodeId() const = 0;
    // The task in the environment's own words ("Your task is to: ...",
    // WebShop's instruction text).
    virtual std::string taskText() const = 0;

    // Starts (or restarts) the episode; returns the first observation.
    virtual std::string reset() = 0;
    // Applies one command. Commands that are not admissible leave the state
    // unchanged and get the environment's own answer ("Nothing happens.").
    // After done, every step returns done again with reward 0.
    virtual EnvStep step(const std::string& command) = 0;
    // The commands that do something in the current state, in the
    // environment's order and wording.
    virtual std::vector<std::string> admissibleCommands() const = 0;

    // The expert's next command from the current state, or nullopt when the
    // environment has no expert or the expert cannot go on.
    virtual std::optional<std::string> expertCommand() const = 0;

    virtual int steps() const = 0;    // commands taken since reset()
    virtual int maxSteps() const = 0; // the step limit (done when reached)
};

} // namespace mobi
