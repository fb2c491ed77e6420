#include "env/AlfworldText.h"

#include "core/Error.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace mobi {

namespace {

// {expr}: `a or b`, `x + y`, `'text'`, `o.name`, `o`.
struct Expr {
    enum class Kind { Literal, Var, Plus, Or };
    Kind kind = Kind::Literal;
    std::string text; // Literal: the text; Var: the variable
    enum class Attr { Name, Id, Indefinite, Definite } attr = Attr::Name;
    std::vector<Expr> children;
};

struct Literal {
    int predicate = -1;
    bool negated = false;                          // not_<predicate>: an atom actions deleted
    std::vector<std::pair<std::string, int>> args; // variable, type id
};
using Query = std::vector<Literal>;

struct Symbol {
    enum class Kind { Text, Nonterminal, Eval, Conditional, List };
    Kind kind = Kind::Text;
    std::string text;          // Text: literal; Nonterminal: symbol name
    Expr expr;                 // Eval
    std::vector<Symbol> inner; // Conditional: one Nonterminal or Eval; List: one Conditional
    bool hasGiven = false;
    Query given;
};
using Symbols = std::vector<Symbol>;

struct Rule {
    Symbols rhs;
    bool hasCondition = false;
    Query condition;
};

bool isIdent(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

} // namespace

struct AlfworldText::Impl {
    const PddlTask* task = nullptr;
    const AlfworldNames* names = nullptr;
    std::string source;
    std::unordered_map<std::string, std::vector<Rule>> rules;

    [[noreturn]] void fail(const std::string& what) const { throw FormatError(source, what); }

    // ---- parsing ------------------------------------------------------------

    Expr parseExpr(std::string_view s) const {
        size_t i = 0;
        auto skip = [&] {
            while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
                ++i;
        };
        auto primary = [&]() -> Expr {
            skip();
            Expr e;
            if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
                const char q = s[i++];
                const size_t end = s.find(q, i);
                if (end == std::string_view::npos)
                    fail("unterminated string in {" + std::string(s) + "}");
                e.kind = Expr::Kind::Literal;
                e.text = std::string(s.substr(i, end - i));
                i = end + 1;
                return e;
            }
            const size_t start = i;
            while (i < s.size() && isIdent(s[i]))
                ++i;
            if (i == start) fail("expected a variable in {" + std::string(s) + "}");
            e.kind = Expr::Kind::Var;
            e.text = std::string(s.substr(start, i - start));
            if (i < s.size() && s[i] == '.') {
                ++i;
                const size_t a = i;
                while (i < s.size() && isIdent(s[i]))
                    ++i;
                const std::string_view attr = s.substr(a, i - a);
                if (attr == "name")
                    e.attr = Expr::Attr::Name;
                else if (attr == "id")
                    e.attr = Expr::Attr::Id;
                else if (attr == "indefinite")
                    e.attr = Expr::Attr::Indefinite;
                else if (attr == "definite")
                    e.attr = Expr::Attr::Definite;
                else
                    fail("unknown attribute '" + std::string(attr) + "' in {" + std::string(s) +
                         "}");
            }
            return e;
        };
        auto plus = [&]() -> Expr {
            Expr e = primary();
            skip();
            if (i >= s.size() || s[i] != '+') return e;
            Expr p;
            p.kind = Expr::Kind::Plus;
            p.children.push_back(std::move(e));
            while (i < s.size() && s[i] == '+') {
                ++i;
                p.children.push_back(primary());
                skip();
            }
            return p;
        };
        auto isOr = [&] {
            skip();
            return i + 2 <= s.size() && s.substr(i, 2) == "or" &&
                   (i + 2 == s.size() || !isIdent(s[i + 2]));
        };
        Expr e = plus();
        if (isOr()) {
            Expr o;
            o.kind = Expr::Kind::Or;
            o.children.push_back(std::move(e));
            while (isOr()) {
                i += 2;
                o.children.push_back(plus());
            }
            e = std::move(o);
        }
        skip();
        if (i != s.size()) fail("unexpected text in {" + std::string(s) + "}");
        return e;
    }

