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
    g.grammar_ = AlfworldGrammar::parse(gram, source + " [grammar]");
    g.task_ = g.grammar_.symbols().at("task").front().rhs;
    for (const PddlTypedName& o : g.problem_.objects)
        g.byType_[o.type].push_back(o.name);
    return g;
}

AlfworldGame AlfworldGame::make(std::string source, PddlDomain domain, PddlProblem problem,
                                AlfworldGrammar grammar, std::vector<std::string> walkthrough,
                                bool solvable) {
    const auto task = grammar.symbols().find("task");
    if (task == grammar.symbols().end() || task->second.empty())
        throw FormatError(source, "no \"task\" symbol in the grammar");
    AlfworldGame g;
    g.source_ = std::move(source);
    g.domain_ = std::move(domain);
    g.problem_ = std::move(problem);
    g.grammar_ = std::move(grammar);
    g.walkthrough_ = std::move(walkthrough);
    g.solvable_ = solvable;
    g.task_ = task->second.front().rhs;
    for (const PddlTypedName& o : g.problem_.objects)
        g.byType_[o.type].push_back(o.name);
    return g;
}

} // namespace mobi
