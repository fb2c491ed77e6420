#include "env/Pddl.h"

#include "core/Error.h"
#include "env/Sexp.h"

#include <cmath>
#include <cstdlib>
#include <set>

namespace mobi {

const PddlPredicate* PddlDomain::predicate(const std::string& name) const {
    for (const PddlPredicate& p : predicates)
        if (p.name == name) return &p;
    return nullptr;
}

const PddlFunction* PddlDomain::function(const std::string& name) const {
    for (const PddlFunction& f : functions)
        if (f.name == name) return &f;
    return nullptr;
}

const PddlAction* PddlDomain::action(const std::string& name) const {
    for (const PddlAction& a : actions)
        if (a.name == name) return &a;
    return nullptr;
}

bool PddlDomain::hasType(const std::string& type) const {
    return type == "object" || types.count(type) != 0;
}

bool PddlDomain::isSubtype(const std::string& type, const std::string& ancestor) const {
    std::string t = type;
    for (size_t steps = 0; steps <= types.size() + 1; ++steps) { // bounded: cycles end here
        if (t == ancestor || ancestor == "object") return true;
        const auto it = types.find(t);
        if (it == types.end() || it->second.empty()) return false;
        t = it->second;
    }
    return false;
}

const std::string* PddlProblem::objectType(const std::string& name) const {
    for (const PddlTypedName& o : objects)
        if (o.name == name) return &o.type;
    return nullptr;
}

namespace {

enum class Mode { Goal, Effect };

class Parser {
  public:
    explicit Parser(const std::string& source) : source_(source) {}

    [[noreturn]] void fail(int line, const std::string& what) const {
        throw FormatError(source_, "line " + std::to_string(line) + ": " + what);
    }

    const std::string& atom(const Sexp& s, const char* what) const {
        if (s.isList) fail(s.line, std::string("expected ") + what + ", found a list");
        return s.atom;
    }

    const Sexp& list(const Sexp& s, const char* what) const {
        if (!s.isList) fail(s.line, std::string("expected ") + what + ", found '" + s.atom + "'");
        return s;
    }

    // `a b - t c - u d` from items[from..]; untyped names get "object".
    std::vector<PddlTypedName> typedList(const std::vector<Sexp>& items, size_t from,
                                         bool variables, const char* what) const {
        std::vector<PddlTypedName> out;
        size_t pending = 0;
        for (size_t i = from; i < items.size(); ++i) {
            const std::string& a = atom(items[i], what);
            if (a == "-") {
                if (pending == 0)
                    fail(items[i].line, std::string("'-' without a name before it in ") + what);
                if (i + 1 >= items.size())
                    fail(items[i].line, std::string("'-' without a type after it in ") + what);
                const Sexp& t = items[++i];
                if (t.isList)
                    fail(t.line,
                         std::string("unsupported type expression (either ...) in ") + what);
                for (size_t k = out.size() - pending; k < out.size(); ++k)
                    out[k].type = t.atom;
                pending = 0;
                continue;
            }
            if (variables && a[0] != '?')
                fail(items[i].line,
                     "expected a variable (?x) in " + std::string(what) + ", found '" + a + "'");
            if (!variables && a[0] == '?')
                fail(items[i].line, "unexpected variable '" + a + "' in " + std::string(what));
            out.push_back({a, "object", items[i].line});
            ++pending;
        }
        return out;
    }

    void requireTypes(const PddlDomain& d, const std::vector<PddlTypedName>& names,
                      const char* what) const {
        for (const PddlTypedName& n : names)
            if (!d.hasType(n.type))
                fail(n.line, "undeclared type '" + n.type + "' for '" + n.name + "' in " + what);
    }

    // Checks `(head ...)` at items[0] is the given keyword.
    void expectHead(const Sexp& s, const char* word, const char* what) const {
        if (!s.isList || s.items.empty() || !s.items[0].is(word))
            fail(s.line, std::string("expected (") + word + " ...) " + what);
    }

    double number(const Sexp& s) const {
        const std::string& a = atom(s, "a number");
        char* end = nullptr;
        const double v = std::strtod(a.c_str(), &end);
        if (a.empty() || end != a.c_str() + a.size() || !std::isfinite(v) ||
            !(std::isdigit(static_cast<unsigned char>(a[0])) || a[0] == '-' || a[0] == '.'))
            fail(s.line, "expected a number, found '" + a + "'");
        return v;
    }

