#include "env/PddlState.h"

#include "core/Error.h"

#include <algorithm>
#include <set>

namespace mobi {

namespace {

uint64_t key(const PddlArgs& a) {
    uint64_t k = 0;
    for (int i = 0; i < kPddlMaxArity; ++i)
        k = (k << 16) | static_cast<uint64_t>(static_cast<uint16_t>(a[i] + 1));
    return k;
}

using K = PddlFormula::Kind;

} // namespace

bool PddlState::FactSet::contains(const PddlArgs& a) const {
    return index.count(key(a)) != 0;
}

bool PddlState::FactSet::insert(const PddlArgs& a) {
    const auto [it, fresh] = index.emplace(key(a), static_cast<int>(list.size()));
    if (fresh) list.push_back(a);
    return fresh;
}

bool PddlState::FactSet::erase(const PddlArgs& a) {
    const auto it = index.find(key(a));
    if (it == index.end()) return false;
    const int pos = it->second;
    index.erase(it);
    if (pos != static_cast<int>(list.size()) - 1) {
        list[pos] = list.back();
        index[key(list[pos])] = pos;
    }
    list.pop_back();
    return true;
}

// Backtracking search over the conjuncts of a formula (and formula
// evaluation, which needs it for existentials).
class PddlSolver {
  public:
    PddlSolver(const PddlState& s, std::vector<int>& slots, std::vector<int>& types)
        : s_(s), t_(*s.task_), slots_(slots), types_(types) {}

    PddlArgs ground(const std::vector<PddlSlotTerm>& args) const {
        PddlArgs a{-1, -1, -1, -1};
        for (size_t i = 0; i < args.size(); ++i)
            a[i] = args[i].isVariable ? slots_[args[i].index] : args[i].index;
        return a;
    }

    bool bound(const PddlCompiledFormula& f) const {
        for (int v : f.freeVars)
            if (slots_[v] < 0) return false;
        return true;
    }

    void openVars(const PddlCompiledFormula& f) {
        for (size_t i = 0; i < f.vars.size(); ++i) {
            const size_t v = static_cast<size_t>(f.vars[i]);
            if (types_.size() <= v) types_.resize(v + 1, 0);
            if (slots_.size() <= v) slots_.resize(v + 1, -1);
            types_[v] = f.varTypes[i];
        }
    }

    double number(const PddlCompiledFormula& f) const {
        if (f.kind == K::Number) return f.value;
        return s_.fluent(f.symbol, ground(f.args));
    }

    bool eval(const PddlCompiledFormula& f) {
        switch (f.kind) {
        case K::Atom:
            return s_.holds(f.symbol, ground(f.args));
        case K::Equal: {
            const PddlArgs a = ground(f.args);
            return a[0] == a[1];
        }
        case K::And:
            for (const PddlCompiledFormula& c : f.children)
                if (!eval(c)) return false;
            return true;
        case K::Or:
            for (const PddlCompiledFormula& c : f.children)
                if (eval(c)) return true;
            return false;
        case K::Not:
            return !eval(f.children[0]);
        case K::Imply:
            return !eval(f.children[0]) || eval(f.children[1]);
        case K::Exists: {
            openVars(f);
            bool found = false;
            std::vector<const PddlCompiledFormula*> goals{&f.children[0]};
            search(goals, [&] {
                found = true;
                return false;
            });
            for (int v : f.vars)
                slots_[v] = -1;
            return found;
        }
        case K::Forall: {
            openVars(f);
            const bool ok = forall(f, 0);
            for (int v : f.vars)
                slots_[v] = -1;
            return ok;
        }
        default:
            throw EngineError("pddl", "formula kind not allowed in a condition");
        }
    }

    bool forall(const PddlCompiledFormula& f, size_t i) {
        if (i == f.vars.size()) return eval(f.children[0]);
        for (int o : t_.objectsOfType(f.varTypes[i])) {
            slots_[f.vars[i]] = o;
            if (!forall(f, i + 1)) return false;
        }
        return true;
    }

