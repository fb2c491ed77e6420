// At what precision a forward runs: one value (uniform level, routed budget
// and allocation, activation arithmetic) that every front end holds once and
// applyPrecision() sets on a Transformer.
#pragma once

#include "quant/SlicedKernelMode.h"
#include "route/RouterSet.h"

#include <memory>
#include <optional>
#include <string>

namespace mobi {

struct Model;
class RouterPolicy;
class Transformer;

struct Precision {
    // Uniform MoBiSlice level 1..K of a sliced model; 0 = the top level (a
    // dense model has no levels and runs as stored).
    int level = 0;
    // > 0: the model's MoBiRoute routers pick each token's level per block at
    // this average bits per weight (level must then be 0).
    double budget = 0;
    BudgetAllocation allocation = BudgetAllocation::Global;
    // Activations of the sliced kernels; unset = the transformer's default.
    std::optional<SlicedKernelMode> act;

    bool routed() const { return budget > 0; }
    static Precision uniform(int level) {
        Precision p;
        p.level = level;
        return p;
    }
    static Precision routedAt(double bits, BudgetAllocation a = BudgetAllocation::Global) {
        Precision p;
        p.budget = bits;
        p.allocation = a;
        return p;
    }
    bool operator==(const Precision& o) const {
        return level == o.level && budget == o.budget && allocation == o.allocation && act == o.act;
    }
    bool operator!=(const Precision& o) const { return !(*this == o); }
};

// Throws EngineError naming the model when it cannot run at p: a level on a
// dense model or one that does not exist, a budget with a level, on a model
// without routers, or outside its levels' bits.
void checkPrecision(const Model& model, const Precision& p);

// Sets t to p (after checkPrecision): the activation mode when given, then
// either the routers at p.budget or the uniform level (the level policy
// cleared). Returns the RouterPolicy now routing (null when uniform); pass
// it back as `reuse` to change only the budget, a table lookup, which is what
// makes switching precision per step (DMR) or per slider move cheap.
std::shared_ptr<RouterPolicy> applyPrecision(Transformer& t, const Precision& p,
                                             std::shared_ptr<RouterPolicy> reuse = {});

// "level 3", "top level", "routed at 3.5 bits (global)".
std::string describePrecision(const Precision& p);

} // namespace mobi
