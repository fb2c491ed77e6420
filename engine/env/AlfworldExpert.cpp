#include "env/AlfworldExpert.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mobi {

namespace {

std::string_view kindOfType(const std::string& typeName) {
    std::string_view t = typeName;
    if (t.size() > 4 && t.substr(t.size() - 4) == "Type") t.remove_suffix(4);
    return t;
}

// What the expert knows about the current state, gathered once per call.
class View {
  public:
    explicit View(const AlfworldEnv& env) : env_(env), task_(env.task()), state_(env.state()) {
        const int n = task_.objectCount();
        kind_.assign(size_t(n), std::string_view());
        location_.assign(size_t(n), -1);
        in_.assign(size_t(n), {});
        for (const char* p : {"objectType", "receptacleType"})
            for (const PddlArgs& f : facts(p))
                kind_[size_t(f[0])] = kindOfType(task_.objectName(f[1]));
        for (const PddlArgs& f : facts("receptacleAtLocation"))
            location_[size_t(f[0])] = f[1];
        for (const PddlArgs& f : facts("inReceptacle"))
            in_[size_t(f[0])].push_back(f[1]);
        for (const PddlArgs& f : facts("canContain"))
            contain_.push_back(
                {kindOfType(task_.objectName(f[0])), kindOfType(task_.objectName(f[1]))});
        agentLoc_ = env.agentLocation();
        held_ = env.heldObject();
    }

    const std::vector<PddlArgs>& facts(const char* predicate) const {
        static const std::vector<PddlArgs> none;
        const int p = task_.predicateId(predicate);
        return p < 0 ? none : state_.facts(p);
    }
    bool holds(const char* predicate, int object) const {
        const int p = task_.predicateId(predicate);
        return p >= 0 && state_.holds(p, PddlArgs{object, -1, -1, -1});
    }
    std::string_view kind(int o) const { return kind_[size_t(o)]; }
    const std::vector<int>& in(int o) const { return in_[size_t(o)]; }
    int held() const { return held_; }
    bool isReceptacle(int o) const { return location_[size_t(o)] >= 0; }

    std::vector<int> objectsOfKind(std::string_view k) const {
        std::vector<int> out;
        for (size_t o = 0; o < kind_.size(); ++o)
            if (kind_[o] == k && !isReceptacle(int(o))) out.push_back(int(o));
        return out;
    }
    std::vector<int> receptaclesOfKind(std::string_view k) const {
        std::vector<int> out;
        for (size_t o = 0; o < kind_.size(); ++o)
            if (kind_[o] == k && isReceptacle(int(o))) out.push_back(int(o));
        return out;
    }
    bool canContain(int receptacle, int object) const {
        for (const auto& [r, o] : contain_)
            if (r == kind(receptacle) && o == kind(object)) return true;
        return false;
    }
    bool closed(int r) const { return holds("openable", r) && !holds("opened", r); }
    // Steps before the agent can take from / put into r: going there, opening it.
    int cost(int r) const { return (location_[size_t(r)] != agentLoc_) + closed(r); }
    bool here(int r) const { return location_[size_t(r)] == agentLoc_; }
    bool sameLocation(int r1, int r2) const {
        return location_[size_t(r1)] == location_[size_t(r2)];
    }

    // The cheapest of `rs` (lowest id on ties), or -1.
    int cheapest(const std::vector<int>& rs) const {
        int best = -1;
        for (int r : rs)
            if (best < 0 || cost(r) < cost(best)) best = r;
        return best;
    }

    // The admissible command of `action` whose arguments at the given
    // positions are the given objects.
    std::optional<std::string> command(std::string_view action,
                                       std::initializer_list<std::pair<int, int>> args) const {
        for (const AlfworldCommand& c : env_.commands()) {
            if (task_.actions()[size_t(c.action.action)].name != action) continue;
            bool ok = true;
            for (const auto& [pos, obj] : args)
                ok = ok && size_t(pos) < c.action.args.size() && c.action.args[size_t(pos)] == obj;
            if (ok) return c.text;
        }
        return std::nullopt;
    }

    // Go to r, open it, then `then`.
    std::optional<std::string> approach(int r) const {
        if (!here(r)) return command("GotoLocation", {{3, r}});
        if (closed(r)) return command("OpenObject", {{2, r}});
        return std::nullopt;
    }

