// --level / --bits / --budget / --allocation: at what precision a command's
// forward runs on a sliced (and possibly routed) model.
#pragma once

#include "ArgParser.h"
#include "model/Model.h"
#include "precision/Precision.h"
#include "route/RouterSet.h"

#include <memory>
#include <string>

namespace mobi {
class Json;
class RoutingStats;
class Transformer;
} // namespace mobi

namespace cli {

// The engine's precision setting as the flags ask for it, plus the routing
// statistics a routed command reports. Every command (profile included)
// reads it with precisionOption and sets it with apply().
struct Precision : mobi::Precision {
    std::shared_ptr<const mobi::RouterSet> routers; // routed: the model's
    std::shared_ptr<mobi::RoutingStats> stats;      // routed: fed by apply()'s observer

    // mobi::applyPrecision on t, and (routed) an observer feeding stats added
    // to t's observers.
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
