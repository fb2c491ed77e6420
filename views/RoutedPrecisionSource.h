// Precision of a MoBiRoute (routed) model: the budget slider spans average
// bits continuously between the lowest and highest level, and the calibrated
// routers pick each token's level per block to meet it (global or per-layer
// allocation). Level bits are the nominal bits the routers' budget tables use.
#pragma once

#include "PrecisionSource.h"

#include <memory>
#include <vector>

namespace mobi {

struct RouterSet;
struct SlicedModel;

class RoutedPrecisionSource final : public PrecisionSource {
  public:
    // Entry k-1 of each list belongs to level k; nominalBits is non-empty,
    // ascending, and effectiveBits of the same length. Starts at the top budget.
    RoutedPrecisionSource(std::vector<int> nominalBits, std::vector<double> effectiveBits);
    static std::unique_ptr<RoutedPrecisionSource> fromModel(const SlicedModel& sliced,
                                                            const RouterSet& routers);

    bool hasLevels() const override { return true; }
    bool hasRouter() const override { return true; }
    QString unavailableReason() const override { return {}; }
    int levelCount() const override { return static_cast<int>(nominal_.size()); }
    // Nominal bits of level 1..K: what the routers' budget counts.
    double bitsForLevel(int level) const override;
    int nominalBits(int level) const override;
    double effectiveBits(int level) const;
    double minBudget() const override { return nominal_.front(); }
    double maxBudget() const override { return nominal_.back(); }
    double budget() const override { return budget_; }
    // Clamped to [minBudget, maxBudget].
    void setBudget(double bits) override;
    // No uniform level: the routers choose per token and block.
    int level() const override { return 0; }
    QString levelLabel(int level) const override;
    QString describe() const override;
    // Whether each block meets the budget alone (per-layer) or the blocks
    // share one threshold (global).
    bool perLayer() const { return perLayer_; }
    void setPerLayer(bool on) { perLayer_ = on; }

  private:
    std::vector<int> nominal_;
    std::vector<double> effective_;
    double budget_;
    bool perLayer_ = false;
};

} // namespace mobi
