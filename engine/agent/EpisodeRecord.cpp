#include "agent/EpisodeRecord.h"

#include "core/Error.h"

namespace mobi {

namespace {

Json stringArray(const std::vector<std::string>& v) {
    Json a(Json::Array{});
    for (const std::string& s : v)
        a.push(s);
    return a;
}

Json numberArray(const std::vector<double>& v) {
    Json a(Json::Array{});
    for (double x : v)
        a.push(x);
    return a;
}

[[noreturn]] void bad(const std::string& source, int line, const std::string& what) {
    throw FormatError(source, "line " + std::to_string(line) + ": " + what);
}

const Json& need(const Json& j, const char* key, Json::Type type, const std::string& source,
                 int line) {
    const Json* v = j.find(key);
    if (!v) bad(source, line, std::string("missing \"") + key + "\"");
    if (v->type() != type) bad(source, line, std::string("\"") + key + "\" has the wrong type");
    return *v;
}

// A whole number in [0, 2^31) stored under key; `def` when absent and def >= 0.
int count(const Json& j, const char* key, int def, const std::string& source, int line) {
    const Json* v = j.find(key);
    if (!v) {
        if (def < 0) bad(source, line, std::string("missing \"") + key + "\"");
        return def;
    }
    const std::optional<int64_t> n = v->asInteger();
    if (!n || *n < 0 || *n > 0x7fffffff)
        bad(source, line, std::string("\"") + key + "\" is not a count");
    return int(*n);
}

std::vector<std::string> strings(const Json& j, const char* key, const std::string& source,
                                 int line) {
    std::vector<std::string> out;
    for (const Json& s : need(j, key, Json::Type::Array, source, line).asArray()) {
        if (!s.isString()) bad(source, line, std::string("\"") + key + "\" holds a non-string");
        out.push_back(s.asString());
    }
    return out;
}

std::vector<double> numbers(const Json& j, const char* key, const std::string& source, int line) {
    std::vector<double> out;
    const Json* v = j.find(key);
    if (!v) return out;
    if (!v->isArray()) bad(source, line, std::string("\"") + key + "\" is not an array");
    for (const Json& x : v->asArray()) {
        if (!x.isNumber()) bad(source, line, std::string("\"") + key + "\" holds a non-number");
        out.push_back(x.asNumber());
    }
    return out;
}

} // namespace

Json EpisodeStep::toJson(int episode) const {
    Json j(Json::Object{});
    j.set("type", "step");
    j.set("episode", episode);
    j.set("step", index);
    j.set("admissible", stringArray(admissible));
    j.set("command", command);
    if (!distribution.empty()) j.set("distribution", numberArray(distribution));
    if (!scores.empty()) j.set("scores", numberArray(scores));
    if (!generated.empty()) j.set("generated", generated);
    j.set("observation", observation);
    j.set("reward", reward);
    j.set("done", done);
    j.set("won", won);
    j.set("decide_ms", decideMs);
    j.set("step_ms", stepMs);
    j.set("tokens", tokens);
    if (!note.empty()) j.set("note", note);
    return j;
}

EpisodeStep EpisodeStep::fromJson(const Json& j, const std::string& source, int line) {
    EpisodeStep s;
    s.index = count(j, "step", -1, source, line);
    s.admissible = strings(j, "admissible", source, line);
    s.command = need(j, "command", Json::Type::String, source, line).asString();
    s.distribution = numbers(j, "distribution", source, line);
    s.scores = numbers(j, "scores", source, line);
    if (!s.distribution.empty() && s.distribution.size() != s.admissible.size())
        bad(source, line, "the distribution and the admissible commands differ in length");
    s.generated = j.string("generated", "");
    s.observation = need(j, "observation", Json::Type::String, source, line).asString();
    s.reward = need(j, "reward", Json::Type::Number, source, line).asNumber();
    s.done = need(j, "done", Json::Type::Bool, source, line).asBool();
    s.won = j.boolean("won", false);
    s.decideMs = j.number("decide_ms", 0);
    s.stepMs = j.number("step_ms", 0);
    s.tokens = count(j, "tokens", 0, source, line);
    s.note = j.string("note", "");
    return s;
}

Json EpisodeRecord::headerJson(int episode) const {
    Json j(Json::Object{});
    j.set("type", "episode");
    j.set("episode", episode);
    j.set("env", envSpec);
    j.set("kind", kind);
    j.set("id", episodeId);
    j.set("task", task);
    j.set("policy", policy);
    j.set("policy_info", policyInfo.isNull() ? Json(Json::Object{}) : policyInfo);
    j.set("observation", firstObservation);
    j.set("admissible", stringArray(firstAdmissible));
    return j;
}

Json EpisodeRecord::endJson(int episode) const {
    Json j(Json::Object{});
    j.set("type", "end");
    j.set("episode", episode);
    j.set("steps", int(steps.size()));
    j.set("reward", totalReward);
    j.set("done", done);
    j.set("won", won);
    j.set("stop", stopReason);
    return j;
}

} // namespace mobi