    // Objects available as constants in formulas: null = unchecked (domain
    // actions may name problem objects such as SinkType).
    const std::map<std::string, std::string>* objects = nullptr;

    PddlTerm term(const Sexp& s, const std::vector<std::string>& scope) const {
        const std::string& a = atom(s, "a term");
        if (a[0] == '?') {
            bool found = false;
            for (const std::string& v : scope)
                if (v == a) found = true;
            if (!found) fail(s.line, "undeclared variable '" + a + "'");
        } else if (objects && objects->count(a) == 0) {
            fail(s.line, "unknown object '" + a + "'");
        }
        return {a};
    }

    PddlFormula functionTerm(const PddlDomain& d, const Sexp& s,
                             const std::vector<std::string>& scope) const {
        PddlFormula f;
        f.line = s.line;
        if (!s.isList) {
            f.kind = PddlFormula::Kind::Number;
            f.value = number(s);
            return f;
        }
        if (s.items.empty()) fail(s.line, "empty numeric expression");
        f.kind = PddlFormula::Kind::Function;
        f.name = atom(s.items[0], "a function name");
        const PddlFunction* fn = d.function(f.name);
        if (!fn) fail(s.line, "undeclared function '" + f.name + "'");
        if (s.items.size() - 1 != fn->params.size())
            fail(s.line, "function '" + f.name + "' takes " + std::to_string(fn->params.size()) +
                             " arguments, " + std::to_string(s.items.size() - 1) + " given");
        for (size_t i = 1; i < s.items.size(); ++i)
            f.args.push_back(term(s.items[i], scope));
        return f;
    }

    PddlFormula formula(const PddlDomain& d, const Sexp& s, std::vector<std::string>& scope,
                        Mode mode) const {
        using K = PddlFormula::Kind;
        PddlFormula f;
        f.line = s.line;
        list(s, "a formula");
        if (s.items.empty()) return f; // `()`: empty conjunction
        const Sexp& head = s.items[0];
        const std::string& h = atom(head, "a predicate or connective");
        const size_t n = s.items.size();
        auto arity = [&](size_t want) {
            if (n != want)
                fail(s.line, "(" + h + " ...) takes " + std::to_string(want - 1) + " operands, " +
                                 std::to_string(n - 1) + " given");
        };
        auto goalOnly = [&] {
            if (mode == Mode::Effect) fail(s.line, "'" + h + "' is not allowed in an effect");
        };
        if (head.is("and")) {
            f.kind = K::And;
            for (size_t i = 1; i < n; ++i)
                f.children.push_back(formula(d, s.items[i], scope, mode));
        } else if (head.is("or")) {
            goalOnly();
            f.kind = K::Or;
            for (size_t i = 1; i < n; ++i)
                f.children.push_back(formula(d, s.items[i], scope, mode));
        } else if (head.is("not")) {
            arity(2);
            f.kind = K::Not;
            f.children.push_back(formula(d, s.items[1], scope, mode));
            if (mode == Mode::Effect && f.children[0].kind != K::Atom)
                fail(s.line, "an effect can only negate an atom");
        } else if (head.is("imply")) {
            goalOnly();
            arity(3);
            f.kind = K::Imply;
            f.children.push_back(formula(d, s.items[1], scope, mode));
            f.children.push_back(formula(d, s.items[2], scope, mode));
        } else if (head.is("exists") || head.is("forall")) {
            if (head.is("exists")) goalOnly();
            arity(3);
            f.kind = head.is("exists") ? K::Exists : K::Forall;
            f.vars = typedList(list(s.items[1], "a variable list").items, 0, true,
                               "quantified variables");
            requireTypes(d, f.vars, "quantified variables");
            const size_t before = scope.size();
            for (const PddlTypedName& v : f.vars)
                scope.push_back(v.name);
            f.children.push_back(formula(d, s.items[2], scope, mode));
            scope.resize(before);
        } else if (head.is("when")) {
            if (mode != Mode::Effect) fail(s.line, "'when' is only allowed in an effect");
            arity(3);
            f.kind = K::When;
            f.children.push_back(formula(d, s.items[1], scope, Mode::Goal));
            f.children.push_back(formula(d, s.items[2], scope, Mode::Effect));
        } else if (head.is("increase") || head.is("decrease")) {
            if (mode != Mode::Effect) fail(s.line, "'" + h + "' is only allowed in an effect");
            arity(3);
            f.kind = head.is("increase") ? K::Increase : K::Decrease;
            if (!s.items[1].isList) fail(s.line, "'" + h + "' needs a function term to change");
            f.children.push_back(functionTerm(d, s.items[1], scope));
            f.children.push_back(functionTerm(d, s.items[2], scope));
        } else if (h == "=") {
            goalOnly();
            arity(3);
            f.kind = K::Equal;
            f.args.push_back(term(s.items[1], scope));
            f.args.push_back(term(s.items[2], scope));
        } else {
            f.kind = K::Atom;
            f.name = h;
            const PddlPredicate* p = d.predicate(h);
            if (!p) fail(s.line, "undeclared predicate '" + h + "'");
            if (n - 1 != p->params.size())
                fail(s.line, "predicate '" + h + "' takes " + std::to_string(p->params.size()) +
                                 " arguments, " + std::to_string(n - 1) + " given");
            for (size_t i = 1; i < n; ++i)
                f.args.push_back(term(s.items[i], scope));
        }
        return f;
    }

