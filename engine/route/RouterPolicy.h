// Levels from the calibrated routers at a budget: the elastic-inference
// policy. Changing the budget is a table lookup.
#pragma once

#include "model/LevelPolicy.h"
#include "route/RouterSet.h"

#include <memory>
#include <vector>

namespace mobi {

class RouterPolicy : public LevelPolicy {
  public:
    // Throws EngineError for a budget outside the routers' levels.
    RouterPolicy(std::shared_ptr<const RouterSet> routers, double bits,
                 BudgetAllocation allocation = BudgetAllocation::Global);
    // New budget / allocation: looks up the thresholds only.
    void setBudget(double bits, BudgetAllocation allocation);
    double budget() const { return bits_; }
    BudgetAllocation allocation() const { return allocation_; }
    const std::vector<float>& thresholds() const { return thresholds_; }

    void choose(int layer, const float* xNorm, int n, int dim, int pos, int* levels,
                float* scores) override;
    void chooseLinear(int layer, int linear, const float* x, int n, int width, int pos, int* levels,
                      float* scores) override;
    int scoreWidth() const override { return routers_->levels() - 1; }
    bool perLinear() const override { return routers_->granularity == RouteGranularity::Linear; }
    const RouterSet& routers() const { return *routers_; }

  private:
    void route(int router, const float* x, int n, int width, int* levels, float* scores) const;
    std::shared_ptr<const RouterSet> routers_;
    double bits_ = 0;
    BudgetAllocation allocation_ = BudgetAllocation::Global;
    std::vector<float> thresholds_;
};

} // namespace mobi
