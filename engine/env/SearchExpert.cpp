#include "env/SearchExpert.h"

#include "env/AlfworldBelief.h"

#include <algorithm>
#include <functional>
#include <set>

namespace mobi {

namespace {

using Cmd = std::optional<std::string>;

bool startsWith(const std::string& s, const std::string& p) {
    return s.compare(0, p.size(), p) == 0;
}

// Natural order of receptacle names: kind, then number ("drawer 2" < "drawer 10").
bool naturalLess(const std::string& a, const std::string& b) {
    const std::string ka = SearchPrior::kindOf(a), kb = SearchPrior::kindOf(b);
    if (ka != kb) return ka < kb;
    if (a.size() != b.size()) return a.size() < b.size();
    return a < b;
}

struct Processing {
    const char* verb; // "clean": the command "clean O with R"
    std::vector<std::string> appliances;
};

std::optional<Processing> processingOf(HouseholdTaskType t) {
    switch (t) {
    case HouseholdTaskType::PickCleanThenPlace:
        return Processing{"clean", {"sinkbasin", "sink"}};
    case HouseholdTaskType::PickHeatThenPlace:
        return Processing{"heat", {"microwave"}};
    case HouseholdTaskType::PickCoolThenPlace:
        return Processing{"cool", {"fridge"}};
    default:
        return std::nullopt;
    }
}

// One decision: the belief, the task and the admissible commands.
class Decider {
  public:
    Decider(const SearchPrior& prior, const HouseholdTask& task, const AlfworldBelief& belief,
            const std::vector<std::string>& admissible)
        : prior_(prior), task_(task), b_(belief), adm_(admissible.begin(), admissible.end()),
          list_(admissible) {}

    Cmd decide() const {
        const std::string& held = b_.held();
        if (!held.empty() && SearchPrior::kindOf(held) != task_.object) return putDown(held);
        switch (task_.type) {
        case HouseholdTaskType::LookAtObjInLight:
            return lookAt();
        case HouseholdTaskType::PickTwoObjAndPlace:
            return placeTwo();
        default:
            return place();
        }
    }

  private:
    bool adm(const std::string& c) const { return adm_.count(c) != 0; }
    bool here(const std::string& r) const { return r == b_.location() || adm("examine " + r); }
    bool closedNow(const std::string& r) const {
        return here(r) ? adm("open " + r) : b_.receptacle(r).closed;
    }
    std::vector<std::string> ofKinds(const std::vector<std::string>& kinds) const {
        std::vector<std::string> out;
        for (const std::string& r : b_.receptacles())
            if (std::find(kinds.begin(), kinds.end(), SearchPrior::kindOf(r)) != kinds.end())
                out.push_back(r);
        std::sort(out.begin(), out.end(), naturalLess);
        return out;
    }
    // Expected steps before the contents of r can be taken or added to.
    double cost(const std::string& r) const {
        const ReceptacleBelief& rb = b_.receptacle(r);
        double c = here(r) ? 0.0 : 1.0;
        if (here(r))
            c += adm("open " + r) ? 1.0 : (rb.seen || r == b_.location() ? 0.0 : 1.0);
        else if (rb.closed)
            c += 1.0;
        else if (!rb.opened && !rb.seen)
            c += prior_.startsClosed(SearchPrior::kindOf(r));
        return c;
    }
    // The cheapest of rs (first on ties), or "".
    std::string cheapest(const std::vector<std::string>& rs) const {
        std::string best;
        for (const std::string& r : rs)
            if (best.empty() || cost(r) < cost(best)) best = r;
        return best;
    }
    // Go to r and open it; nullopt once its contents are reachable.
    Cmd approach(const std::string& r) const {
        if (!here(r)) return adm("go to " + r) ? Cmd("go to " + r) : std::nullopt;
        if (adm("open " + r)) return "open " + r;
        return std::nullopt;
    }

