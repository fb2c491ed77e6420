// The calibrated MoBiRoute routers of a sliced model (one per block) and the
// budget tables that map a target average bits to their thresholds.
#pragma once

#include "route/BudgetTable.h"
#include "route/RouterMlp.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

struct ModelConfig;
struct SliceConfig;

// How a budget is spread over blocks.
//  global:    one threshold for all blocks; since every router predicts the
//             same quantity (log residual-stream error cut per bit), blocks
//             where slices help more get more bits (allocation by
//             sensitivity). The average over all blocks meets the budget.
//  per-layer: each block has its own threshold meeting the budget alone
//             (equal budget per block).
enum class BudgetAllocation : uint8_t { Global, PerLayer };
const char* budgetAllocationName(BudgetAllocation a);
// Throws EngineError naming `where` for anything but "global" / "layer".
BudgetAllocation parseBudgetAllocation(const std::string& s,
                                       const std::string& where = "--allocation");

// What one router decides: the level of a token in a whole block (all seven
// linears), or in one linear (seven routers per block, each reading its
// linear's input).
enum class RouteGranularity : uint8_t { Block, Linear };
const char* routeGranularityName(RouteGranularity g);
// Throws EngineError naming `where` for anything but "block" / "linear".
RouteGranularity parseRouteGranularity(const std::string& s,
                                       const std::string& where = "--granularity");

struct RouterSet {
    RouteGranularity granularity = RouteGranularity::Block;
    std::vector<int> levelBits; // bits of levels 1..K of the sliced model
    // Block: one per block (in = dim). Linear: seven per block at
    // block * 7 + linear (q, k, v, o, gate, up, down; in = that linear's
    // input width). out = K-1.
    std::vector<RouterMlp> routers;
    // Over all routers' decisions; per-linear decisions weighted by their
    // linear's share of the block's parameters, so the budget is bits per
    // weight.
    BudgetTable global;
    std::vector<BudgetTable> perLayer; // one per router (each meets the budget alone)
    int64_t calibrationTokens = 0;
    std::string objective; // how the routers were trained, for `info`

    int levels() const { return static_cast<int>(levelBits.size()); }
    int routersPerBlock() const { return granularity == RouteGranularity::Linear ? 7 : 1; }
    double minBits() const { return levelBits.empty() ? 0 : levelBits.front(); }
    double maxBits() const { return levelBits.empty() ? 0 : levelBits.back(); }
    // Per-router thresholds for an average of `bits`; throws EngineError
    // naming `where` for a budget outside [minBits, maxBits].
    std::vector<float> thresholds(double bits, BudgetAllocation a,
                                  const std::string& where = "--budget") const;
    // Throws FormatError naming `where` when the routers or tables do not fit
    // the model (block count, dim, K-1 outputs, level bits of the slices).
    void validate(const ModelConfig& c, const SliceConfig& s, const std::string& where) const;
};

} // namespace mobi
