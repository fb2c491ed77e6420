// One WebShop goal (goal.py): the product to buy, the instruction shown to
// the player and what the reward compares against.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mobi {

struct WebshopGoal {
    std::string asin;
    std::string category;
    std::string query;
    std::string name; // the goal product's title (synthetic goals) or name (human goals)
    std::string productCategory;
    std::string instructionText; // as the pages show it
    std::vector<std::string> attributes;
    double priceUpper = 1000000.0;
    // Synthetic goals name each option ("color" -> "black", sorted by name);
    // human goals give bare values (name empty).
    std::vector<std::pair<std::string, std::string>> goalOptions;
    bool human = false;
    // Search queries written for this instruction (goal_query_map.json), if any.
    std::vector<std::string> queries;
};

} // namespace mobi
