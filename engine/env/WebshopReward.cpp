#include "env/WebshopReward.h"

#include "env/WebshopText.h"

#include <algorithm>
#include <set>

namespace mobi {

namespace {

std::vector<std::string> categoryLevels(const std::string& pc) {
    // Split on " › " (U+203A), each level trimmed.
    std::vector<std::string> out;
    const std::string sep = "\xE2\x80\xBA";
    size_t pos = 0;
    while (true) {
        const size_t next = pc.find(sep, pos);
        std::string part = pc.substr(pos, next == std::string::npos ? next : next - pos);
        const size_t b = part.find_first_not_of(" \t\r\n");
        const size_t e = part.find_last_not_of(" \t\r\n");
        out.push_back(b == std::string::npos ? std::string() : part.substr(b, e - b + 1));
        if (next == std::string::npos) break;
        pos = next + sep.size();
    }
    return out;
}

bool inProductText(const WebshopProduct& p, const std::string& needle) {
    if (WebshopText::lower(p.title).find(needle) != std::string::npos) return true;
    std::string bullets;
    for (size_t i = 0; i < p.bulletPoints.size(); ++i)
        bullets += (i ? " " : "") + p.bulletPoints[i];
    if (WebshopText::lower(bullets).find(needle) != std::string::npos) return true;
    return WebshopText::lower(p.description).find(needle) != std::string::npos;
}

} // namespace

double WebshopReward::typeReward(const WebshopProduct& purchased, const WebshopGoal& goal,
                                 WebshopRewardParts* parts) {
    const bool queryMatch = purchased.query == goal.query;
    const std::vector<std::string> pc = categoryLevels(purchased.productCategory);
    const std::vector<std::string> gc = categoryLevels(goal.productCategory);
    const std::set<std::string> pcs(pc.begin(), pc.end());
    const std::set<std::string> gcs(gc.begin(), gc.end());
    size_t shared = 0;
    for (const std::string& c : gcs)
        shared += pcs.count(c);
    const bool categoryMatch = shared >= 2;

    const std::vector<std::string> pn = WebshopText::nameNouns(purchased.name);
    const std::vector<std::string> gn = WebshopText::nameNouns(goal.name);
    const std::set<std::string> pns(pn.begin(), pn.end());
    const std::set<std::string> gns(gn.begin(), gn.end());
    size_t common = 0;
    for (const std::string& w : gns)
        common += pns.count(w);
    // goal.py divides by the length of the desired list (duplicates included).
    const double titleScore = gn.empty() ? 0.2 : double(common) / double(gn.size());

    double r = 1.0;
    if (!(queryMatch || categoryMatch || titleScore > 0.2)) r = 0.5;
    if (titleScore < 0.1) r = 0.1;
    if (titleScore == 0.0) r = 0.0;
    if (parts) {
        parts->queryMatch = queryMatch;
        parts->categoryMatch = categoryMatch;
        parts->titleScore = titleScore;
        parts->rType = r;
    }
    return r;
}

int WebshopReward::attributeMatches(const WebshopProduct& purchased, const WebshopGoal& goal) {
    int n = 0;
    for (const std::string& g : goal.attributes) {
        bool matched = false;
        for (const std::string& p : purchased.attributes) {
            if (WebshopText::tokenSetRatio(p, g) > 85) {
                matched = true;
                break;
            }
        }
        if (!matched && inProductText(purchased, g)) matched = true;
        n += matched ? 1 : 0;
    }
    return n;
}

int WebshopReward::optionMatches(const WebshopProduct& purchased, const WebshopGoal& goal,
                                 const std::vector<std::pair<std::string, std::string>>& options) {
    std::vector<std::string> goalValues;
    for (const auto& [name, value] : goal.goalOptions)
        goalValues.push_back(WebshopText::normalizeColor(value));
    int n = 0;
    for (const auto& [name, rawValue] : options) {
        const std::string value = WebshopText::normalizeColor(rawValue);
        bool matched = false;
        if (WebshopText::lower(name) == "size") {
            matched = std::find(goalValues.begin(), goalValues.end(), value) != goalValues.end();
        } else {
            for (const std::string& g : goalValues) {
                if (WebshopText::tokenSetRatio(g, value) > 85) {
                    matched = true;
                    break;
                }
            }
        }
        if (!matched && inProductText(purchased, value)) matched = true;
        n += matched ? 1 : 0;
    }
    return n;
}

WebshopRewardParts
WebshopReward::compute(const WebshopProduct& purchased, const WebshopGoal& goal, double price,
                       const std::vector<std::pair<std::string, std::string>>& options) {
    WebshopRewardParts parts;
    typeReward(purchased, goal, &parts);
    parts.priceOk = goal.priceUpper > 0 ? price <= goal.priceUpper : false;
    parts.attributeMatches = attributeMatches(purchased, goal);
    parts.optionMatches = optionMatches(purchased, goal, options);
    const double denom = double(goal.attributes.size() + goal.goalOptions.size() + 1);
    parts.total = parts.rType *
                  (parts.attributeMatches + parts.optionMatches + (parts.priceOk ? 1 : 0)) / denom;
    return parts;
}

} // namespace mobi