    // Next step towards holding one of `objects` (empty-handed agent): the
    // cheapest to take (one here on ties); `bonus` (o, r) lowers the price of
    // taking o from r by that many half steps.
    std::optional<std::string> fetch(const std::vector<int>& objects,
                                     const std::function<int(int, int)>& bonus = nullptr) const {
        int bestObj = -1, bestRec = -1, bestScore = 0;
        for (int o : objects) {
            if (!holds("pickupable", o)) continue;
            for (int r : in(o)) {
                const int score = 2 * cost(r) - (bonus ? bonus(o, r) : 0);
                if (bestRec < 0 || score < bestScore ||
                    (score == bestScore && here(r) && !here(bestRec)))
                    bestObj = o, bestRec = r, bestScore = score;
            }
        }
        if (bestObj < 0) return std::nullopt;
        if (auto step = approach(bestRec)) return step;
        return command("PickupObject", {{2, bestObj}, {3, bestRec}});
    }

    // Next step towards putting the held object into r.
    std::optional<std::string> deliver(int r) const {
        if (auto step = approach(r)) return step;
        return command("PutObject", {{2, held_}, {3, r}});
    }

    // Puts down a held object the task does not need, wherever it fits best.
    std::optional<std::string> putAway() const {
        std::vector<int> fits;
        for (size_t r = 0; r < location_.size(); ++r)
            if (isReceptacle(int(r)) && canContain(int(r), held_)) fits.push_back(int(r));
        const int r = cheapest(fits);
        if (r < 0) return std::nullopt;
        return deliver(r);
    }

