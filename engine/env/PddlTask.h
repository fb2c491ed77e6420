// A PDDL problem compiled against its domain for fast play: objects, types,
// predicates and functions become dense ids, formulas get variable slots, and
// constants (domain actions may name problem objects such as SinkType) are
// resolved. Immutable once built; share it between states and environments.
#pragma once

#include "env/Pddl.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mobi {

// Ground arguments of an atom; entries past the predicate's arity are -1.
inline constexpr int kPddlMaxArity = 4;
using PddlArgs = std::array<int, kPddlMaxArity>;

// A term in a compiled formula: a variable slot or an object id.
struct PddlSlotTerm {
    bool isVariable = false;
    int index = -1; // slot (variable) or object id (constant)
};

struct PddlCompiledFormula {
    PddlFormula::Kind kind = PddlFormula::Kind::And;
    int symbol = -1; // predicate id (Atom) or function id (Function)
    std::vector<PddlSlotTerm> args;
    std::vector<int> vars;     // Exists / Forall: the slots they bind
    std::vector<int> varTypes; // Exists / Forall: their type ids
    std::vector<int> freeVars; // slots occurring free in this formula, sorted
    std::vector<PddlCompiledFormula> children;
    double value = 0; // Number
};

struct PddlCompiledAction {
    std::string name;                   // as written in the domain ("GotoLocation")
    int paramCount = 0;                 // slots 0..paramCount-1 are the parameters
    std::vector<int> slotTypes;         // type id of every slot (parameters, then quantified)
    std::vector<std::string> slotNames; // "?a", ... (parameters first)
    PddlCompiledFormula precondition;
    PddlCompiledFormula effect;
};

struct PddlFact {
    int predicate = -1;
    PddlArgs args{-1, -1, -1, -1};
};

class PddlTask {
  public:
    // Throws FormatError(source, ...) for constants that name no object,
    // predicates or functions with more than kPddlMaxArity arguments, or more
    // than 65535 objects.
    static std::shared_ptr<const PddlTask>
    compile(const PddlDomain& domain, const PddlProblem& problem, const std::string& source);

    // Objects: the problem's objects then the domain's constants, file order.
    int objectCount() const { return static_cast<int>(objectNames_.size()); }
    const std::string& objectName(int object) const { return objectNames_[object]; }
    int objectTypeId(int object) const { return objectTypes_[object]; }
    const std::string& objectType(int object) const { return typeNames_[objectTypes_[object]]; }
    int objectId(std::string_view name) const; // exact name; -1 when absent

    // Types: "object" is id 0.
    int typeCount() const { return static_cast<int>(typeNames_.size()); }
    const std::string& typeName(int type) const { return typeNames_[type]; }
    int typeId(std::string_view name) const; // -1 when absent
    bool isA(int object, int type) const { return typeOk_[type][objectTypes_[object]]; }
    // Objects whose type is `type` or derives from it, file order.
    const std::vector<int>& objectsOfType(int type) const { return ofType_[type]; }

    // Predicates and functions in declaration order.
    int predicateCount() const { return static_cast<int>(predicates_.size()); }
    const std::string& predicateName(int p) const { return predicates_[p]; }
    int predicateArity(int p) const { return predicateArity_[p]; }
    int predicateId(std::string_view name) const; // exact name; -1 when absent
    // Ignoring ASCII case ("receptacleatlocation"); -1 when absent.
    int predicateIdIgnoreCase(std::string_view name) const;
    int functionCount() const { return static_cast<int>(functions_.size()); }
    const std::string& functionName(int f) const { return functions_[f]; }
    int functionArity(int f) const { return functionArity_[f]; }
    int functionId(std::string_view name) const;

    const std::vector<PddlCompiledAction>& actions() const { return actions_; }
    int actionId(std::string_view name) const; // ignoring ASCII case; -1 when absent

    // The problem's :init, ground.
    const std::vector<PddlFact>& initAtoms() const { return init_; }
    struct NumericInit {
        int function = -1;
        PddlArgs args{-1, -1, -1, -1};
        double value = 0;
    };
    const std::vector<NumericInit>& initNumeric() const { return initNumeric_; }
    // The goal with its quantified variables in slots 0..goalSlots()-1.
    const PddlCompiledFormula& goal() const { return goal_; }
    int goalSlots() const { return static_cast<int>(goalSlotTypes_.size()); }
    const std::vector<int>& goalSlotTypes() const { return goalSlotTypes_; }

  private:
    std::vector<std::string> objectNames_;
    std::vector<int> objectTypes_;
    std::unordered_map<std::string, int> objectIndex_;
    std::vector<std::string> typeNames_;
    std::vector<std::vector<char>> typeOk_; // [ancestor][type]
    std::vector<std::vector<int>> ofType_;
    std::vector<std::string> predicates_;
    std::vector<int> predicateArity_;
    std::vector<std::string> functions_;
    std::vector<int> functionArity_;
    std::vector<PddlCompiledAction> actions_;
    std::vector<PddlFact> init_;
    std::vector<NumericInit> initNumeric_;
    PddlCompiledFormula goal_;
    std::vector<int> goalSlotTypes_;

    friend class PddlTaskCompiler;
};

} // namespace mobi
