// WebShop's purchase reward (goal.py get_reward, the WebShop paper's eq. 1):
//   r = r_type * (attribute matches + option matches + [price <= bound])
//               / (|goal attributes| + |goal options| + 1)
// r_type (get_type_reward): 1 when the purchased product's query equals the
// goal's, or at least two product-category levels are shared, or more than
// 0.2 of the goal name's nouns are in the purchased name; else 0.5; then 0.1
// when that noun share is below 0.1 and 0 when it is 0 (0.2 assumed when the
// goal name has no nouns). Nouns come from WebshopText::nameNouns (no spaCy).
// Attributes (get_attribute_reward): a goal attribute matches when some
// product attribute has token_set_ratio > 85 with it, or it occurs in the
// lowercased title, bullet points or description.
// Options (get_option_reward): colours normalized; each chosen option matches
// when its name is "size" and its value equals a goal option value, or
// (other names) some goal value has token_set_ratio > 85 with it; an
// unmatched chosen value still counts when it occurs in the lowercased title,
// bullet points or description.
#pragma once

#include "env/WebshopGoal.h"
#include "env/WebshopProduct.h"

#include <string>
#include <utility>
#include <vector>

namespace mobi {

struct WebshopRewardParts {
    double total = 0;
    double rType = 0;
    bool queryMatch = false;
    bool categoryMatch = false;
    double titleScore = 0;
    int attributeMatches = 0;
    int optionMatches = 0;
    bool priceOk = false;
};

class WebshopReward {
  public:
    // `options`: the chosen options, option name -> value, in click order.
    static WebshopRewardParts
    compute(const WebshopProduct& purchased, const WebshopGoal& goal, double price,
            const std::vector<std::pair<std::string, std::string>>& options);
    static double typeReward(const WebshopProduct& purchased, const WebshopGoal& goal,
                             WebshopRewardParts* parts = nullptr);
    static int attributeMatches(const WebshopProduct& purchased, const WebshopGoal& goal);
    static int optionMatches(const WebshopProduct& purchased, const WebshopGoal& goal,
                             const std::vector<std::pair<std::string, std::string>>& options);
};

} // namespace mobi
