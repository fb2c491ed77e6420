#include "env/AlfworldGame.h"

#include "core/Error.h"
#include "util/Json.h"

#include <fstream>
#include <sstream>

namespace mobi {

namespace {

const Json& require(const Json& obj, const char* key, Json::Type type, const char* typeName,
                    const std::string& source) {
    const Json* v = obj.find(key);
    if (!v) throw FormatError(source, std::string("missing key \"") + key + "\"");
    if (v->type() != type)
        throw FormatError(source, std::string("key \"") + key + "\" must be " + typeName);
    return *v;
}

// The grammar value is TextWorld logic text: `grammar :: """ {JSON} """; ...`.
// The JSON object maps symbols to [{"rhs": ..., "condition": ...}, ...].
std::map<std::string, std::vector<AlfworldGrammarRule>> parseGrammar(const std::string& text,
                                                                     const std::string& source) {
    const std::string where = source + " [grammar]";
    const std::string open = "\"\"\"";
    size_t begin = text.find(open);
    if (text.rfind("grammar", 0) != 0 || begin == std::string::npos)
        throw FormatError(where, "expected 'grammar :: \"\"\"{...}\"\"\"'");
    begin += open.size();
    const size_t end = text.find(open, begin);
    if (end == std::string::npos)
        throw FormatError(where, "grammar block is not closed with \"\"\"");
    const Json g = Json::parse(std::string_view(text).substr(begin, end - begin), where);
    if (!g.isObject()) throw FormatError(where, "grammar must be a JSON object of symbols");
    std::map<std::string, std::vector<AlfworldGrammarRule>> out;
    for (const auto& [symbol, rules] : g.asObject()) {
        if (!rules.isArray())
            throw FormatError(where, "symbol \"" + symbol + "\" must map to an array of rules");
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
    return out;
}

} // namespace

AlfworldGame AlfworldGame::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw FormatError(path, "read error");
    return parse(ss.str(), path);
}

AlfworldGame AlfworldGame::parse(const std::string& text, const std::string& source) {
    const Json root = Json::parse(text, source);
    if (!root.isObject()) throw FormatError(source, "expected a JSON object at top level");
    AlfworldGame g;
    g.source_ = source;
    const std::string& dom =
        require(root, "pddl_domain", Json::Type::String, "a string", source).asString();
    const std::string& prob =
        require(root, "pddl_problem", Json::Type::String, "a string", source).asString();
    const std::string& gram =
        require(root, "grammar", Json::Type::String, "a string", source).asString();
    const Json& walk =
        require(root, "walkthrough", Json::Type::Array, "an array of strings", source);
    g.solvable_ = require(root, "solvable", Json::Type::Bool, "true or false", source).asBool();
    for (const Json& w : walk.asArray()) {
        if (!w.isString())
            throw FormatError(source, "key \"walkthrough\" must be an array of strings");
        g.walkthrough_.push_back(w.asString());
    }
    g.domain_ = PddlParser::parseDomain(dom, source + " [pddl_domain]");
    g.problem_ = PddlParser::parseProblem(prob, g.domain_, source + " [pddl_problem]");
    g.grammar_ = parseGrammar(gram, source);
    const auto task = g.grammar_.find("task");
    if (task == g.grammar_.end() || task->second.empty())
        throw FormatError(source + " [grammar]", "no \"task\" symbol");
    g.task_ = task->second.front().rhs;
    for (const PddlTypedName& o : g.problem_.objects)
        g.byType_[o.type].push_back(o.name);
    return g;
}

std::vector<std::string> AlfworldGame::templates(const std::string& symbol) const {
    std::vector<std::string> out;
    const auto it = grammar_.find(symbol);
    if (it != grammar_.end())
        for (const AlfworldGrammarRule& r : it->second)
            out.push_back(r.rhs);
    return out;
}

} // namespace mobi