    // Solves the conjunction of `goals`; calls onSolution with every slot
    // bound that the goals mention; returns false when stopped.
    template <class F> bool search(std::vector<const PddlCompiledFormula*>& goals, F&& onSolution) {
        if (goals.empty()) return onSolution();
        // 1. A bound goal: test it.
        for (size_t i = 0; i < goals.size(); ++i) {
            const PddlCompiledFormula* g = goals[i];
            if (g->kind == K::And) {
                std::vector<const PddlCompiledFormula*> next;
                next.reserve(goals.size() + g->children.size());
                for (size_t j = 0; j < goals.size(); ++j)
                    if (j != i) next.push_back(goals[j]);
                for (const PddlCompiledFormula& c : g->children)
                    next.push_back(&c);
                return search(next, onSolution);
            }
            if (bound(*g)) {
                if (!eval(*g)) return true;
                std::vector<const PddlCompiledFormula*> next = goals;
                next.erase(next.begin() + static_cast<long>(i));
                return search(next, onSolution);
            }
        }
        // 2. A positive atom: bind its variables from the facts. Prefer the
        //    one with the fewest facts.
        int best = -1;
        size_t bestCount = 0;
        for (size_t i = 0; i < goals.size(); ++i) {
            if (goals[i]->kind != K::Atom) continue;
            const size_t n = s_.facts_[goals[i]->symbol].list.size();
            if (best < 0 || n < bestCount) {
                best = static_cast<int>(i);
                bestCount = n;
            }
        }
        if (best >= 0) {
            const PddlCompiledFormula* g = goals[best];
            std::vector<const PddlCompiledFormula*> next = goals;
            next.erase(next.begin() + best);
            const std::vector<PddlArgs>& facts =
                s_.facts_[g->symbol].list; // unchanged while searching
            const size_t n = g->args.size();
            int newly[kPddlMaxArity];
            for (const PddlArgs& f : facts) {
                int nNew = 0;
                bool ok = true;
                for (size_t k = 0; k < n && ok; ++k) {
                    const PddlSlotTerm& a = g->args[k];
                    if (!a.isVariable) {
                        ok = a.index == f[k];
                    } else if (slots_[a.index] >= 0) {
                        ok = slots_[a.index] == f[k];
                    } else if (!t_.isA(f[k], types_[a.index])) {
                        ok = false;
                    } else {
                        slots_[a.index] = f[k];
                        newly[nNew++] = a.index;
                    }
                }
                bool go = true;
                if (ok) go = search(next, onSolution);
                for (int k = 0; k < nNew; ++k)
                    slots_[newly[k]] = -1;
                if (!go) return false;
            }
            return true;
        }
        // 3. Structure: exists opens its variables, or branches, equality
        //    binds; otherwise enumerate an unbound variable over its type.
        for (size_t i = 0; i < goals.size(); ++i) {
            const PddlCompiledFormula* g = goals[i];
            if (g->kind == K::Exists) {
                openVars(*g);
                std::vector<const PddlCompiledFormula*> next = goals;
                next[i] = &g->children[0];
                return search(next, onSolution);
            }
        }
        for (size_t i = 0; i < goals.size(); ++i) {
            const PddlCompiledFormula* g = goals[i];
            if (g->kind == K::Or) {
                for (const PddlCompiledFormula& c : g->children) {
                    std::vector<const PddlCompiledFormula*> next = goals;
                    next[i] = &c;
                    if (!search(next, onSolution)) return false;
                }
                return true;
            }
        }
        for (const PddlCompiledFormula* g : goals) {
            for (int v : g->freeVars) {
                if (slots_[v] >= 0) continue;
                for (int o : t_.objectsOfType(types_[v])) {
                    slots_[v] = o;
                    const bool go = search(goals, onSolution);
                    slots_[v] = -1;
                    if (!go) return false;
                }
                return true;
            }
        }
        return true;
    }