    // The next receptacle to look into for `kind`: the unseen one with the
    // highest prior probability per expected step.
    Cmd search(const std::string& kind) const {
        std::string best;
        double bestScore = -1;
        std::vector<std::string> rs = b_.receptacles();
        std::sort(rs.begin(), rs.end(), naturalLess);
        // An unfinished simple task implies no object of its kind lies in
        // a receptacle of the destination's kind: skip those.
        const bool skipDest =
            task_.type == HouseholdTaskType::PickAndPlaceSimple && kind == task_.object;
        for (const std::string& r : rs) {
            if (b_.receptacle(r).seen) continue;
            if (skipDest && SearchPrior::kindOf(r) == task_.receptacle) continue;
            const double c = std::max(cost(r), 1.0);
            const double s = prior_.objectIn(kind, SearchPrior::kindOf(r)) / c;
            if (s > bestScore) best = r, bestScore = s;
        }
        if (best.empty()) return std::nullopt;
        if (auto step = approach(best)) return step;
        return adm("examine " + best) ? Cmd("examine " + best) : std::nullopt;
    }

    // Next step towards holding an object of the task's kind for which
    // `eligible(object, receptacle)` holds; `preferred` objects first.
    Cmd fetch(const std::function<bool(const std::string&, const std::string&)>& eligible,
              const std::function<bool(const std::string&)>& preferred) const {
        std::string take, takePreferred;
        for (const std::string& c : list_) {
            if (!startsWith(c, "take ")) continue;
            const size_t f = c.find(" from ");
            if (f == std::string::npos) continue;
            const std::string o = c.substr(5, f - 5), r = c.substr(f + 6);
            if (SearchPrior::kindOf(o) != task_.object || !eligible(o, r)) continue;
            if (take.empty()) take = c;
            if (takePreferred.empty() && preferred && preferred(o)) takePreferred = c;
        }
        if (!takePreferred.empty()) return takePreferred;
        if (!take.empty()) return take;
        std::vector<std::string> where, wherePreferred;
        for (const auto& [o, r] : b_.objectsOfKind(task_.object)) {
            if (!eligible(o, r)) continue;
            where.push_back(r);
            if (preferred && preferred(o)) wherePreferred.push_back(r);
        }
        for (const auto* rs : {&wherePreferred, &where}) {
            const std::string r = cheapest(*rs);
            if (r.empty()) continue;
            if (auto step = approach(r)) return step;
        }
        return search(task_.object);
    }

    // Next step towards putting the held object into one of `dests`.
    Cmd deliver(const std::vector<std::string>& dests) const {
        const std::string& held = b_.held();
        for (const std::string& d : dests)
            if (adm("move " + held + " to " + d)) return "move " + held + " to " + d;
        const std::string d = cheapest(dests);
        return d.empty() ? std::nullopt : approach(d);
    }

    // Puts down an object the task does not need: here if possible, else
    // where it came from, else on the first open surface seen.
    Cmd putDown(const std::string& held) const {
        for (const std::string& c : list_)
            if (startsWith(c, "move " + held + " to ")) return c;
        std::vector<std::string> places;
        if (!b_.origin(held).empty()) places.push_back(b_.origin(held));
        for (const std::string& r : b_.receptacles())
            if (b_.receptacle(r).seen && !b_.receptacle(r).opened) places.push_back(r);
        for (const std::string& r : places)
            if (auto step = approach(r)) return step;
        return std::nullopt;
    }

    Cmd lookAt() const {
        const std::string& held = b_.held();
        if (held.empty()) return fetch([](auto&, auto&) { return true; }, nullptr);
        const std::string lamp = task_.receptacle;
        for (const std::string& c : list_)
            if (startsWith(c, "use ") && SearchPrior::kindOf(c.substr(4)) == lamp) return c;
        std::vector<std::string> where;
        for (const auto& [l, r] : b_.objectsOfKind(lamp))
            where.push_back(r);
        if (const std::string r = cheapest(where); !r.empty())
            if (auto step = approach(r)) return step;
        return search(lamp);
    }