    // `(define (<kind> name) sections...)`; returns the name.
    std::string header(const Sexp& top, const char* kind) const {
        if (top.items.empty() || !top.items[0].is("define"))
            fail(top.line, "expected (define ...)");
        if (top.items.size() < 2)
            fail(top.line, std::string("expected (") + kind + " <name>) after define");
        const Sexp& h = top.items[1];
        if (!h.isList || h.items.size() != 2 || !h.items[0].is(kind) || h.items[1].isList)
            fail(h.line, std::string("expected (") + kind + " <name>) after define");
        return h.items[1].atom;
    }

    const std::string& section(const Sexp& s) const {
        if (!s.isList || s.items.empty() || s.items[0].isList || s.items[0].atom.empty() ||
            s.items[0].atom[0] != ':')
            fail(s.line, "expected a (:section ...)");
        return s.items[0].atom;
    }

    PddlDomain domain(const Sexp& top) const {
        PddlDomain d;
        d.name = header(top, "domain");
        for (size_t i = 2; i < top.items.size(); ++i) {
            const Sexp& s = top.items[i];
            const std::string& name = section(s);
            const Sexp& key = s.items[0];
            if (key.is(":requirements")) {
                for (size_t k = 1; k < s.items.size(); ++k) {
                    const std::string& r = atom(s.items[k], "a requirement");
                    if (r.size() < 2 || r[0] != ':')
                        fail(s.items[k].line, "expected a :requirement, found '" + r + "'");
                    d.requirements.push_back(r.substr(1));
                }
            } else if (key.is(":types")) {
                for (const PddlTypedName& t : typedList(s.items, 1, false, ":types")) {
                    if (d.types.count(t.name)) fail(t.line, "type '" + t.name + "' declared twice");
                    d.types[t.name] = t.name == "object" ? "" : t.type;
                }
                for (const auto& [t, parent] : d.types)
                    if (!parent.empty() && !d.hasType(parent))
                        fail(s.line, "undeclared parent type '" + parent + "' of '" + t + "'");
            } else if (key.is(":constants")) {
                d.constants = typedList(s.items, 1, false, ":constants");
                requireTypes(d, d.constants, ":constants");
            } else if (key.is(":predicates")) {
                for (size_t k = 1; k < s.items.size(); ++k) {
                    const Sexp& p =
                        list(s.items[k], "a predicate declaration (name ?x - type ...)");
                    if (p.items.empty()) fail(p.line, "empty predicate declaration");
                    PddlPredicate pred;
                    pred.name = atom(p.items[0], "a predicate name");
                    pred.line = p.line;
                    pred.params = typedList(p.items, 1, true, "predicate parameters");
                    requireTypes(d, pred.params, "predicate parameters");
                    if (d.predicate(pred.name))
                        fail(p.line, "predicate '" + pred.name + "' declared twice");
                    d.predicates.push_back(std::move(pred));
                }
            } else if (key.is(":functions")) {
                size_t groupStart = d.functions.size();
                for (size_t k = 1; k < s.items.size(); ++k) {
                    const Sexp& f = s.items[k];
                    if (!f.isList) {
                        if (f.atom != "-" || k + 1 >= s.items.size() || s.items[k + 1].isList ||
                            groupStart == d.functions.size())
                            fail(f.line, "expected a function declaration or '- number', found '" +
                                             f.atom + "'");
                        const std::string& t = s.items[++k].atom;
                        if (t != "number") fail(f.line, "unsupported function type '" + t + "'");
                        for (size_t g = groupStart; g < d.functions.size(); ++g)
                            d.functions[g].type = t;
                        groupStart = d.functions.size();
                        continue;
                    }
                    if (f.items.empty()) fail(f.line, "empty function declaration");
                    PddlFunction fn;
                    fn.name = atom(f.items[0], "a function name");
                    fn.line = f.line;
                    fn.params = typedList(f.items, 1, true, "function parameters");
                    requireTypes(d, fn.params, "function parameters");
                    if (d.function(fn.name))
                        fail(f.line, "function '" + fn.name + "' declared twice");
                    d.functions.push_back(std::move(fn));
                }
            } else if (key.is(":action")) {
                d.actions.push_back(action(d, s));
            } else {
                fail(s.line, "unknown domain section '" + name + "'");
            }
        }
        return d;
    }

