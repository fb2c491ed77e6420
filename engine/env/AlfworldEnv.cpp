#include "env/AlfworldEnv.h"

#include "core/Error.h"
#include "env/Sexp.h"

#include <algorithm>

namespace mobi {

namespace {

std::string lowerNoMark(const std::string& v) {
    std::string out = v.size() > 0 && v[0] == '?' ? v.substr(1) : v;
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    const size_t a = s.find_first_not_of(ws);
    if (a == std::string_view::npos) return {};
    const size_t b = s.find_last_not_of(ws);
    return s.substr(a, b - a + 1);
}

} // namespace

AlfworldEnv::AlfworldEnv(const AlfworldGame& game, int maxSteps)
    : AlfworldEnv(std::make_shared<const AlfworldGame>(game), maxSteps) {}

AlfworldEnv::AlfworldEnv(std::shared_ptr<const AlfworldGame> game, int maxSteps)
    : game_(std::move(game)), state_([&] {
          if (!game_) throw EngineError("alfworld", "no game");
          auto s = std::make_shared<Shared>();
          s->task = PddlTask::compile(game_->domain(), game_->problem(), game_->source());
          s->names = AlfworldNames(*s->task);
          s->text = std::make_unique<AlfworldText>(game_->grammar(), *s->task, s->names,
                                                   game_->source() + " [grammar]");
          for (const PddlCompiledAction& a : s->task->actions()) {
              std::string cmd, feedback;
              for (const AlfworldCommandTemplate& c : game_->grammar().commands())
                  if (equalsIgnoreCase(c.action, a.name)) {
                      cmd = c.commandTemplate;
                      feedback = c.feedback;
                      break;
                  }
              s->commandTemplates.push_back(cmd);
              s->feedbackTemplates.push_back(feedback);
              std::vector<std::string> params;
              for (int i = 0; i < a.paramCount; ++i)
                  params.push_back(lowerNoMark(a.slotNames[i]));
              s->paramNames.push_back(std::move(params));
          }
          shared_ = s;
          return PddlState(s->task);
      }()),
      maxSteps_(maxSteps) {
    const int agentType = task().typeId("agent");
    if (agentType >= 0 && !task().objectsOfType(agentType).empty())
        agent_ = task().objectsOfType(agentType).front();
    reset();
}

std::string AlfworldEnv::episodeId() const {
    return game_->source();
}

std::string AlfworldEnv::taskText() const {
    return game_->taskText();
}

std::string AlfworldEnv::reset() {
    state_ = PddlState(shared_->task);
    steps_ = 0;
    won_ = false;
    done_ = false;
    onWalkthrough_ = true;
    history_.clear();
    intro_ = shared_->text->derive("#intro#", {}, state_);
    refreshCommands();
    return intro_;
}

void AlfworldEnv::refreshCommands() {
    commands_.clear();
    const Shared& sh = *shared_;
    const std::vector<PddlGroundAction> ground = state_.applicableActions();
    commands_.reserve(ground.size());
    AlfworldBindings vars;
    for (const PddlGroundAction& g : ground) {
        const std::string& templ = sh.commandTemplates[g.action];
        if (templ.empty()) continue;
        vars.clear();
        const std::vector<std::string>& params = sh.paramNames[g.action];
        for (size_t i = 0; i < params.size(); ++i)
            vars.emplace_back(params[i], g.args[i]);
        commands_.push_back({sh.text->derive(templ, vars, state_), g});
    }
    // TextWorld: sorted(set(commands)); a repeated command runs the first
    // action that produced it.
    std::stable_sort(
        commands_.begin(), commands_.end(),
        [](const AlfworldCommand& a, const AlfworldCommand& b) { return a.text < b.text; });
    commands_.erase(std::unique(commands_.begin(), commands_.end(),
                                [](const AlfworldCommand& a, const AlfworldCommand& b) {
                                    return a.text == b.text;
                                }),
                    commands_.end());
}

std::vector<std::string> AlfworldEnv::admissibleCommands() const {
    std::vector<std::string> out;
    out.reserve(commands_.size());
    for (const AlfworldCommand& c : commands_)
        out.push_back(c.text);
    return out;
}

std::string AlfworldEnv::normalizeCommand(std::string_view command) {
    const std::string_view c = trim(command);
    if (c.rfind("put ", 0) == 0) {
        for (const char* sep : {" in/on ", " into ", " in ", " on "}) {
            const size_t at = c.find(sep, 4);
            if (at == std::string_view::npos) continue;
            const std::string_view obj = trim(c.substr(4, at - 4));
            const std::string_view rec = trim(c.substr(at + std::string_view(sep).size()));
            if (obj.empty() || rec.empty()) continue;
            return "move " + std::string(obj) + " to " + std::string(rec);
        }
    }
    return std::string(c);
}

EnvStep AlfworldEnv::step(const std::string& command) {
    EnvStep r;
    if (done_) {
        r.observation = "Nothing happens.";
        r.done = true;
        r.won = won_;
        return r;
    }
    ++steps_;
    const std::string trimmed(trim(command));
    history_.push_back(trimmed);
    const AlfworldCommand* found = nullptr;
    for (const AlfworldCommand& c : commands_)
        if (c.text == trimmed) found = &c;
    if (!found) {
        const std::string alias = normalizeCommand(trimmed);
        for (const AlfworldCommand& c : commands_)
            if (c.text == alias) found = &c;
    }
    const std::vector<std::string>& walk = game_->walkthrough();
    if (onWalkthrough_) {
        const size_t i = static_cast<size_t>(steps_ - 1);
        onWalkthrough_ = found && i < walk.size() && found->text == normalizeCommand(walk[i]);
    }
    if (!found) {
        r.observation = "Nothing happens.";
    } else {
        const PddlGroundAction action = found->action;
        state_.apply(action);
        AlfworldBindings vars;
        const std::vector<std::string>& params = shared_->paramNames[action.action];
        for (size_t i = 0; i < params.size(); ++i)
            vars.emplace_back(params[i], action.args[i]);
        r.observation =
            shared_->text->derive(shared_->feedbackTemplates[action.action], vars, state_);
        won_ = state_.goalReached();
        refreshCommands();
    }
    if (won_) r.reward = 1;
    r.won = won_;
    done_ = won_ || steps_ >= maxSteps_;
    r.done = done_;
    return r;
}

std::optional<std::string> AlfworldEnv::expertCommand() const {
    if (done_) return std::nullopt;
    const std::vector<std::string>& walk = game_->walkthrough();
    if (onWalkthrough_ && static_cast<size_t>(steps_) < walk.size()) return walk[steps_];
    if (expert_) return expert_(*this);
    return std::nullopt;
}

std::vector<int> AlfworldEnv::objectsOfType(std::string_view type) const {
    std::vector<int> out;
    for (int o = 0; o < task().objectCount(); ++o)
        if (task().objectType(o) == type) out.push_back(o);
    return out;
}

std::vector<PddlArgs> AlfworldEnv::facts(std::string_view predicate) const {
    const int p = task().predicateIdIgnoreCase(predicate);
    if (p < 0) return {};
    return state_.facts(p);
}

bool AlfworldEnv::holds(std::string_view predicate, std::initializer_list<int> args) const {
    const int p = task().predicateIdIgnoreCase(predicate);
    if (p < 0 || static_cast<int>(args.size()) != task().predicateArity(p)) return false;
    PddlArgs a{-1, -1, -1, -1};
    int i = 0;
    for (int x : args)
        a[i++] = x;
    return state_.holds(p, a);
}

int AlfworldEnv::agentLocation() const {
    const int p = task().predicateIdIgnoreCase("atLocation");
    if (p < 0) return -1;
    for (const PddlArgs& f : state_.facts(p))
        if (f[0] == agent_) return f[1];
    return -1;
}

int AlfworldEnv::heldObject() const {
    const int p = task().predicateIdIgnoreCase("holds");
    if (p < 0) return -1;
    for (const PddlArgs& f : state_.facts(p))
        if (f[0] == agent_) return f[1];
    return -1;
}

std::vector<int> AlfworldEnv::receptaclesAt(int location) const {
    std::vector<int> out;
    const int p = task().predicateIdIgnoreCase("receptacleAtLocation");
    if (p < 0) return out;
    for (const PddlArgs& f : state_.facts(p))
        if (f[1] == location) out.push_back(f[0]);
    std::sort(out.begin(), out.end(),
              [&](int a, int b) { return names().rank(a) < names().rank(b); });
    return out;
}

std::vector<int> AlfworldEnv::objectsIn(int receptacle) const {
    std::vector<int> out;
    const int p = task().predicateIdIgnoreCase("inReceptacle");
    if (p < 0) return out;
    for (const PddlArgs& f : state_.facts(p))
        if (f[1] == receptacle) out.push_back(f[0]);
    std::sort(out.begin(), out.end(),
              [&](int a, int b) { return names().rank(a) < names().rank(b); });
    return out;
}

std::string AlfworldEnv::render(std::string_view templ, const AlfworldBindings& vars) const {
    return shared_->text->derive(templ, vars, state_);
}

} // namespace mobi
