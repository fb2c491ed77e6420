#include "Precision.h"

#include "CliCommon.h"
#include "core/Error.h"
#include "model/Transformer.h"
#include "route/LinearErrors.h"
#include "route/RoutingStats.h"
#include "util/Json.h"

#include <cstdio>

namespace cli {

void addBudgetOptions(ArgParser& p) {
    p.option("budget", "B",
             "routed model: target average bits per weight (fractional, between the lowest and "
             "highest level's bits); the calibrated routers pick each token's level per block");
    p.option("allocation", "A",
             "how --budget is spread: global (one threshold, sensitive blocks get more bits) or "
             "layer (every block meets the budget)",
             "global");
}

void addActOption(ArgParser& p) {
    p.option("act", "MODE",
             "activations of a sliced model's kernels: float, or int8 (per-group int8, faster)");
}

Precision precisionOption(const ArgParser& p, const mobi::Model& m) {
    Precision pr;
    if (p.has("act")) {
        try {
            pr.act = mobi::parseSlicedKernelMode(p.get("act"), "--act");
        } catch (const mobi::EngineError& e) {
            throw UsageError(e.what());
        }
    }
    if (!p.has("budget")) {
        pr.level = levelOption(p, m);
        return pr;
    }
    if (p.has("level") || p.has("bits"))
        throw UsageError("give --budget or --level/--bits, not both");
    if (!m.sliced)
        throw UsageError("--budget: " + m.path +
                         " is not a sliced model (make one with `mobiscope-cli slice`, then "
                         "`mobiscope-cli route calibrate`)");
    if (!m.routers)
        throw UsageError("--budget: " + m.path +
                         " has no routers (calibrate them with `mobiscope-cli route calibrate`)");
    pr.budget = p.getDouble("budget", -1e9, 1e9);
    try {
        pr.allocation = mobi::parseBudgetAllocation(p.get("allocation"), "--allocation");
    } catch (const mobi::EngineError& e) {
        throw UsageError(e.problem());
    }
    if (pr.budget < m.routers->minBits() || pr.budget > m.routers->maxBits()) {
        char buf[200];
        std::snprintf(buf, sizeof buf,
                      "--budget %g is outside the levels of this model: %g..%g bits (levels: %s)",
                      pr.budget, m.routers->minBits(), m.routers->maxBits(),
                      availableLevels(m).c_str());
        throw UsageError(buf);
    }
    pr.routers = m.routers;
    const auto shares = mobi::linearParamShares(m.config);
    pr.stats =
        std::make_shared<mobi::RoutingStats>(m.routers->levelBits, m.config.nLayers, false,
                                             std::vector<double>(shares.begin(), shares.end()));
    return pr;
}

void Precision::apply(mobi::Transformer& t) const {
    mobi::applyPrecision(t, *this);
    if (routed()) t.addObserver([s = stats](const mobi::LayerEvent& e) { s->observe(e); });
}

void Precision::addJson(mobi::Json& j) const {
    if (!routed()) return;
    j.set("budget", budget);
    j.set("allocation", mobi::budgetAllocationName(allocation));
    j.set("granularity", mobi::routeGranularityName(routers->granularity));
    j.set("achieved_bits", stats->averageBits());
    mobi::Json layers(mobi::Json::Array{});
    for (int l = 0; l < stats->layers(); ++l)
        layers.push(mobi::Json(stats->layerAverageBits(l)));
    j.set("layer_bits", layers);
    mobi::Json hist(mobi::Json::Array{});
    for (int k = 1; k <= routers->levels(); ++k)
        hist.push(mobi::Json(static_cast<int64_t>(stats->levelCount(k))));
    j.set("level_counts", hist);
}

std::string Precision::summary() const {
    if (!routed()) return "";
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "routed: budget %.3g bits (%s), achieved %.3f bits over %lld decisions", budget,
                  mobi::budgetAllocationName(allocation), stats->averageBits(),
                  static_cast<long long>(stats->decisions()));
    return buf;
}

} // namespace cli
