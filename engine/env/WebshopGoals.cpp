#include "env/WebshopGoals.h"

#include "core/Error.h"
#include "env/WebshopText.h"
#include "util/Json.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

namespace mobi {

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open the file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// goal.py's price bound for one product (see the header).
std::pair<double, std::string> priceBound(double price, std::mt19937_64& rng) {
    std::vector<double> range;
    for (int i = 1; i < 100 && range.size() < 4; ++i)
        if (10.0 * i > price) range.push_back(10.0 * i);
    if (range.size() < 2) return {1000000.0, ""};
    const size_t a = rng() % range.size();
    size_t b = rng() % (range.size() - 1);
    if (b >= a) ++b;
    const double upper = std::max(range[a], range[b]);
    char buf[64];
    std::snprintf(buf, sizeof buf, ", and price lower than %.2f dollars", upper);
    return {upper, buf};
}

std::vector<std::string> strings(const Json& v, const std::string& source,
                                 const std::string& what) {
    std::vector<std::string> out;
    if (v.isNull()) return out;
    if (!v.isArray()) throw FormatError(source, what + " is not a list");
    for (const Json& e : v.asArray()) {
        if (!e.isString()) throw FormatError(source, what + " holds a non-string");
        out.push_back(e.asString());
    }
    return out;
}

std::string keyOf(std::string s) {
    const size_t p = s.find(", and price lower than");
    if (p != std::string::npos) s.resize(p);
    s = WebshopText::lower(s);
    const size_t b = s.find_first_not_of(" \t\r\n.");
    if (b == std::string::npos) return {};
    const size_t e = s.find_last_not_of(" \t\r\n.");
    return s.substr(b, e - b + 1);
}

} // namespace

std::vector<WebshopGoal> WebshopGoals::synthetic(const WebshopCatalog& catalog,
                                                 const std::string& attributeFile, uint64_t seed) {
    return syntheticFromJson(catalog, readFile(attributeFile), attributeFile, seed);
}

std::vector<WebshopGoal> WebshopGoals::syntheticFromJson(const WebshopCatalog& catalog,
                                                         const std::string& json,
                                                         const std::string& source, uint64_t seed) {
    const Json root = Json::parse(json, source);
    if (!root.isObject())
        throw FormatError(source, "attribute file is not an object (asin -> ...)");
    std::mt19937_64 rng(seed);
    std::vector<WebshopGoal> goals;
    for (const WebshopProduct& p : catalog.products()) {
        const Json* entry = root.find(p.asin);
        if (!entry) continue;
        if (!entry->isObject()) throw FormatError(source, p.asin + ": entry is not an object");
        const Json* ins = entry->find("instruction");
        if (!ins || ins->isNull()) continue;
        if (!ins->isString()) throw FormatError(source, p.asin + ": instruction is not a string");
        const Json* ia = entry->find("instruction_attributes");
        const std::vector<std::string> attrs =
            ia ? strings(*ia, source, p.asin + ": instruction_attributes")
               : std::vector<std::string>{};
        if (attrs.empty()) continue; // goal.py asserts these exist
        const auto [upper, priceText] = priceBound(p.price, rng);

        std::vector<std::pair<std::string, std::vector<std::string>>> opts = p.options;
        std::stable_sort(opts.begin(), opts.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        // itertools.product over the sorted option names (last name fastest).
        size_t combos = 1;
        for (const auto& o : opts)
            combos *= o.second.size();
        for (size_t c = 0; c < combos; ++c) {
            std::vector<size_t> idx(opts.size(), 0);
            size_t rest = c;
            for (size_t i = opts.size(); i-- > 0;) {
                idx[i] = rest % opts[i].second.size();
                rest /= opts[i].second.size();
            }
            WebshopGoal g;
            g.asin = p.asin;
            g.category = p.category;
            g.query = p.query;
            g.name = p.title;
            g.productCategory = p.productCategory;
            g.attributes = attrs;
            g.priceUpper = upper;
            std::string optionText;
            for (size_t i = 0; i < opts.size(); ++i) {
                g.goalOptions.emplace_back(opts[i].first, opts[i].second[idx[i]]);
                optionText += (i ? ", and " : "") + opts[i].first + ": " + opts[i].second[idx[i]];
            }
            g.instructionText =
                ins->asString() + (optionText.empty() ? "" : " with " + optionText) + priceText;
            goals.push_back(std::move(g));
        }
    }
    return goals;
}

std::vector<WebshopGoal> WebshopGoals::human(const WebshopCatalog& catalog, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<WebshopGoal> goals;
    for (const WebshopProduct& p : catalog.products()) {
        for (const auto& hi : p.humanInstructions) {
            if (hi.attributes.empty()) continue;
            const auto [upper, priceText] = priceBound(p.price, rng);
            WebshopGoal g;
            g.asin = p.asin;
            g.category = p.category;
            g.query = p.query;
            g.name = p.name;
            g.productCategory = p.productCategory;
            std::string text = hi.instruction;
            while (!text.empty() && text.front() == '.')
                text.erase(text.begin());
            while (!text.empty() && text.back() == '.')
                text.pop_back();
            g.instructionText = text + priceText;
            g.attributes = hi.attributes;
            g.priceUpper = upper;
            for (const std::string& o : hi.options)
                g.goalOptions.emplace_back(std::string(), o);
            g.human = true;
            goals.push_back(std::move(g));
        }
    }
    return goals;
}

std::map<std::string, std::vector<std::string>>
WebshopGoals::loadQueryMap(const std::string& path) {
    const Json root = Json::parse(readFile(path), path);
    if (!root.isObject())
        throw FormatError(path, "query map is not an object (instruction -> queries)");
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [k, v] : root.asObject())
        out[keyOf(k)] = strings(v, path, "queries of \"" + k + "\"");
    return out;
}

size_t
WebshopGoals::attachQueries(std::vector<WebshopGoal>& goals,
                            const std::map<std::string, std::vector<std::string>>& queryMap) {
    size_t n = 0;
    for (WebshopGoal& g : goals) {
        const auto it = queryMap.find(keyOf(g.instructionText));
        if (it == queryMap.end() || it->second.empty()) continue;
        g.queries = it->second;
        ++n;
    }
    return n;
}

size_t WebshopGoals::instructionCount(const std::string& attributeFile) {
    const Json root = Json::parse(readFile(attributeFile), attributeFile);
    if (!root.isObject()) throw FormatError(attributeFile, "attribute file is not an object");
    size_t n = 0;
    for (const auto& [k, v] : root.asObject()) {
        const Json* ins = v.isObject() ? v.find("instruction") : nullptr;
        if (ins && ins->isString()) ++n;
    }
    return n;
}

} // namespace mobi