  private:
    const PddlState& s_;
    const PddlTask& t_;
    std::vector<int>& slots_;
    std::vector<int>& types_;
};

PddlState::PddlState(std::shared_ptr<const PddlTask> task) : task_(std::move(task)) {
    facts_.resize(task_->predicateCount());
    deleted_.resize(task_->predicateCount());
    fluents_.resize(task_->functionCount());
    for (const PddlFact& f : task_->initAtoms())
        facts_[f.predicate].insert(f.args);
    for (const PddlTask::NumericInit& n : task_->initNumeric())
        fluents_[n.function][key(n.args)] = n.value;
}

bool PddlState::holds(int predicate, const PddlArgs& args) const {
    return facts_[predicate].contains(args);
}

bool PddlState::deleted(int predicate, const PddlArgs& args) const {
    return deleted_[predicate].contains(args);
}

int PddlState::factCount() const {
    int n = 0;
    for (const FactSet& f : facts_)
        n += static_cast<int>(f.list.size());
    return n;
}

void PddlState::add(int predicate, const PddlArgs& args) {
    facts_[predicate].insert(args);
    deleted_[predicate].erase(args);
}

void PddlState::remove(int predicate, const PddlArgs& args) {
    facts_[predicate].erase(args);
    deleted_[predicate].insert(args);
}

double PddlState::fluent(int function, const PddlArgs& args) const {
    const auto it = fluents_[function].find(key(args));
    return it == fluents_[function].end() ? 0.0 : it->second;
}

void PddlState::setFluent(int function, const PddlArgs& args, double value) {
    fluents_[function][key(args)] = value;
}

bool PddlState::satisfies(const PddlCompiledFormula& f, std::vector<int>& slots) const {
    std::vector<int> types(slots.size(), 0);
    PddlSolver s(*this, slots, types);
    return s.eval(f);
}

bool PddlState::goalReached() const {
    std::vector<int> slots(task_->goalSlots(), -1);
    std::vector<int> types = task_->goalSlotTypes();
    PddlSolver s(*this, slots, types);
    return s.eval(task_->goal());
}

void PddlState::solve(const PddlCompiledFormula& f, std::vector<int>& slots,
                      const std::vector<int>& slotTypes,
                      const std::function<bool(const std::vector<int>&)>& onSolution) const {
    std::vector<int> types = slotTypes;
    types.resize(slots.size(), 0);
    PddlSolver s(*this, slots, types);
    std::vector<const PddlCompiledFormula*> goals{&f};
    s.search(goals, [&] { return onSolution(slots); });
}

namespace {

// Atom `a` with its parameters bound from `slots`.
PddlFact groundAtom(const PddlCompiledFormula& a, const std::vector<int>& slots) {
    PddlFact x;
    x.predicate = a.symbol;
    for (size_t i = 0; i < a.args.size(); ++i)
        x.args[i] = a.args[i].isVariable ? slots[a.args[i].index] : a.args[i].index;
    return x;
}

// Unconditional literal effects of `f` with the parameters bound, for the
// no-op test; false when an effect is conditional or quantified.
bool literalEffects(const PddlCompiledFormula& f, const std::vector<int>& slots,
                    std::vector<PddlFact>& adds, std::vector<PddlFact>& dels) {
    switch (f.kind) {
    case K::And:
        for (const PddlCompiledFormula& c : f.children)
            if (!literalEffects(c, slots, adds, dels)) return false;
        return true;
    case K::Atom:
        adds.push_back(groundAtom(f, slots));
        return true;
    case K::Not:
        dels.push_back(groundAtom(f.children[0], slots));
        return true;
    case K::Increase:
    case K::Decrease:
        return true;
    default:
        return false;
    }
}

void preconditionLiterals(const PddlCompiledFormula& f, const std::vector<int>& slots,
                          std::vector<PddlFact>& pos, std::vector<PddlFact>& neg) {
    if (f.kind == K::And) {
        for (const PddlCompiledFormula& c : f.children)
            preconditionLiterals(c, slots, pos, neg);
    } else if (f.kind == K::Atom) {
        pos.push_back(groundAtom(f, slots));
    } else if (f.kind == K::Not && f.children[0].kind == K::Atom) {
        neg.push_back(groundAtom(f.children[0], slots));
    }
}

bool sameFact(const PddlFact& a, const PddlFact& b) {
    return a.predicate == b.predicate && a.args == b.args;
}

bool contains(const std::vector<PddlFact>& v, const PddlFact& f) {
    for (const PddlFact& x : v)
        if (sameFact(x, f)) return true;
    return false;
}

// True when the ground action can change a fact (Fast Downward drops
// operators whose every effect is implied by the precondition).
bool hasEffect(const PddlCompiledAction& a, const std::vector<int>& slots) {
    std::vector<PddlFact> adds, dels, pos, neg;
    if (!literalEffects(a.effect, slots, adds, dels)) return true;
    preconditionLiterals(a.precondition, slots, pos, neg);
    for (const PddlFact& f : adds)
        if (!contains(pos, f)) return true;
    for (const PddlFact& f : dels)
        if (!contains(adds, f) && !contains(neg, f)) return true;
    return false;
}

} // namespace

void PddlState::applicable(int action, std::vector<PddlGroundAction>& out) const {
    const PddlCompiledAction& a = task_->actions()[action];
    std::vector<int> slots(a.slotTypes.size(), -1);
    std::vector<int> types = a.slotTypes;
    PddlSolver s(*this, slots, types);
    std::set<std::vector<int>> found;
    std::vector<int> params(a.paramCount);
    // Parameters the precondition leaves unbound range over their types.
    std::function<void(int)> unboundParams = [&](int i) {
        if (i == a.paramCount) {
            params.assign(slots.begin(), slots.begin() + a.paramCount);
            if (!found.count(params) && hasEffect(a, slots)) found.insert(params);
            return;
        }
        if (slots[i] >= 0) return unboundParams(i + 1);
        for (int o : task_->objectsOfType(a.slotTypes[i])) {
            slots[i] = o;
            unboundParams(i + 1);
        }
        slots[i] = -1;
    };
    std::vector<const PddlCompiledFormula*> goals{&a.precondition};
    s.search(goals, [&] {
        // Quantified slots bound by the search are irrelevant here.
        std::vector<int> saved(slots.begin() + a.paramCount, slots.end());
        unboundParams(0);
        std::copy(saved.begin(), saved.end(), slots.begin() + a.paramCount);
        return true;
    });
    for (const std::vector<int>& p : found)
        out.push_back({action, p});
}

std::vector<PddlGroundAction> PddlState::applicableActions() const {
    std::vector<PddlGroundAction> out;
    for (int i = 0; i < static_cast<int>(task_->actions().size()); ++i)
        applicable(i, out);
    return out;
}

bool PddlState::isApplicable(const PddlGroundAction& ga) const {
    const PddlCompiledAction& a = task_->actions()[ga.action];
    if (static_cast<int>(ga.args.size()) != a.paramCount) return false;
    std::vector<int> slots(a.slotTypes.size(), -1);
    for (int i = 0; i < a.paramCount; ++i) {
        if (ga.args[i] < 0 || ga.args[i] >= task_->objectCount() ||
            !task_->isA(ga.args[i], a.slotTypes[i]))
            return false;
        slots[i] = ga.args[i];
    }
    std::vector<int> types = a.slotTypes;
    PddlSolver s(*this, slots, types);
    return s.eval(a.precondition) && hasEffect(a, slots);
}

namespace {

struct EffectCollector {
    const PddlState& s;
    std::vector<int>& slots;
    std::vector<int>& types;
    std::vector<PddlFact> adds, dels;
    struct Num {
        int function;
        PddlArgs args;
        double value;
    };
    std::vector<Num> nums;

