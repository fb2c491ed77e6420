#include "env/PddlTask.h"

#include "core/Error.h"
#include "env/Sexp.h"

#include <algorithm>
#include <map>

namespace mobi {

namespace {

template <class Map> int lookup(const Map& m, std::string_view key) {
    const auto it = m.find(std::string(key));
    return it == m.end() ? -1 : it->second;
}

} // namespace

class PddlTaskCompiler {
  public:
    PddlTaskCompiler(PddlTask& t, const PddlDomain& d, const std::string& source)
        : t_(t), d_(d), source_(source) {}

    [[noreturn]] void fail(int line, const std::string& what) const {
        throw FormatError(source_, "line " + std::to_string(line) + ": " + what);
    }

    void types() {
        t_.typeNames_.push_back("object");
        for (const auto& [name, parent] : d_.types)
            if (name != "object") t_.typeNames_.push_back(name);
        const int n = static_cast<int>(t_.typeNames_.size());
        t_.typeOk_.assign(n, std::vector<char>(n, 0));
        for (int a = 0; a < n; ++a)
            for (int b = 0; b < n; ++b)
                t_.typeOk_[a][b] = d_.isSubtype(t_.typeNames_[b], t_.typeNames_[a]) ? 1 : 0;
        for (int i = 0; i < n; ++i)
            typeIndex_[t_.typeNames_[i]] = i;
    }

    int type(const std::string& name, int line) const {
        const int id = lookup(typeIndex_, name);
        if (id < 0) fail(line, "undeclared type '" + name + "'");
        return id;
    }

    void addObject(const PddlTypedName& o) {
        if (t_.objectIndex_.count(o.name)) return;
        if (t_.objectNames_.size() >= 65535) fail(o.line, "more than 65535 objects");
        t_.objectIndex_[o.name] = static_cast<int>(t_.objectNames_.size());
        t_.objectNames_.push_back(o.name);
        t_.objectTypes_.push_back(type(o.type, o.line));
    }

    void symbols() {
        for (const PddlPredicate& p : d_.predicates) {
            if (p.params.size() > static_cast<size_t>(kPddlMaxArity))
                fail(p.line, "predicate '" + p.name + "' has more than " +
                                 std::to_string(kPddlMaxArity) + " arguments");
            t_.predicates_.push_back(p.name);
            t_.predicateArity_.push_back(static_cast<int>(p.params.size()));
        }
        for (const PddlFunction& f : d_.functions) {
            if (f.params.size() > static_cast<size_t>(kPddlMaxArity))
                fail(f.line, "function '" + f.name + "' has more than " +
                                 std::to_string(kPddlMaxArity) + " arguments");
            t_.functions_.push_back(f.name);
            t_.functionArity_.push_back(static_cast<int>(f.params.size()));
        }
    }

    int object(const std::string& name, int line) const {
        const int id = t_.objectId(name);
        if (id < 0) fail(line, "unknown object '" + name + "'");
        return id;
    }

    // Scope: variable name -> slot; slotTypes grows as quantifiers open.
    struct Scope {
        std::vector<std::pair<std::string, int>> vars;
        std::vector<int>* slotTypes = nullptr;
        std::vector<std::string>* slotNames = nullptr;
        int find(const std::string& v) const {
            for (auto it = vars.rbegin(); it != vars.rend(); ++it)
                if (it->first == v) return it->second;
            return -1;
        }
    };

    PddlSlotTerm term(const PddlTerm& tm, const Scope& scope, int line) const {
        PddlSlotTerm out;
        if (tm.isVariable()) {
            out.isVariable = true;
            out.index = scope.find(tm.name);
            if (out.index < 0) fail(line, "undeclared variable '" + tm.name + "'");
        } else {
            out.index = object(tm.name, line);
        }
        return out;
    }

    PddlCompiledFormula formula(const PddlFormula& f, Scope& scope) const {
        using K = PddlFormula::Kind;
        PddlCompiledFormula c;
        c.kind = f.kind;
        c.value = f.value;
        switch (f.kind) {
        case K::Atom:
            c.symbol = t_.predicateId(f.name);
            if (c.symbol < 0) fail(f.line, "undeclared predicate '" + f.name + "'");
            break;
        case K::Function:
            c.symbol = t_.functionId(f.name);
            if (c.symbol < 0) fail(f.line, "undeclared function '" + f.name + "'");
            break;
        default:
            break;
        }
        for (const PddlTerm& tm : f.args)
            c.args.push_back(term(tm, scope, f.line));
        const size_t before = scope.vars.size();
        for (const PddlTypedName& v : f.vars) {
            const int slot = static_cast<int>(scope.slotTypes->size());
            scope.slotTypes->push_back(type(v.type, v.line));
            if (scope.slotNames) scope.slotNames->push_back(v.name);
            scope.vars.emplace_back(v.name, slot);
            c.vars.push_back(slot);
            c.varTypes.push_back(scope.slotTypes->back());
        }
        for (const PddlFormula& ch : f.children)
            c.children.push_back(formula(ch, scope));
        scope.vars.resize(before);
        // Free variables: own variable terms plus the children's, minus the
        // quantified ones.
        std::vector<int> fv;
        for (const PddlSlotTerm& a : c.args)
            if (a.isVariable) fv.push_back(a.index);
        for (const PddlCompiledFormula& ch : c.children)
            fv.insert(fv.end(), ch.freeVars.begin(), ch.freeVars.end());
        std::sort(fv.begin(), fv.end());
        fv.erase(std::unique(fv.begin(), fv.end()), fv.end());
        for (int v : c.vars)
            fv.erase(std::remove(fv.begin(), fv.end(), v), fv.end());
        c.freeVars = std::move(fv);
        return c;
    }

