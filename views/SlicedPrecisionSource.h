// Precision levels of a MoBiSlice (sliced) model: the budget slider steps
// through uniform levels 1..K, each with its nominal and effective bits.
#pragma once

#include "PrecisionSource.h"

#include <memory>
#include <vector>

namespace mobi {

struct SlicedModel;

class SlicedPrecisionSource final : public PrecisionSource {
  public:
    // Entry k-1 of each list belongs to level k; both lists are non-empty and
    // of equal length. Starts at the top level.
    SlicedPrecisionSource(std::vector<int> nominalBits, std::vector<double> effectiveBits);
    static std::unique_ptr<SlicedPrecisionSource> fromModel(const SlicedModel& sliced);

    bool hasLevels() const override { return true; }
    QString unavailableReason() const override { return {}; }
    int levelCount() const override { return static_cast<int>(effective_.size()); }
    // Effective bits per weight (scales and mins included) of level 1..K.
    double bitsForLevel(int level) const override;
    int nominalBits(int level) const override;
    double minBudget() const override { return effective_.front(); }
    double maxBudget() const override { return effective_.back(); }
    double budget() const override { return bitsForLevel(level_); }
    // The highest level whose effective bits fit in `bits` (level 1 below that).
    void setBudget(double bits) override;
    int level() const override { return level_; }
    void setLevel(int level) override;
    QString levelLabel(int level) const override;
    QString describe() const override;

  private:
    std::vector<int> nominal_;
    std::vector<double> effective_;
    int level_;
};

} // namespace mobi
