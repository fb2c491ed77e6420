// --level / --bits / --budget / --allocation: at what precision a command's
// forward runs on a sliced (and possibly routed) model.
#pragma once

#include "ArgParser.h"
#include "model/Model.h"
#include "quant/SlicedKernelMode.h"
#include "route/RouterSet.h"

#include <memory>
#include <optional>

namespace mobi {
class Json;
class RouterPolicy;
class RoutingStats;
class Transformer;
} // namespace mobi

namespace cli {

struct Precision {
    int level = 0;     // uniform level; 0 = the top (or routed)
    double budget = 0; // target average bits when routed
    bool routed = false;
    mobi::BudgetAllocation allocation = mobi::BudgetAllocation::Global;
    std::shared_ptr<mobi::RouterPolicy> policy;
    std::shared_ptr<mobi::RoutingStats> stats;
    // --act (addActOption): activations of the sliced kernels, unset = default.
    std::optional<mobi::SlicedKernelMode> act;

    // Sets t's level, or its router policy and an observer feeding stats.
    void apply(mobi::Transformer& t) const;
    // "budget", "allocation", "achieved_bits", "layer_bits" when routed.
    void addJson(mobi::Json& j) const;
    // One line for the text output ("" when not routed).
    std::string summary() const;
};

// Adds --act float|int8 (the sliced kernels' activations; precisionOption
// reads it, apply() sets it).
void addActOption(ArgParser& p);
// Adds --budget B and --allocation A (with addLevelOptions' --level/--bits).
void addBudgetOptions(ArgParser& p);
// Reads --level/--bits/--budget/--allocation. UsageError for --budget with
// --level/--bits, a model without routers, or a budget outside the levels.
Precision precisionOption(const ArgParser& p, const mobi::Model& m);

} // namespace cli
