// PDDL data model for the subset the ALFRED (ALFWorld) domain and problems
// use: typed objects, predicates, numeric functions, actions with ADL
// preconditions and conditional / numeric effects, ground :init and a goal.
// Names keep the case written in the files and are matched exactly; section
// and connective keywords (:action, and, exists, ...) ignore case.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mobi {

// A variable (`?x`, stored with its '?') or a constant / object name.
struct PddlTerm {
    std::string name;
    bool isVariable() const { return !name.empty() && name[0] == '?'; }
};

struct PddlTypedName {
    std::string name;
    std::string type; // "object" when the file gives none
    int line = 0;
};

struct PddlFormula {
    enum class Kind {
        Atom,     // predicate(args)
        Equal,    // (= t1 t2)
        And,      // children (an empty `()` reads as And with no children)
        Or,       // children
        Not,      // children[0]
        Imply,    // children[0] -> children[1]
        Exists,   // vars, children[0]
        Forall,   // vars, children[0]
        When,     // children[0] condition, children[1] effect
        Increase, // children[0] Function, children[1] Function or Number
        Decrease, // as Increase
        Function, // numeric fluent term: name(args)
        Number,   // numeric constant: value
    };
    Kind kind = Kind::And;
    std::string name; // predicate or function name (Atom, Function)
    std::vector<PddlTerm> args;
    std::vector<PddlTypedName> vars; // Exists, Forall
    std::vector<PddlFormula> children;
    double value = 0; // Number
    int line = 0;
};

struct PddlPredicate {
    std::string name;
    std::vector<PddlTypedName> params;
    int line = 0;
};

struct PddlFunction {
    std::string name;
    std::vector<PddlTypedName> params;
    std::string type = "number";
    int line = 0;
};

struct PddlAction {
    std::string name;
    std::vector<PddlTypedName> params;
    PddlFormula precondition; // And with no children when absent or `()`
    PddlFormula effect;
    int line = 0;
};

struct PddlDomain {
    std::string name;
    std::vector<std::string> requirements;    // without the ':'
    std::map<std::string, std::string> types; // type -> parent ("" for object)
    std::vector<PddlTypedName> constants;
    std::vector<PddlPredicate> predicates;
    std::vector<PddlFunction> functions;
    std::vector<PddlAction> actions;

    const PddlPredicate* predicate(const std::string& name) const;
    const PddlFunction* function(const std::string& name) const;
    const PddlAction* action(const std::string& name) const;
    bool hasType(const std::string& type) const;
    // True when `type` is `ancestor` or derives from it.
    bool isSubtype(const std::string& type, const std::string& ancestor) const;
};

struct PddlGroundAtom {
    std::string predicate;
    std::vector<std::string> args;
    int line = 0;
};

struct PddlNumericInit {
    std::string function;
    std::vector<std::string> args;
    double value = 0;
    int line = 0;
};

struct PddlMetric {
    bool minimize = true;
    PddlFormula expression; // Function or Number
};

struct PddlProblem {
    std::string name;
    std::string domainName;
    std::vector<PddlTypedName> objects;
    std::vector<PddlGroundAtom> init;
    std::vector<PddlNumericInit> numericInit;
    PddlFormula goal;
    std::optional<PddlMetric> metric;

    // The object's declared type, or nullptr when there is no such object.
    const std::string* objectType(const std::string& name) const;
};

// Parsers. Throw FormatError(source, "line N: problem") on malformed or
// inconsistent input (undeclared predicates, types, objects or variables,
// wrong arity, unknown sections, nesting deeper than maxDepth).
struct PddlParser {
    static constexpr int kMaxDepth = 256;
    static PddlDomain parseDomain(const std::string& text, const std::string& source);
    // Checks the problem against `domain` (predicates, arity, types, objects).
    static PddlProblem parseProblem(const std::string& text, const PddlDomain& domain,
                                    const std::string& source);
};

} // namespace mobi