    Cmd place() const {
        const std::optional<Processing> proc = processingOf(task_.type);
        auto done = [&](const std::string& o) {
            if (!proc) return true;
            const std::string v = proc->verb;
            return v == "clean" ? b_.isClean(o) : v == "heat" ? b_.isHot(o) : b_.isCool(o);
        };
        const std::string& held = b_.held();
        if (held.empty()) return fetch([](auto&, auto&) { return true; }, done);
        if (!done(held)) {
            const std::string prefix = std::string(proc->verb) + " " + held + " with ";
            for (const std::string& c : list_)
                if (startsWith(c, prefix)) return c;
            const std::vector<std::string> at = ofKinds(proc->appliances);
            for (const std::string& a : at)
                if (here(a)) return std::nullopt; // there, yet it cannot be done
            return at.empty() ? std::nullopt : approach(at.front());
        }
        return deliver(ofKinds({task_.receptacle}));
    }

    Cmd placeTwo() const {
        const std::vector<std::string> dests = ofKinds({task_.receptacle});
        // The destination: one already holding an object of the kind.
        std::string pinned;
        for (const std::string& d : dests)
            for (const std::string& o : b_.receptacle(d).contents)
                if (pinned.empty() && SearchPrior::kindOf(o) == task_.object) pinned = d;
        if (!b_.held().empty()) return deliver(pinned.empty() ? dests : std::vector{pinned});
        return fetch([&](const std::string&, const std::string& r) { return r != pinned; },
                     nullptr);
    }

    const SearchPrior& prior_;
    const HouseholdTask& task_;
    const AlfworldBelief& b_;
    std::set<std::string> adm_;
    const std::vector<std::string>& list_;
};

// "put a clean X in Y" -> X, Y when s starts with head and has `mid` after.
bool split(const std::string& s, const std::string& head, const std::string& mid, std::string& x,
           std::string& y) {
    if (!startsWith(s, head)) return false;
    const size_t m = s.find(mid, head.size());
    if (m == std::string::npos) return false;
    x = s.substr(head.size(), m - head.size());
    y = s.substr(m + mid.size());
    return !x.empty() && !y.empty() && x.find(' ') == std::string::npos &&
           y.find(' ') == std::string::npos;
}

} // namespace

std::optional<HouseholdTask> SearchExpert::parseTask(const std::string& taskText) {
    std::string s = taskText;
    const std::string prefix = "Your task is to: ";
    if (const size_t p = s.find(prefix); p != std::string::npos) s = s.substr(p + prefix.size());
    while (!s.empty() && (s.back() == '.' || s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    struct Form {
        const char* head;
        const char* mid;
        HouseholdTaskType type;
    };
    using T = HouseholdTaskType;
    static const Form forms[] = {
        {"put a clean ", " in ", T::PickCleanThenPlace},
        {"clean some ", " and put it in ", T::PickCleanThenPlace},
        {"put a hot ", " in ", T::PickHeatThenPlace},
        {"heat some ", " and put it in ", T::PickHeatThenPlace},
        {"put a cool ", " in ", T::PickCoolThenPlace},
        {"cool some ", " and put it in ", T::PickCoolThenPlace},
        {"put two ", " in ", T::PickTwoObjAndPlace},
        {"find two ", " and put them in ", T::PickTwoObjAndPlace},
        {"look at ", " under the ", T::LookAtObjInLight},
        {"examine the ", " with the ", T::LookAtObjInLight},
        {"put a ", " in ", T::PickAndPlaceSimple},
        {"put some ", " on ", T::PickAndPlaceSimple},
    };
    for (const Form& f : forms) {
        HouseholdTask t;
        if (split(s, f.head, f.mid, t.object, t.receptacle)) {
            t.type = f.type;
            return t;
        }
    }
    return std::nullopt;
}

std::optional<std::string> SearchExpert::next(const std::string& taskText, const std::string& intro,
                                              const TextHistory& history,
                                              const std::vector<std::string>& admissible) const {
    const std::optional<HouseholdTask> task = parseTask(taskText);
    if (!task) return std::nullopt;
    const AlfworldBelief belief(intro, history);
    const std::optional<std::string> c = Decider(prior_, *task, belief, admissible).decide();
    if (c && std::find(admissible.begin(), admissible.end(), *c) == admissible.end())
        return std::nullopt;
    return c;
}

} // namespace mobi
