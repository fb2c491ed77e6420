#include "route/RouterPolicy.h"

#include "core/Error.h"

namespace mobi {

RouterPolicy::RouterPolicy(std::shared_ptr<const RouterSet> routers, double bits,
                           BudgetAllocation allocation)
    : routers_(std::move(routers)) {
    if (!routers_) throw EngineError("router policy", "no routers");
    setBudget(bits, allocation);
}

void RouterPolicy::setBudget(double bits, BudgetAllocation allocation) {
    thresholds_ = routers_->thresholds(bits, allocation);
    bits_ = bits;
    allocation_ = allocation;
}

void RouterPolicy::route(int router, const float* x, int n, int width, int* levels,
                         float* scores) const {
    const RouterMlp& r = routers_->routers.at(static_cast<size_t>(router));
    if (width != r.in)
        throw EngineError("router policy", "input has " + std::to_string(width) +
                                               " features, the router takes " +
                                               std::to_string(r.in));
    r.forward(x, n, scores);
    const int K = routers_->levels();
    const float thr = thresholds_[static_cast<size_t>(router)];
    for (int t = 0; t < n; ++t)
        levels[t] = BudgetTable::levelFor(scores + size_t(t) * (K - 1), K, thr);
}

void RouterPolicy::choose(int layer, const float* xNorm, int n, int dim, int, int* levels,
                          float* scores) {
    if (perLinear())
        throw EngineError("router policy", "per-linear routers route each linear, not blocks");
    route(layer, xNorm, n, dim, levels, scores);
}

void RouterPolicy::chooseLinear(int layer, int linear, const float* x, int n, int width, int,
                                int* levels, float* scores) {
    if (!perLinear()) {
        route(layer, x, n, width, levels, scores);
        return;
    }
    route(layer * 7 + linear, x, n, width, levels, scores);
}

} // namespace mobi
