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

void RouterPolicy::choose(int layer, const float* xNorm, int n, int dim, int pos, int* levels,
                          float* scores) {
    const RouterMlp& r = routers_->routers.at(static_cast<size_t>(layer));
    if (dim != r.in)
        throw EngineError("router policy", "block input has " + std::to_string(dim) +
                                               " features, the router takes " +
                                               std::to_string(r.in));
    r.forward(xNorm, n, scores);
    const int K = routers_->levels();
    const float thr = thresholds_[static_cast<size_t>(layer)];
    for (int t = 0; t < n; ++t)
        levels[t] = BudgetTable::levelFor(scores + size_t(t) * (K - 1), K, thr);
}

} // namespace mobi