    PddlAction action(const PddlDomain& d, const Sexp& s) const {
        PddlAction a;
        a.line = s.line;
        if (s.items.size() < 2) fail(s.line, "(:action) without a name");
        a.name = atom(s.items[1], "an action name");
        if (d.action(a.name)) fail(s.line, "action '" + a.name + "' declared twice");
        if (s.items.size() % 2 != 0)
            fail(s.line, "action '" + a.name + "': every :key needs a value");
        const Sexp* pre = nullptr;
        const Sexp* eff = nullptr;
        bool haveParams = false;
        for (size_t k = 2; k + 1 < s.items.size(); k += 2) {
            const Sexp& key = s.items[k];
            if (key.is(":parameters")) {
                a.params = typedList(list(s.items[k + 1], "a parameter list").items, 0, true,
                                     "action parameters");
                requireTypes(d, a.params, "action parameters");
                haveParams = true;
            } else if (key.is(":precondition")) {
                pre = &s.items[k + 1];
            } else if (key.is(":effect")) {
                eff = &s.items[k + 1];
            } else {
                fail(key.line, "action '" + a.name + "': unknown key '" +
                                   (key.isList ? std::string("(...)") : key.atom) + "'");
            }
        }
        if (!haveParams) a.params.clear();
        std::vector<std::string> scope;
        for (const PddlTypedName& p : a.params)
            scope.push_back(p.name);
        a.precondition.line = s.line;
        a.effect.line = s.line;
        if (pre) a.precondition = formula(d, *pre, scope, Mode::Goal);
        if (eff) a.effect = formula(d, *eff, scope, Mode::Effect);
        return a;
    }

    PddlProblem problem(const Sexp& top, const PddlDomain& d) {
        PddlProblem p;
        p.name = header(top, "problem");
        std::map<std::string, std::string> objs;
        for (const PddlTypedName& c : d.constants)
            objs[c.name] = c.type;
        bool haveGoal = false;
        for (size_t i = 2; i < top.items.size(); ++i) {
            const Sexp& s = top.items[i];
            const std::string& name = section(s);
            const Sexp& key = s.items[0];
            if (key.is(":domain")) {
                if (s.items.size() != 2) fail(s.line, "expected (:domain <name>)");
                p.domainName = atom(s.items[1], "a domain name");
                if (!equalsIgnoreCase(p.domainName, d.name))
                    fail(s.line,
                         "problem is for domain '" + p.domainName + "', not '" + d.name + "'");
            } else if (key.is(":objects")) {
                for (PddlTypedName& o : typedList(s.items, 1, false, ":objects")) {
                    if (!d.hasType(o.type))
                        fail(o.line,
                             "object '" + o.name + "' has undeclared type '" + o.type + "'");
                    if (objs.count(o.name)) fail(o.line, "object '" + o.name + "' declared twice");
                    objs[o.name] = o.type;
                    p.objects.push_back(std::move(o));
                }
            } else if (key.is(":init")) {
                for (size_t k = 1; k < s.items.size(); ++k)
                    initItem(d, objs, s.items[k], p);
            } else if (key.is(":goal")) {
                if (s.items.size() != 2) fail(s.line, "expected (:goal <formula>)");
                objects = &objs;
                std::vector<std::string> scope;
                p.goal = formula(d, s.items[1], scope, Mode::Goal);
                objects = nullptr;
                haveGoal = true;
            } else if (key.is(":metric")) {
                if (s.items.size() != 3)
                    fail(s.line, "expected (:metric minimize|maximize <expression>)");
                PddlMetric m;
                if (s.items[1].is("minimize"))
                    m.minimize = true;
                else if (s.items[1].is("maximize"))
                    m.minimize = false;
                else
                    fail(s.line, "expected minimize or maximize in :metric");
                objects = &objs;
                m.expression = functionTerm(d, s.items[2], {});
                objects = nullptr;
                p.metric = std::move(m);
            } else {
                fail(s.line, "unknown problem section '" + name + "'");
            }
        }
        if (p.domainName.empty()) fail(top.line, "problem has no (:domain ...)");
        if (!haveGoal) fail(top.line, "problem has no (:goal ...)");
        return p;
    }

