// The state of a compiled PDDL problem: ground facts per predicate, numeric
// fluents, and the atoms that actions deleted (TextWorld's grammar conditions
// test those as `not_<predicate>`). Evaluates formulas, grounds the actions
// applicable in the current state (parameters bound from the atoms of the
// precondition, so the cost follows the facts, not objects^parameters), and
// applies ground actions. Copy it to branch (planners); copies are
// independent and share the task.
#pragma once

#include "env/PddlTask.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace mobi {

struct PddlGroundAction {
    int action = -1;       // index into PddlTask::actions()
    std::vector<int> args; // one object per parameter
    bool operator==(const PddlGroundAction& o) const {
        return action == o.action && args == o.args;
    }
};

class PddlState {
  public:
    // The problem's :init.
    explicit PddlState(std::shared_ptr<const PddlTask> task);

    const PddlTask& task() const { return *task_; }
    const std::shared_ptr<const PddlTask>& taskPtr() const { return task_; }

    // Facts.
    bool holds(int predicate, const PddlArgs& args) const;
    // True when an action deleted this atom and none has added it since.
    bool deleted(int predicate, const PddlArgs& args) const;
    // The true atoms of a predicate, in no particular order.
    const std::vector<PddlArgs>& facts(int predicate) const { return facts_[predicate].list; }
    const std::vector<PddlArgs>& deletedFacts(int predicate) const {
        return deleted_[predicate].list;
    }
    int factCount() const;
    void add(int predicate, const PddlArgs& args);
    void remove(int predicate, const PddlArgs& args);

    // Numeric fluents (0 when never assigned).
    double fluent(int function, const PddlArgs& args) const;
    void setFluent(int function, const PddlArgs& args, double value);

    // Formula evaluation; `slots` holds the variable bindings (-1 = unbound
    // is an error for evaluation; quantifiers bind their own slots).
    bool satisfies(const PddlCompiledFormula& f, std::vector<int>& slots) const;
    bool goalReached() const;

    // Every ground action whose precondition holds, ordered by action (domain
    // order) then by the parameters' object ids. Like Fast Downward's
    // translator, a ground action without any effect that can change a fact
    // (e.g. GotoLocation with ?lStart = ?lEnd) is left out.
    std::vector<PddlGroundAction> applicableActions() const;
    // The applicable bindings of one action.
    void applicable(int action, std::vector<PddlGroundAction>& out) const;
    bool isApplicable(const PddlGroundAction& a) const;
    // Applies the effect (conditions read the state before the action; adds
    // win over deletes). Does not check the precondition.
    void apply(const PddlGroundAction& a);

    // Enumerates the bindings of the unbound slots in `vars` that make the
    // conjunction-like formula `f` true; `slots` carries the bound ones.
    // The callback returns false to stop. Bindings may repeat when `f` has
    // disjunctions or existentials with several witnesses.
    void solve(const PddlCompiledFormula& f, std::vector<int>& slots,
               const std::vector<int>& slotTypes,
               const std::function<bool(const std::vector<int>&)>& onSolution) const;

  private:
    struct FactSet {
        std::vector<PddlArgs> list;
        std::unordered_map<uint64_t, int> index;
        bool contains(const PddlArgs& a) const;
        bool insert(const PddlArgs& a);
        bool erase(const PddlArgs& a);
    };
    std::shared_ptr<const PddlTask> task_;
    std::vector<FactSet> facts_;
    std::vector<FactSet> deleted_;
    std::vector<std::unordered_map<uint64_t, double>> fluents_;

    friend class PddlSolver;
};

} // namespace mobi
