#include "env/WebshopSuite.h"

#include "core/Error.h"
#include "env/WebshopGoals.h"

#include <filesystem>

namespace mobi {

WebshopSuite WebshopSuite::load(const std::string& dir, uint64_t seed) {
    WebshopSuite s;
    s.catalog = std::make_shared<const WebshopCatalog>(
        WebshopCatalog::load(dir + "/documents_100.jsonl", seed));
    const std::string attrs = dir + "/items_ins_v2_1000.json";
    s.goals = WebshopGoals::synthetic(*s.catalog, attrs, seed + 1);
    s.humanGoals = WebshopGoals::human(*s.catalog, seed + 2);
    s.instructionProducts = WebshopGoals::instructionCount(attrs);
    const std::string queries = dir + "/goal_query_map.json";
    if (std::filesystem::exists(queries)) {
        const auto map = WebshopGoals::loadQueryMap(queries);
        WebshopGoals::attachQueries(s.goals, map);
        WebshopGoals::attachQueries(s.humanGoals, map);
    }
    return s;
}

std::unique_ptr<WebshopEnv> WebshopSuite::makeEnv(size_t goalIndex, int maxSteps) const {
    if (goalIndex >= goals.size())
        throw EngineError("webshop", "goal " + std::to_string(goalIndex) + " out of range (" +
                                         std::to_string(goals.size()) + " goals)");
    return std::make_unique<WebshopEnv>(catalog, goals[goalIndex], goalIndex, maxSteps);
}

} // namespace mobi
