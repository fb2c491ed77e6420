// Everything needed to play WebShop from shared/data/webshop: the catalogue
// (documents_100.jsonl), the synthetic goals of the products in it
// (items_ins_v2_1000.json), the human goals stored with products, and the
// search queries of goal_query_map.json attached to the goals they match.
#pragma once

#include "env/WebshopCatalog.h"
#include "env/WebshopEnv.h"
#include "env/WebshopGoal.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mobi {

struct WebshopSuite {
    std::shared_ptr<const WebshopCatalog> catalog;
    std::vector<WebshopGoal> goals;      // synthetic goals: the playable episodes
    std::vector<WebshopGoal> humanGoals; // human goals of catalogue products
    size_t instructionProducts = 0;      // products with an instruction in the attribute file

    // `dir` holds the three files; the query map is optional. Throws
    // FormatError for a missing or malformed file or an empty catalogue.
    static WebshopSuite load(const std::string& dir, uint64_t seed = 0);

    // An environment for goals[goalIndex]; throws EngineError when out of range.
    std::unique_ptr<WebshopEnv> makeEnv(size_t goalIndex,
                                        int maxSteps = WebshopEnv::kDefaultMaxSteps) const;
};

} // namespace mobi