    Query parseQuery(std::string_view s) const {
        Query q;
        size_t i = 0;
        auto skip = [&] {
            while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
                ++i;
        };
        auto ident = [&] {
            skip();
            const size_t a = i;
            while (i < s.size() && (isIdent(s[i]) || s[i] == '-'))
                ++i;
            return std::string(s.substr(a, i - a));
        };
        auto expect = [&](char c) {
            skip();
            if (i >= s.size() || s[i] != c)
                fail(std::string("expected '") + c + "' in condition \"" + std::string(s) + "\"");
            ++i;
        };
        while (true) {
            Literal lit;
            std::string name = ident();
            if (name.empty()) fail("expected a predicate in condition \"" + std::string(s) + "\"");
            if (name.rfind("not_", 0) == 0) {
                lit.negated = true;
                name = name.substr(4);
            }
            lit.predicate = task->predicateIdIgnoreCase(name);
            if (lit.predicate < 0)
                fail("unknown predicate '" + name + "' in condition \"" + std::string(s) + "\"");
            expect('(');
            skip();
            if (i < s.size() && s[i] != ')') {
                while (true) {
                    const std::string var = ident();
                    if (var.empty()) fail("expected a variable in \"" + std::string(s) + "\"");
                    int type = 0;
                    skip();
                    if (i < s.size() && s[i] == ':') {
                        ++i;
                        const std::string t = ident();
                        type = task->typeId(t);
                        if (type < 0)
                            fail("unknown type '" + t + "' in condition \"" + std::string(s) +
                                 "\"");
                    }
                    lit.args.emplace_back(var, type);
                    skip();
                    if (i < s.size() && s[i] == ',') {
                        ++i;
                        continue;
                    }
                    break;
                }
            }
            expect(')');
            if (static_cast<int>(lit.args.size()) != task->predicateArity(lit.predicate))
                fail("wrong number of arguments for '" + name + "' in condition \"" +
                     std::string(s) + "\"");
            q.push_back(std::move(lit));
            skip();
            if (i == s.size()) break;
            expect('&');
        }
        return q;
    }

