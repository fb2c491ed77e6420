// WebShop's goal lists (goal.py) over a catalogue.
//
// synthetic(): get_synthetic_goals — one goal per product that has an
// instruction in the attribute file (items_ins_v2_1000.json: asin ->
// {attributes, instruction, instruction_attributes}) and is in the catalogue,
// times every combination of its option values (option names sorted):
// "<instruction> with color: black, and size: small, and price lower than
// 30.00 dollars". Products of the attribute file missing from the catalogue
// give no goal (not playable).
// human(): get_human_goals — one goal per human instruction stored with a
// product ("instructions"), skipping those without instruction_attributes.
// The price bound follows goal.py: the prices 10, 20, ..., 990 above the
// product's price, the first four of them, two drawn without replacement and
// the larger kept; with fewer than two, no bound (1000000) and no price text.
// WebShop draws with Python's unseeded random; we use std::mt19937_64 seeded
// with `seed`, one draw pair per product in catalogue order. WebShop then
// shuffles its goals (random.seed(233)); we keep generation order, so a goal
// index here is not WebShop's session index.
#pragma once

#include "env/WebshopCatalog.h"
#include "env/WebshopGoal.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mobi {

class WebshopGoals {
  public:
    // Throws FormatError for an unreadable or malformed attribute file.
    static std::vector<WebshopGoal> synthetic(const WebshopCatalog& catalog,
                                              const std::string& attributeFile, uint64_t seed = 0);
    static std::vector<WebshopGoal> syntheticFromJson(const WebshopCatalog& catalog,
                                                      const std::string& json,
                                                      const std::string& source, uint64_t seed = 0);
    static std::vector<WebshopGoal> human(const WebshopCatalog& catalog, uint64_t seed = 0);

    // goal_query_map.json: instruction -> search queries. Throws FormatError.
    static std::map<std::string, std::vector<std::string>> loadQueryMap(const std::string& path);
    // Sets each goal's queries from the map (keys compared lower-cased and
    // trimmed, the goal's text without its price clause). Returns how many
    // goals got queries.
    static size_t attachQueries(std::vector<WebshopGoal>& goals,
                                const std::map<std::string, std::vector<std::string>>& queryMap);

    // The number of products in the attribute file that have an instruction
    // (playable or not), for reporting.
    static size_t instructionCount(const std::string& attributeFile);
};

} // namespace mobi
