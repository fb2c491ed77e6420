#include "env/AlfworldNames.h"

#include <algorithm>
#include <map>

namespace mobi {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// The display name of an id that has "_bar_": the part before it, plus
// "basin" when the id holds "basin" ("sink_bar_..._bar_sinkbasin").
std::string baseName(const std::string& id) {
    const size_t bar = id.find("_bar_");
    std::string name = id.substr(0, bar);
    if (id.find("basin") != std::string::npos) name += "basin";
    return name;
}

} // namespace

AlfworldNames::AlfworldNames(const PddlTask& task) {
    const int n = task.objectCount();
    names_.resize(n);
    ids_.resize(n);
    rank_.assign(n, 0);
    std::vector<char> inFacts(n, 0);
    for (const PddlFact& f : task.initAtoms())
        for (int i = 0; i < task.predicateArity(f.predicate); ++i)
            inFacts[f.args[i]] = 1;
    std::vector<int> order(n);
    for (int o = 0; o < n; ++o) {
        ids_[o] = lower(task.objectName(o));
        names_[o] = ids_[o];
        order[o] = o;
    }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return ids_[a] < ids_[b]; });
    for (int i = 0; i < n; ++i)
        rank_[order[i]] = i;
    // Instances per name among the entities (objects in some :init fact).
    std::map<std::string, int> count;
    for (int o : order)
        if (inFacts[o] && ids_[o].find("_bar_") != std::string::npos) ++count[baseName(ids_[o])];
    // The first id in sorted order takes the highest number.
    for (int o : order) {
        if (!inFacts[o]) continue;
        if (ids_[o].find("_bar_") == std::string::npos) {
            names_[o] = ids_[o] + " ";
            continue;
        }
        const std::string base = baseName(ids_[o]);
        names_[o] = base + " " + std::to_string(count[base]--);
    }
    for (int o = 0; o < n; ++o)
        byName_.emplace(names_[o], o);
}

int AlfworldNames::object(std::string_view name) const {
    const auto it = byName_.find(std::string(name));
    return it == byName_.end() ? -1 : it->second;
}

} // namespace mobi