    void initItem(const PddlDomain& d, const std::map<std::string, std::string>& objs,
                  const Sexp& s, PddlProblem& p) const {
        list(s, "a ground atom in :init");
        if (s.items.empty()) fail(s.line, "empty atom in :init");
        auto object = [&](const Sexp& a) -> const std::string& {
            const std::string& o = atom(a, "an object name");
            if (!objs.count(o)) fail(a.line, "unknown object '" + o + "' in :init");
            return o;
        };
        if (s.items[0].isAtom() && s.items[0].atom == "=") {
            if (s.items.size() != 3 || !s.items[1].isList || s.items[1].items.empty())
                fail(s.line, "expected (= (function args...) number) in :init");
            const Sexp& ft = s.items[1];
            PddlNumericInit ni;
            ni.line = s.line;
            ni.function = atom(ft.items[0], "a function name");
            const PddlFunction* fn = d.function(ni.function);
            if (!fn) fail(s.line, "undeclared function '" + ni.function + "' in :init");
            if (ft.items.size() - 1 != fn->params.size())
                fail(s.line, "function '" + ni.function + "' takes " +
                                 std::to_string(fn->params.size()) + " arguments, " +
                                 std::to_string(ft.items.size() - 1) + " given");
            for (size_t k = 1; k < ft.items.size(); ++k)
                ni.args.push_back(object(ft.items[k]));
            ni.value = number(s.items[2]);
            p.numericInit.push_back(std::move(ni));
            return;
        }
        PddlGroundAtom ga;
        ga.line = s.line;
        ga.predicate = atom(s.items[0], "a predicate name");
        const PddlPredicate* pred = d.predicate(ga.predicate);
        if (!pred) fail(s.line, "undeclared predicate '" + ga.predicate + "' in :init");
        if (s.items.size() - 1 != pred->params.size())
            fail(s.line, "predicate '" + ga.predicate + "' takes " +
                             std::to_string(pred->params.size()) + " arguments, " +
                             std::to_string(s.items.size() - 1) + " given in :init");
        for (size_t k = 1; k < s.items.size(); ++k) {
            const std::string& o = object(s.items[k]);
            const std::string& want = pred->params[k - 1].type;
            if (!d.isSubtype(objs.at(o), want))
                fail(s.items[k].line, "object '" + o + "' of type '" + objs.at(o) +
                                          "' given where predicate '" + ga.predicate +
                                          "' expects '" + want + "'");
            ga.args.push_back(o);
        }
        p.init.push_back(std::move(ga));
    }

  private:
    const std::string& source_;
};

} // namespace

PddlDomain PddlParser::parseDomain(const std::string& text, const std::string& source) {
    const Sexp top = Sexp::parseOne(text, source, kMaxDepth);
    return Parser(source).domain(top);
}

PddlProblem PddlParser::parseProblem(const std::string& text, const PddlDomain& domain,
                                     const std::string& source) {
    const Sexp top = Sexp::parseOne(text, source, kMaxDepth);
    return Parser(source).problem(top, domain);
}

} // namespace mobi