    PddlFact ground(const PddlCompiledFormula& a) const { return groundAtom(a, slots); }

    void collect(const PddlCompiledFormula& f) {
        switch (f.kind) {
        case K::And:
            for (const PddlCompiledFormula& c : f.children)
                collect(c);
            break;
        case K::Atom:
            adds.push_back(ground(f));
            break;
        case K::Not:
            dels.push_back(ground(f.children[0]));
            break;
        case K::When: {
            PddlSolver sv(s, slots, types);
            if (sv.eval(f.children[0])) collect(f.children[1]);
            break;
        }
        case K::Forall:
            forall(f, 0);
            break;
        case K::Increase:
        case K::Decrease: {
            const PddlCompiledFormula& target = f.children[0];
            const PddlFact t = ground(target);
            PddlSolver sv(s, slots, types);
            const double delta = sv.number(f.children[1]);
            const double now = s.fluent(target.symbol, t.args);
            nums.push_back(
                {target.symbol, t.args, f.kind == K::Increase ? now + delta : now - delta});
            break;
        }
        default:
            throw EngineError("pddl", "formula kind not allowed in an effect");
        }
    }

    void forall(const PddlCompiledFormula& f, size_t i) {
        if (i == f.vars.size()) {
            collect(f.children[0]);
            return;
        }
        const size_t v = static_cast<size_t>(f.vars[i]);
        if (slots.size() <= v) slots.resize(v + 1, -1);
        if (types.size() <= v) types.resize(v + 1, 0);
        for (int o : s.task().objectsOfType(f.varTypes[i])) {
            slots[v] = o;
            forall(f, i + 1);
        }
        slots[v] = -1;
    }
};

} // namespace

void PddlState::apply(const PddlGroundAction& ga) {
    const PddlCompiledAction& a = task_->actions()[ga.action];
    std::vector<int> slots(a.slotTypes.size(), -1);
    for (int i = 0; i < a.paramCount && i < static_cast<int>(ga.args.size()); ++i)
        slots[i] = ga.args[i];
    std::vector<int> types = a.slotTypes;
    EffectCollector c{*this, slots, types, {}, {}, {}};
    c.collect(a.effect);
    for (const PddlFact& d : c.dels)
        if (!contains(c.adds, d)) remove(d.predicate, d.args);
    for (const PddlFact& x : c.adds)
        add(x.predicate, x.args);
    for (const EffectCollector::Num& n : c.nums)
        setFluent(n.function, n.args, n.value);
}

} // namespace mobi