    PddlArgs groundArgs(const std::vector<std::string>& args, int line) const {
        PddlArgs a{-1, -1, -1, -1};
        for (size_t i = 0; i < args.size(); ++i)
            a[i] = object(args[i], line);
        return a;
    }

  private:
    PddlTask& t_;
    const PddlDomain& d_;
    const std::string& source_;
    std::map<std::string, int> typeIndex_;
};

std::shared_ptr<const PddlTask>
PddlTask::compile(const PddlDomain& domain, const PddlProblem& problem, const std::string& source) {
    auto task = std::make_shared<PddlTask>();
    PddlTask& t = *task;
    PddlTaskCompiler c(t, domain, source);
    c.types();
    for (const PddlTypedName& o : problem.objects)
        c.addObject(o);
    for (const PddlTypedName& o : domain.constants)
        c.addObject(o);
    t.ofType_.assign(t.typeNames_.size(), {});
    for (int ty = 0; ty < t.typeCount(); ++ty)
        for (int o = 0; o < t.objectCount(); ++o)
            if (t.isA(o, ty)) t.ofType_[ty].push_back(o);
    c.symbols();

    for (const PddlAction& a : domain.actions) {
        PddlCompiledAction ca;
        ca.name = a.name;
        PddlTaskCompiler::Scope scope;
        scope.slotTypes = &ca.slotTypes;
        scope.slotNames = &ca.slotNames;
        for (const PddlTypedName& p : a.params) {
            scope.vars.emplace_back(p.name, static_cast<int>(ca.slotTypes.size()));
            ca.slotTypes.push_back(c.type(p.type, p.line));
            ca.slotNames.push_back(p.name);
        }
        ca.paramCount = static_cast<int>(a.params.size());
        ca.precondition = c.formula(a.precondition, scope);
        ca.effect = c.formula(a.effect, scope);
        t.actions_.push_back(std::move(ca));
    }

    for (const PddlGroundAtom& g : problem.init) {
        PddlFact f;
        f.predicate = t.predicateId(g.predicate);
        if (f.predicate < 0) c.fail(g.line, "undeclared predicate '" + g.predicate + "'");
        f.args = c.groundArgs(g.args, g.line);
        t.init_.push_back(f);
    }
    for (const PddlNumericInit& n : problem.numericInit) {
        NumericInit ni;
        ni.function = t.functionId(n.function);
        if (ni.function < 0) c.fail(n.line, "undeclared function '" + n.function + "'");
        ni.args = c.groundArgs(n.args, n.line);
        ni.value = n.value;
        t.initNumeric_.push_back(ni);
    }
    PddlTaskCompiler::Scope scope;
    scope.slotTypes = &t.goalSlotTypes_;
    t.goal_ = c.formula(problem.goal, scope);
    return task;
}

int PddlTask::objectId(std::string_view name) const {
    return lookup(objectIndex_, name);
}

int PddlTask::typeId(std::string_view name) const {
    for (size_t i = 0; i < typeNames_.size(); ++i)
        if (typeNames_[i] == name) return static_cast<int>(i);
    return -1;
}

int PddlTask::predicateId(std::string_view name) const {
    for (size_t i = 0; i < predicates_.size(); ++i)
        if (predicates_[i] == name) return static_cast<int>(i);
    return -1;
}

int PddlTask::predicateIdIgnoreCase(std::string_view name) const {
    for (size_t i = 0; i < predicates_.size(); ++i)
        if (equalsIgnoreCase(predicates_[i], name)) return static_cast<int>(i);
    return -1;
}

int PddlTask::functionId(std::string_view name) const {
    for (size_t i = 0; i < functions_.size(); ++i)
        if (functions_[i] == name) return static_cast<int>(i);
    return -1;
}

int PddlTask::actionId(std::string_view name) const {
    for (size_t i = 0; i < actions_.size(); ++i)
        if (equalsIgnoreCase(actions_[i].name, name)) return static_cast<int>(i);
    return -1;
}

} // namespace mobi