    // TextWorld's CSG syntax; like its parser, stops at the first character
    // that starts no symbol (the rest is ignored). Its end-of-line comment
    // rule (`^(//.*|\s*)\n?`) eats whitespace at the very start of a
    // template: the help text's leading newline is not printed.
    Symbols parseSymbols(std::string_view s) const {
        Symbols out;
        size_t i = 0;
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        auto nonterminalAt = [&](size_t& j, Symbol& sym) {
            if (j >= s.size() || s[j] != '#') return false;
            const size_t end = s.find('#', j + 1);
            if (end == std::string_view::npos || end == j + 1) return false;
            sym.kind = Symbol::Kind::Nonterminal;
            sym.text = std::string(s.substr(j + 1, end - j - 1));
            j = end + 1;
            return true;
        };
        auto conditionalAt = [&](size_t& j, Symbol& sym) {
            if (j >= s.size() || s[j] != '{') return false;
            size_t k = j + 1;
            Symbol inner;
            if (!nonterminalAt(k, inner)) {
                const size_t a = k;
                while (k < s.size() &&
                       std::string_view("|[]{}\n<>").find(s[k]) == std::string_view::npos)
                    ++k;
                if (k == a) return false;
                inner.kind = Symbol::Kind::Eval;
                inner.expr = parseExpr(s.substr(a, k - a));
            }
            sym.kind = Symbol::Kind::Conditional;
            sym.inner.push_back(std::move(inner));
            while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k])))
                ++k;
            if (k < s.size() && s[k] == '|') {
                ++k;
                const size_t a = k;
                while (k < s.size() &&
                       std::string_view(";|{}\n[]#").find(s[k]) == std::string_view::npos)
                    ++k;
                sym.hasGiven = true;
                sym.given = parseQuery(s.substr(a, k - a));
            }
            if (k >= s.size() || s[k] != '}') return false;
            j = k + 1;
            return true;
        };
        while (i < s.size()) {
            Symbol sym;
            size_t j = i;
            if (s[i] == '[') {
                ++j;
                Symbol cond;
                if (!conditionalAt(j, cond) || j >= s.size() || s[j] != ']') break;
                ++j;
                sym.kind = Symbol::Kind::List;
                sym.inner.push_back(std::move(cond));
            } else if (s[i] == '{') {
                if (!conditionalAt(j, sym)) break;
            } else if (s[i] == '#') {
                if (!nonterminalAt(j, sym)) break;
            } else if (s[i] == '"') {
                const size_t end = s.find('"', i + 1);
                if (end == std::string_view::npos) break;
                const std::string_view lit = s.substr(i + 1, end - i - 1);
                if (lit.find_first_of(";|<>[]#{}") != std::string_view::npos) break;
                sym.text = std::string(lit);
                j = end + 1;
            } else {
                while (j < s.size() &&
                       std::string_view(";|\"<>[]#{}").find(s[j]) == std::string_view::npos)
                    ++j;
                if (j == i) break;
                sym.text = std::string(s.substr(i, j - i));
            }
            out.push_back(std::move(sym));
            i = j;
        }
        return out;
    }

    // ---- evaluation -----------------------------------------------------------

    static int lookupVar(const AlfworldBindings& vars, const std::string& name) {
        for (auto it = vars.rbegin(); it != vars.rend(); ++it)
            if (it->first == name) return it->second;
        return -1;
    }

    // Bindings of the query's unbound variables (first-appearance order),
    // deduplicated and sorted by TextWorld id.
    std::vector<std::vector<int>> query(const Query& q, const AlfworldBindings& vars,
                                        const PddlState& state,
                                        std::vector<std::string>& newVars) const {
        std::vector<std::string> names;
        std::vector<int> types;
        std::vector<int> slots;
        std::vector<std::vector<int>> litSlots;
        for (const Literal& lit : q) {
            std::vector<int> ls;
            for (const auto& [v, t] : lit.args) {
                int slot = -1;
                for (size_t k = 0; k < names.size(); ++k)
                    if (names[k] == v) slot = static_cast<int>(k);
                if (slot < 0) {
                    slot = static_cast<int>(names.size());
                    names.push_back(v);
                    types.push_back(t);
                    slots.push_back(lookupVar(vars, v));
                }
                ls.push_back(slot);
            }
            litSlots.push_back(std::move(ls));
        }
        std::vector<int> fresh;
        for (size_t k = 0; k < names.size(); ++k)
            if (slots[k] < 0) {
                fresh.push_back(static_cast<int>(k));
                newVars.push_back(names[k]);
            }
        std::vector<std::vector<int>> results;
        std::vector<char> done(q.size(), 0);
        // TextWorld assigns distinct placeholders distinct objects, none of
        // them an object the context already binds.
        std::vector<int> used;
        for (const auto& [name, object] : vars)
            used.push_back(object);
        searchQuery(q, litSlots, types, slots, done, state, fresh, used, results);
        auto byRank = [&](const std::vector<int>& a, const std::vector<int>& b) {
            for (size_t k = 0; k < a.size(); ++k) {
                const int ra = names_->rank(a[k]), rb = names_->rank(b[k]);
                if (ra != rb) return ra < rb;
            }
            return false;
        };
        std::sort(results.begin(), results.end(), byRank);
        results.erase(std::unique(results.begin(), results.end()), results.end());
        return results;
    }

    const AlfworldNames* names_ = nullptr;

    void searchQuery(const Query& q, const std::vector<std::vector<int>>& litSlots,
                     const std::vector<int>& types, std::vector<int>& slots,
                     std::vector<char>& done, const PddlState& state, const std::vector<int>& fresh,
                     std::vector<int>& used, std::vector<std::vector<int>>& results) const {
        // Pick the pending literal with the most bound arguments.
        int best = -1, bestBound = -1;
        for (size_t i = 0; i < q.size(); ++i) {
            if (done[i]) continue;
            int b = 0;
            for (int sl : litSlots[i])
                if (slots[sl] >= 0) ++b;
            if (b > bestBound) {
                best = static_cast<int>(i);
                bestBound = b;
            }
        }
        if (best < 0) {
            std::vector<int> r;
            for (int f : fresh)
                r.push_back(slots[f]);
            results.push_back(std::move(r));
            return;
        }
        const Literal& lit = q[best];
        const std::vector<int>& ls = litSlots[best];
        done[best] = 1;
        if (bestBound == static_cast<int>(ls.size())) {
            PddlArgs a{-1, -1, -1, -1};
            for (size_t k = 0; k < ls.size(); ++k)
                a[k] = slots[ls[k]];
            const bool ok =
                lit.negated ? state.deleted(lit.predicate, a) : state.holds(lit.predicate, a);
            if (ok) searchQuery(q, litSlots, types, slots, done, state, fresh, used, results);
        } else {
            const std::vector<PddlArgs>& facts =
                lit.negated ? state.deletedFacts(lit.predicate) : state.facts(lit.predicate);
            for (const PddlArgs& f : facts) {
                int newly[kPddlMaxArity];
                int nNew = 0;
                bool ok = true;
                for (size_t k = 0; k < ls.size() && ok; ++k) {
                    const int sl = ls[k];
                    if (slots[sl] >= 0) {
                        ok = slots[sl] == f[k];
                    } else if (!task->isA(f[k], types[sl]) ||
                               std::find(used.begin(), used.end(), f[k]) != used.end()) {
                        ok = false;
                    } else {
                        slots[sl] = f[k];
                        newly[nNew++] = sl;
                        used.push_back(f[k]);
                    }
                }
                if (ok) searchQuery(q, litSlots, types, slots, done, state, fresh, used, results);
                for (int k = 0; k < nNew; ++k) {
                    slots[newly[k]] = -1;
                    used.pop_back();
                }
            }
        }
        done[best] = 0;
    }

    bool holdsQuery(const Query& q, const AlfworldBindings& vars, const PddlState& state) const {
        std::vector<std::string> newVars;
        return !query(q, vars, state, newVars).empty();
    }

    std::string evalExpr(const Expr& e, const AlfworldBindings& vars) const {
        switch (e.kind) {
        case Expr::Kind::Literal:
            return e.text;
        case Expr::Kind::Var: {
            const int o = lookupVar(vars, e.text);
            if (o < 0) throw EngineError(source, "unbound variable '" + e.text + "' in a template");
            switch (e.attr) {
            case Expr::Attr::Name:
                return names_->name(o);
            case Expr::Attr::Id:
                return names_->id(o);
            case Expr::Attr::Indefinite:
                return AlfworldNames::indefinite();
            case Expr::Attr::Definite:
                return "the";
            }
            return {};
        }
        case Expr::Kind::Plus: {
            std::string out;
            for (const Expr& c : e.children)
                out += evalExpr(c, vars);
            return out;
        }
        case Expr::Kind::Or:
            for (const Expr& c : e.children) {
                std::string v = evalExpr(c, vars);
                if (!v.empty()) return v;
            }
            return {};
        }
        return {};
    }

    void derive(const Symbols& syms, const AlfworldBindings& vars, const PddlState& state,
                std::string& out, int depth) const {
        if (depth > 64) throw EngineError(source, "grammar recursion deeper than 64");
        for (const Symbol& s : syms)
            deriveOne(s, vars, state, out, depth);
    }

    void deriveNonterminal(const std::string& name, const AlfworldBindings& vars,
                           const PddlState& state, std::string& out, int depth) const {
        const auto it = rules.find(name);
        if (it == rules.end() || it->second.empty())
            throw EngineError(source, "no symbol '#" + name + "#' in the grammar");
        for (const Rule& r : it->second) {
            if (r.hasCondition && !holdsQuery(r.condition, vars, state)) continue;
            derive(r.rhs, vars, state, out, depth + 1);
            return;
        }
        throw EngineError(source, "no rule of '#" + name + "#' applies");
    }

    // The copies a conditional symbol expands to, one per binding.
    std::vector<std::string> expand(const Symbol& cond, const AlfworldBindings& vars,
                                    const PddlState& state, int depth) const {
        std::vector<std::string> items;
        auto one = [&](const AlfworldBindings& ctx) {
            std::string s;
            const Symbol& inner = cond.inner[0];
            if (inner.kind == Symbol::Kind::Nonterminal)
                deriveNonterminal(inner.text, ctx, state, s, depth + 1);
            else
                s = evalExpr(inner.expr, ctx);
            items.push_back(std::move(s));
        };
        if (!cond.hasGiven) {
            one(vars);
            return items;
        }
        std::vector<std::string> newVars;
        const auto results = query(cond.given, vars, state, newVars);
        AlfworldBindings ctx = vars;
        const size_t base = ctx.size();
        for (const std::vector<int>& r : results) {
            ctx.resize(base);
            for (size_t k = 0; k < r.size(); ++k)
                ctx.emplace_back(newVars[k], r[k]);
            one(ctx);
        }
        return items;
    }

    void deriveOne(const Symbol& s, const AlfworldBindings& vars, const PddlState& state,
                   std::string& out, int depth) const {
        switch (s.kind) {
        case Symbol::Kind::Text:
            out += s.text;
            break;
        case Symbol::Kind::Nonterminal:
            deriveNonterminal(s.text, vars, state, out, depth);
            break;
        case Symbol::Kind::Eval:
            out += evalExpr(s.expr, vars);
            break;
        case Symbol::Kind::Conditional:
            for (const std::string& x : expand(s, vars, state, depth))
                out += x;
            break;
        case Symbol::Kind::List: {
            const std::vector<std::string> items = expand(s.inner[0], vars, state, depth);
            if (items.empty()) {
                deriveNonterminal("list_empty", vars, state, out, depth);
            } else if (items.size() == 1) {
                out += items[0];
            } else {
                for (size_t k = 0; k + 1 < items.size(); ++k) {
                    if (k > 0) deriveNonterminal("list_separator", vars, state, out, depth);
                    out += items[k];
                }
                deriveNonterminal("list_last_separator", vars, state, out, depth);
                out += items.back();
            }
            break;
        }
        }
    }

    std::unordered_map<std::string, Symbols> cache;
};

