#include "route/RouterSet.h"

#include "core/Error.h"
#include "model/ModelConfig.h"
#include "quant/SliceConfig.h"
#include "route/LinearErrors.h"

namespace mobi {

const char* budgetAllocationName(BudgetAllocation a) {
    return a == BudgetAllocation::Global ? "global" : "layer";
}

const char* routeGranularityName(RouteGranularity g) {
    return g == RouteGranularity::Block ? "block" : "linear";
}

RouteGranularity parseRouteGranularity(const std::string& s, const std::string& where) {
    if (s == "block") return RouteGranularity::Block;
    if (s == "linear") return RouteGranularity::Linear;
    throw EngineError(where, "granularity must be block or linear, not '" + s + "'");
}

BudgetAllocation parseBudgetAllocation(const std::string& s, const std::string& where) {
    if (s == "global") return BudgetAllocation::Global;
    if (s == "layer") return BudgetAllocation::PerLayer;
    throw EngineError(where, "allocation must be global or layer, not '" + s + "'");
}

std::vector<float> RouterSet::thresholds(double bits, BudgetAllocation a,
                                         const std::string& where) const {
    std::vector<float> out(routers.size());
    for (size_t l = 0; l < routers.size(); ++l)
        out[l] = a == BudgetAllocation::Global ? global.threshold(bits, where)
                                               : perLayer[l].threshold(bits, where);
    return out;
}

void RouterSet::validate(const ModelConfig& c, const SliceConfig& s,
                         const std::string& where) const {
    const int K = s.levels();
    if (K < 2) throw FormatError(where, "routers need a sliced model with at least 2 levels");
    if (levels() != K)
        throw FormatError(where, "routers were calibrated for " + std::to_string(levels()) +
                                     " levels, the slices have " + std::to_string(K));
    for (int k = 1; k <= K; ++k)
        if (levelBits[size_t(k - 1)] != s.bitsForLevel(k))
            throw FormatError(where, "router level " + std::to_string(k) + " has " +
                                         std::to_string(levelBits[size_t(k - 1)]) +
                                         " bits, the slices give it " +
                                         std::to_string(s.bitsForLevel(k)));
    const int per = routersPerBlock();
    if (static_cast<int>(routers.size()) != c.nLayers * per)
        throw FormatError(where, "has " + std::to_string(routers.size()) + " routers for " +
                                     std::to_string(c.nLayers) + " blocks (" +
                                     routeGranularityName(granularity) + " routing needs " +
                                     std::to_string(c.nLayers * per) + ")");
    if (perLayer.size() != routers.size())
        throw FormatError(where, "has " + std::to_string(perLayer.size()) +
                                     " per-router budget tables for " +
                                     std::to_string(routers.size()) + " routers");
    const std::array<int, kLinearsPerBlock> widths = linearInputWidths(c);
    for (size_t l = 0; l < routers.size(); ++l) {
        const RouterMlp& r = routers[l];
        const int in = per == 1 ? c.dim : widths[l % kLinearsPerBlock];
        const std::string name = per == 1
                                     ? "router of block " + std::to_string(l)
                                     : "router of block " + std::to_string(l / kLinearsPerBlock) +
                                           " " + linearName(static_cast<int>(l % kLinearsPerBlock));
        try {
            r.validate(name);
        } catch (const EngineError& e) {
            throw FormatError(where, e.what());
        }
        if (r.in != in || r.out != K - 1)
            throw FormatError(where, name + " maps " + std::to_string(r.in) + " -> " +
                                         std::to_string(r.out) + ", the model needs " +
                                         std::to_string(in) + " -> " + std::to_string(K - 1));
        if (perLayer[l].levelBits() != levelBits)
            throw FormatError(where, "budget table of the " + name + " has other level bits");
    }
    if (global.levelBits() != levelBits)
        throw FormatError(where, "global budget table has other level bits");
}

} // namespace mobi
