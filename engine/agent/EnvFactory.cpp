#include "agent/EnvFactory.h"

#include "core/Error.h"
#include "env/AlfworldEnv.h"
#include "env/AlfworldExpert.h"
#include "env/HouseholdGenerator.h"
#include "env/WebshopSuite.h"

#include <algorithm>
#include <filesystem>

namespace mobi {

namespace fs = std::filesystem;

namespace {

const char* const kWhere = "environment spec";

std::string needString(const Json& spec, const char* key) {
    const Json* v = spec.find(key);
    if (!v || !v->isString() || v->asString().empty())
        throw FormatError(kWhere, std::string("missing \"") + key + "\"");
    return v->asString();
}

uint64_t needIndex(const Json& spec, const char* key) {
    const Json* v = spec.find(key);
    const std::optional<int64_t> n = v ? v->asInteger() : std::nullopt;
    if (!n || *n < 0)
        throw FormatError(kWhere, std::string("\"") + key + "\" must be a whole number >= 0");
    return uint64_t(*n);
}

int maxStepsOf(const Json& spec, int def) {
    const Json* v = spec.find("max_steps");
    if (!v) return def;
    if (!v->isNumber() || v->asNumber() < 1 || v->asNumber() > 100000)
        throw FormatError(kWhere, "\"max_steps\" must be 1..100000");
    return int(v->asNumber());
}

} // namespace

EnvFactory::EnvFactory() = default;
EnvFactory::~EnvFactory() = default;

std::vector<std::string> EnvFactory::findGames(const std::string& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return {path};
    if (!fs::is_directory(path, ec)) throw EngineError(path, "no such game file or directory");
    std::vector<std::string> out;
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec) && it->path().filename() == "game.tw-pddl")
            out.push_back(it->path().string());
    std::sort(out.begin(), out.end());
    if (out.empty()) throw EngineError(path, "no game.tw-pddl files under this directory");
    return out;
}

const WebshopSuite& EnvFactory::webshop(const std::string& dir) {
    auto& slot = webshop_[dir];
    if (!slot) slot = std::make_unique<WebshopSuite>(WebshopSuite::load(dir));
    return *slot;
}

const HouseholdGenerator& EnvFactory::household(const std::string& templatePath) {
    auto& slot = household_[templatePath];
    if (!slot) slot = std::make_unique<HouseholdGenerator>(templatePath);
    return *slot;
}

size_t EnvFactory::available(const EnvRunOptions& o) {
    if (o.kind == "alfworld") {
        const std::string where = o.games.empty() ? o.dataDir + "/alfworld/valid_seen" : o.games;
        auto& list = games_[where];
        if (list.empty()) list = findGames(where);
        return list.size();
    }
    if (o.kind == "household") return 0;
    if (o.kind == "webshop") return webshop(o.dataDir + "/webshop").goals.size();
    throw EngineError("--env", "unknown environment '" + o.kind +
                                   "' (expected alfworld, household or webshop)");
}

std::vector<Json> EnvFactory::specs(const EnvRunOptions& o, uint64_t start, size_t count) {
    std::vector<Json> out;
    const size_t n = available(o);
    for (size_t i = 0; i < count; ++i) {
        Json j(Json::Object{});
        j.set("env", o.kind);
        if (o.kind == "alfworld") {
            const std::string where =
                o.games.empty() ? o.dataDir + "/alfworld/valid_seen" : o.games;
            j.set("game", games_[where][size_t((start + i) % n)]);
        } else if (o.kind == "household") {
            j.set("seed", double(start + i));
            j.set("template", o.templatePath.empty()
                                  ? HouseholdGenerator::defaultTemplatePath(o.dataDir)
                                  : o.templatePath);
        } else {
            if (n == 0) throw EngineError(o.dataDir + "/webshop", "no playable goals");
            j.set("data", o.dataDir + "/webshop");
            j.set("goal", double((start + i) % n));
        }
        if (o.maxSteps > 0) j.set("max_steps", o.maxSteps);
        out.push_back(std::move(j));
    }
    return out;
}

std::unique_ptr<Environment> EnvFactory::create(const Json& spec) {
    if (!spec.isObject()) throw FormatError(kWhere, "not a JSON object");
    const std::string kind = needString(spec, "env");
    if (kind == "alfworld") {
        auto game =
            std::make_shared<const AlfworldGame>(AlfworldGame::load(needString(spec, "game")));
        auto env =
            std::make_unique<AlfworldEnv>(game, maxStepsOf(spec, AlfworldEnv::kDefaultMaxSteps));
        AlfworldExpert::install(*env); // takes over when the player leaves the walkthrough
        return env;
    }
    if (kind == "household") {
        const uint64_t seed = needIndex(spec, "seed");
        auto game = std::make_shared<const AlfworldGame>(
            household(needString(spec, "template")).game(seed));
        auto env =
            std::make_unique<AlfworldEnv>(game, maxStepsOf(spec, AlfworldEnv::kDefaultMaxSteps));
        AlfworldExpert::install(*env);
        env->setKind("household");
        return env;
    }
    if (kind == "webshop") {
        const WebshopSuite& s = webshop(needString(spec, "data"));
        const uint64_t goal = needIndex(spec, "goal");
        if (goal >= s.goals.size())
            throw FormatError(kWhere, "goal " + std::to_string(goal) + " of " +
                                          std::to_string(s.goals.size()));
        return s.makeEnv(size_t(goal), maxStepsOf(spec, WebshopEnv::kDefaultMaxSteps));
    }
    throw FormatError(kWhere, "unknown environment \"" + kind + "\"");
}

} // namespace mobi