AlfworldText::AlfworldText(const AlfworldGrammar& grammar, const PddlTask& task,
                           const AlfworldNames& names, const std::string& source)
    : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.task = &task;
    m.names = &names;
    m.names_ = &names;
    m.source = source;
    for (const auto& [name, alternatives] : grammar.symbols()) {
        std::vector<Rule>& rules = m.rules[name];
        for (const AlfworldGrammarRule& r : alternatives) {
            Rule rule;
            rule.rhs = m.parseSymbols(r.rhs);
            if (!r.condition.empty()) {
                rule.hasCondition = true;
                rule.condition = m.parseQuery(r.condition);
            }
            rules.push_back(std::move(rule));
        }
    }
    for (const AlfworldCommandTemplate& c : grammar.commands()) {
        m.cache.emplace(c.commandTemplate, m.parseSymbols(c.commandTemplate));
        m.cache.emplace(c.feedback, m.parseSymbols(c.feedback));
    }
    m.cache.emplace("#intro#", m.parseSymbols("#intro#"));
}

AlfworldText::~AlfworldText() = default;
AlfworldText::AlfworldText(AlfworldText&&) noexcept = default;
AlfworldText& AlfworldText::operator=(AlfworldText&&) noexcept = default;

std::string AlfworldText::derive(std::string_view templ, const AlfworldBindings& vars,
                                 const PddlState& state) const {
    const Impl& m = *impl_;
    std::string out;
    const auto it = m.cache.find(std::string(templ));
    if (it != m.cache.end()) {
        m.derive(it->second, vars, state, out, 0);
    } else {
        const Symbols syms = m.parseSymbols(templ);
        m.derive(syms, vars, state, out, 0);
    }
    return out;
}

} // namespace mobi
