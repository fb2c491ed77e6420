#include "env/AlfworldGrammar.h"

#include "core/Error.h"
#include "util/Json.h"

#include <cctype>

namespace mobi {

namespace {

class Scanner {
  public:
    Scanner(const std::string& text, const std::string& source) : t_(text), source_(source) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw FormatError(source_, "line " + std::to_string(line_) + ": " + what);
    }

    void advance(size_t n) {
        for (size_t i = 0; i < n && pos_ < t_.size(); ++i, ++pos_)
            if (t_[pos_] == '\n') ++line_;
    }

    // Skips whitespace; false at end.
    bool skip() {
        while (pos_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[pos_])))
            advance(1);
        return pos_ < t_.size();
    }

    bool peek(const char* s) {
        skip();
        return t_.compare(pos_, std::char_traits<char>::length(s), s) == 0;
    }

    void expect(const char* s) {
        if (!peek(s)) fail(std::string("expected '") + s + "'");
        advance(std::char_traits<char>::length(s));
    }

    std::string word() {
        skip();
        const size_t start = pos_;
        while (pos_ < t_.size() &&
               (std::isalnum(static_cast<unsigned char>(t_[pos_])) || t_[pos_] == '_'))
            ++pos_;
        if (pos_ == start) fail("expected a name");
        return t_.substr(start, pos_ - start);
    }

    // `"..."` (verbatim, may span lines) or `"""..."""`; sets isTriple.
    std::string value(bool& isTriple, int& startLine) {
        skip();
        startLine = line_;
        isTriple = t_.compare(pos_, 3, "\"\"\"") == 0;
        const std::string close = isTriple ? "\"\"\"" : "\"";
        if (!isTriple && (pos_ >= t_.size() || t_[pos_] != '"')) fail("expected a quoted value");
        advance(close.size());
        const size_t end = t_.find(close, pos_);
        if (end == std::string::npos)
            fail(std::string("value opened on line ") + std::to_string(startLine) +
                 " is never closed");
        std::string v = t_.substr(pos_, end - pos_);
        advance(end - pos_ + close.size());
        return v;
    }

    int line() const { return line_; }

  private:
    const std::string& t_;
    const std::string& source_;
    size_t pos_ = 0;
    int line_ = 1;
};

void addSymbols(std::map<std::string, std::vector<AlfworldGrammarRule>>& out,
                const std::string& json, int line, const std::string& source) {
    const std::string where = source + " (grammar block at line " + std::to_string(line) + ")";
    const Json g = Json::parse(json, where);
    if (!g.isObject()) throw FormatError(where, "a grammar block must be a JSON object of symbols");
    for (const auto& [symbol, rules] : g.asObject()) {
        if (!rules.isArray())
            throw FormatError(where, "symbol \"" + symbol + "\" must map to an array of rules");
        if (out.count(symbol)) throw FormatError(where, "symbol \"" + symbol + "\" defined twice");
        std::vector<AlfworldGrammarRule> list;
        for (const Json& r : rules.asArray()) {
            const Json* rhs = r.isObject() ? r.find("rhs") : nullptr;
            if (!rhs || !rhs->isString())
                throw FormatError(where,
                                  "symbol \"" + symbol + "\": every rule needs a string \"rhs\"");
            const Json* cond = r.find("condition");
            if (cond && !cond->isString())
                throw FormatError(where,
                                  "symbol \"" + symbol + "\": \"condition\" must be a string");
            list.push_back({rhs->asString(), cond ? cond->asString() : std::string()});
        }
        out[symbol] = std::move(list);
    }
}

} // namespace

AlfworldGrammar AlfworldGrammar::parse(const std::string& text, const std::string& source) {
    AlfworldGrammar g;
    Scanner s(text, source);
    bool triple = false;
    int line = 0;
    while (s.skip()) {
        const std::string kw = s.word();
        if (kw == "grammar") {
            s.expect("::");
            const std::string v = s.value(triple, line);
            if (!triple) s.fail("a grammar block must be a \"\"\"...\"\"\" value");
            addSymbols(g.symbols_, v, line, source);
            s.expect(";");
        } else if (kw == "action") {
            AlfworldCommandTemplate c;
            c.line = s.line();
            c.action = s.word();
            s.expect("{");
            while (!s.peek("}")) {
                const std::string key = s.word();
                s.expect("::");
                const std::string v = s.value(triple, line);
                if (key == "template")
                    c.commandTemplate = v;
                else if (key == "feedback")
                    c.feedback = v;
                else if (key == "grammar")
                    addSymbols(g.symbols_, v, line, source);
                else
                    s.fail("unknown key '" + key + "' in action " + c.action);
                s.expect(";");
            }
            s.expect("}");
            if (g.command(c.action)) s.fail("action '" + c.action + "' defined twice");
            g.commands_.push_back(std::move(c));
        } else {
            s.fail("expected 'grammar' or 'action', found '" + kw + "'");
        }
    }
    if (!g.symbols_.count("task") || g.symbols_.at("task").empty())
        throw FormatError(source, "no \"task\" symbol");
    return g;
}

const AlfworldCommandTemplate* AlfworldGrammar::command(const std::string& action) const {
    for (const AlfworldCommandTemplate& c : commands_)
        if (c.action == action) return &c;
    return nullptr;
}

std::vector<std::string> AlfworldGrammar::templates(const std::string& symbol) const {
    std::vector<std::string> out;
    const auto it = symbols_.find(symbol);
    if (it != symbols_.end())
        for (const AlfworldGrammarRule& r : it->second)
            out.push_back(r.rhs);
    return out;
}

} // namespace mobi
