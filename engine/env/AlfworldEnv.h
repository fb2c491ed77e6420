// An ALFWorld game played natively, as ALFWorld's TextWorld PDDL environment
// (with the AlfredDemangler wrapper) plays it: reset() prints the intro,
// step() applies the admissible command with that exact text and renders the
// action's feedback through the game's grammar, anything else gets
// "Nothing happens." with the state unchanged. Admissible commands are the
// templates of the applicable ground actions, deduplicated and sorted as
// strings (TextWorld's order; this includes "help"). "put X in/on Y",
// "put X in Y" and "put X on Y" (the ReAct transcripts' wording) are taken as
// "move X to Y". Reward 1 and done when the PDDL goal holds; done when the
// step limit is reached.
//
// The read-only view (state(), names(), agentLocation(), heldObject(), ...)
// is for experts and generators. Copying an AlfworldEnv is cheap (the
// compiled game is shared) and gives an independent episode.
#pragma once

#include "env/AlfworldGame.h"
#include "env/AlfworldNames.h"
#include "env/AlfworldText.h"
#include "env/Environment.h"
#include "env/PddlState.h"
#include "env/PddlTask.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mobi {

// One admissible command and the ground action behind it.
struct AlfworldCommand {
    std::string text; // "take newspaper 2 from dresser 1"
    PddlGroundAction action;
};

class AlfworldEnv : public Environment {
  public:
    using ExpertHook = std::function<std::optional<std::string>(const AlfworldEnv&)>;
    static constexpr int kDefaultMaxSteps = 50;

    // Compiles the game (throws FormatError for what the loader could not
    // see: constants naming no object, grammar conditions with unknown
    // predicates, a grammar without the symbols the intro needs) and resets.
    explicit AlfworldEnv(std::shared_ptr<const AlfworldGame> game, int maxSteps = kDefaultMaxSteps);
    explicit AlfworldEnv(const AlfworldGame& game, int maxSteps = kDefaultMaxSteps);

    // Environment.
    // "alfworld", or "household" for a generated game (setKind).
    std::string kind() const override { return kind_; }
    std::string episodeId() const override; // the game's source path
    std::string taskText() const override;  // "Your task is to: ..."
    std::string reset() override;
    EnvStep step(const std::string& command) override;
    std::vector<std::string> admissibleCommands() const override;
    // The walkthrough's next command while every command so far followed the
    // walkthrough; otherwise the hook's answer; nullopt without a hook.
    std::optional<std::string> expertCommand() const override;
    int steps() const override { return steps_; }
    int maxSteps() const override { return maxSteps_; }

    void setMaxSteps(int n) { maxSteps_ = n; }
    void setKind(std::string kind) { kind_ = std::move(kind); }
    void setExpert(ExpertHook hook) { expert_ = std::move(hook); }

    // --- Read-only view -----------------------------------------------------
    const AlfworldGame& game() const { return *game_; }
    const PddlTask& task() const { return *shared_->task; }
    const PddlState& state() const { return state_; }
    const AlfworldNames& names() const { return shared_->names; }
    // The intro reset() printed (also after steps).
    const std::string& intro() const { return intro_; }
    // Admissible commands with their ground actions, in admissibleCommands()
    // order.
    const std::vector<AlfworldCommand>& commands() const { return commands_; }
    // "put X in/on Y" -> "move X to Y", surrounding spaces trimmed; other
    // commands unchanged.
    static std::string normalizeCommand(std::string_view command);

    // Object ids <-> ALFWorld names ("desk 1"); -1 when unknown.
    int objectId(std::string_view name) const { return names().object(name); }
    const std::string& objectName(int object) const { return names().name(object); }
    // Declared PDDL type ("receptacle", "object", "location", "agent", ...).
    const std::string& objectType(int object) const { return task().objectType(object); }
    // Objects of a declared type, in problem order.
    std::vector<int> objectsOfType(std::string_view type) const;
    // True atoms of a predicate (ignoring case: "inReceptacle" or
    // "inreceptacle"); empty for an unknown predicate.
    std::vector<PddlArgs> facts(std::string_view predicate) const;
    bool holds(std::string_view predicate, std::initializer_list<int> args) const;
    int agent() const { return agent_; }
    int agentLocation() const; // location object id, -1 if none
    int heldObject() const;    // object id, -1 when empty-handed
    std::vector<int> receptaclesAt(int location) const;
    std::vector<int> objectsIn(int receptacle) const; // inReceptacle, id order
    bool won() const { return won_; }
    bool done() const { return done_; }
    // True while every command since reset() was the walkthrough's next one.
    bool onWalkthrough() const { return onWalkthrough_; }
    const std::vector<std::string>& history() const { return history_; }

    // Renders a grammar template with the current state ("#look.feedback#").
    std::string render(std::string_view templ, const AlfworldBindings& vars = {}) const;

  private:
    struct Shared {
        std::shared_ptr<const PddlTask> task;
        AlfworldNames names;
        std::unique_ptr<AlfworldText> text;
        std::vector<std::string> commandTemplates; // per action; empty = no command
        std::vector<std::string> feedbackTemplates;
        std::vector<std::vector<std::string>> paramNames; // lower case, no '?'
    };
    void refreshCommands();

    std::shared_ptr<const AlfworldGame> game_;
    std::shared_ptr<const Shared> shared_;
    PddlState state_;
    std::vector<AlfworldCommand> commands_;
    std::vector<std::string> history_;
    std::string intro_;
    ExpertHook expert_;
    int agent_ = -1;
    std::string kind_ = "alfworld";
    int maxSteps_ = kDefaultMaxSteps;
    int steps_ = 0;
    bool won_ = false;
    bool done_ = false;
    bool onWalkthrough_ = true;
};

} // namespace mobi