  private:
    const AlfworldEnv& env_;
    const PddlTask& task_;
    const PddlState& state_;
    std::vector<std::string_view> kind_;
    std::vector<int> location_;
    std::vector<std::vector<int>> in_;
    std::vector<std::pair<std::string_view, std::string_view>> contain_;
    int agentLoc_ = -1;
    int held_ = -1;
};

struct Processing {
    const char* able = nullptr;  // "cleanable"
    const char* state = nullptr; // "isClean"
    const char* action = nullptr;
    std::vector<std::string_view> appliances;
};

std::optional<Processing> processingOf(HouseholdTaskType t) {
    switch (t) {
    case HouseholdTaskType::PickCleanThenPlace:
        return Processing{"cleanable", "isClean", "CleanObject", {"SinkBasin", "Sink"}};
    case HouseholdTaskType::PickHeatThenPlace:
        return Processing{"heatable", "isHot", "HeatObject", {"Microwave"}};
    case HouseholdTaskType::PickCoolThenPlace:
        return Processing{"coolable", "isCool", "CoolObject", {"Fridge"}};
    default:
        return std::nullopt;
    }
}

std::optional<std::string> lookAt(const View& v, const HouseholdTask& t) {
    const int held = v.held();
    if (held >= 0 && v.kind(held) != t.object) return v.putAway();
    // Lamps that can be used (toggleable, standing in a receptacle).
    std::vector<std::pair<int, int>> lamps; // lamp, its receptacle
    for (int l : v.objectsOfKind(t.receptacle))
        if (v.holds("toggleable", l))
            for (int r : v.in(l))
                lamps.push_back({l, r});
    if (lamps.empty()) return std::nullopt;
    if (held < 0) {
        // A target next to a lamp: go there and use the lamp first, then
        // take the target there (as the walkthroughs do).
        for (const auto& [l, lr] : lamps) {
            if (v.holds("isToggled", l)) continue;
            for (int o : v.objectsOfKind(t.object))
                for (int r : v.in(o))
                    if (v.sameLocation(r, lr) && v.holds("pickupable", o)) {
                        if (!v.here(lr)) return v.command("GotoLocation", {{3, lr}});
                        return v.command("ToggleObject", {{2, l}});
                    }
        }
        return v.fetch(v.objectsOfKind(t.object));
    }
    // Holding the object: to a lamp's receptacle (one here first), use the lamp.
    auto [lamp, lampRec] = lamps.front();
    for (const auto& [l, r] : lamps)
        if (v.here(r) && !v.here(lampRec)) lamp = l, lampRec = r;
    if (!v.here(lampRec)) return v.command("GotoLocation", {{3, lampRec}});
    return v.command("ToggleObject", {{2, lamp}});
}

std::optional<std::string> placeTwo(const View& v, const HouseholdTask& t) {
    // The destination: the receptacle of the kind holding most targets already.
    const std::vector<int> dests = v.receptaclesOfKind(t.receptacle);
    int dest = -1, destCount = -1;
    for (int r : dests) {
        int n = 0;
        for (int o : v.objectsOfKind(t.object))
            n += std::count(v.in(o).begin(), v.in(o).end(), r) > 0;
        if (n > destCount || (n == destCount && v.cost(r) < v.cost(dest))) dest = r, destCount = n;
    }
    if (dest < 0) return std::nullopt;
    const int held = v.held();
    if (held >= 0) return v.kind(held) == t.object ? v.deliver(dest) : v.putAway();
    // Empty-handed: while no destination holds a target yet, any target will
    // do (the destination is chosen once one is in hand, near where it was);
    // prefer one with a second target or a destination where it lies.
    const std::vector<int> targets = v.objectsOfKind(t.object);
    std::vector<int> rest;
    for (int o : targets)
        if (destCount == 0 || std::count(v.in(o).begin(), v.in(o).end(), dest) == 0)
            rest.push_back(o);
    if (destCount > 0) return v.fetch(rest);
    return v.fetch(rest, [&](int o, int r) {
        int b = 0;
        for (int o2 : targets)
            for (int r2 : v.in(o2))
                if (o2 != o && v.sameLocation(r, r2) && !v.closed(r2)) b = 1;
        for (int d : dests)
            if (v.sameLocation(r, d) && !v.closed(d)) b += 1;
        return std::min(b, 2);
    });
}

std::optional<std::string> place(const View& v, const HouseholdTask& t) {
    const std::optional<Processing> proc = processingOf(t.type);
    const std::vector<int> dests = v.receptaclesOfKind(t.receptacle);
    auto usable = [&](int o) { return v.kind(o) == t.object && (!proc || v.holds(proc->able, o)); };
    const int held = v.held();
    if (held >= 0 && !usable(held)) return v.putAway();
    if (held >= 0) {
        if (proc && !v.holds(proc->state, held)) {
            std::vector<int> appliances;
            for (std::string_view k : proc->appliances)
                for (int r : v.receptaclesOfKind(k))
                    appliances.push_back(r);
            int best = -1;
            for (int r : appliances)
                if (best < 0 || (v.here(r) && !v.here(best))) best = r;
            if (best < 0) return std::nullopt;
            if (!v.here(best)) return v.command("GotoLocation", {{3, best}});
            return v.command(proc->action, {{2, best}, {3, held}});
        }
        std::vector<int> fits;
        for (int r : dests)
            if (v.canContain(r, held)) fits.push_back(r);
        const int r = v.cheapest(fits);
        if (r < 0) return std::nullopt;
        return v.deliver(r);
    }
    // Empty-handed: fetch a usable object, preferring one already processed.
    std::vector<int> ready, raw;
    for (int o : v.objectsOfKind(t.object))
        if (usable(o)) (proc && v.holds(proc->state, o) ? ready : raw).push_back(o);
    if (auto step = v.fetch(ready)) return step;
    return v.fetch(raw);
}

} // namespace

std::optional<HouseholdTask> AlfworldExpert::task(const AlfworldEnv& env) {
    return HouseholdTask::fromGoal(env.game().problem().goal);
}

std::optional<std::string> AlfworldExpert::nextCommand(const AlfworldEnv& env) {
    if (env.done() || env.state().goalReached()) return std::nullopt;
    const std::optional<HouseholdTask> t = task(env);
    if (!t) return std::nullopt;
    const View v(env);
    switch (t->type) {
    case HouseholdTaskType::LookAtObjInLight:
        return lookAt(v, *t);
    case HouseholdTaskType::PickTwoObjAndPlace:
        return placeTwo(v, *t);
    default:
        return place(v, *t);
    }
}

void AlfworldExpert::install(AlfworldEnv& env) {
    env.setExpert(&AlfworldExpert::nextCommand);
}

} // namespace mobi
