// Thresholds that turn router scores into levels at a target average bits,
// computed once at calibration so that a new budget is a table lookup.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

// Levels from scores. A token has K-1 scores s_2..s_K (one per optional
// slice, higher = that slice cuts more error per bit); at threshold lambda
// it uses slice k only when s_j >= lambda for every j <= k (slice k needs
// slice k-1), so its level is 1 + the length of that prefix. Average bits
// fall as lambda rises. The table holds, for budgets evenly spaced between
// bits(level 1) and bits(level K), the lambda that achieved each on the
// calibration samples; other budgets interpolate linearly between entries.
class BudgetTable {
  public:
    BudgetTable() = default;

    // levelBits: bits of levels 1..K (increasing); scores: samples x (K-1);
    // weights (optional, > 0): how much each sample counts in the average
    // (e.g. its linear's share of the parameters). Throws EngineError for
    // fewer than 2 levels, no samples, non-finite scores, bad weights or
    // non-increasing bits.
    static BudgetTable build(const std::vector<int>& levelBits, const float* scores,
                             int64_t samples, int points = 257, const double* weights = nullptr);
    // Rebuilds from stored entries (bits increasing evenly from levelBits
    // front to back, thresholds non-increasing); throws EngineError naming
    // `where` when they are inconsistent.
    static BudgetTable fromEntries(const std::vector<int>& levelBits, std::vector<float> thresholds,
                                   const std::string& where);

    static int levelFor(const float* scores, int levels, float threshold);

    double minBits() const { return levelBits_.empty() ? 0 : levelBits_.front(); }
    double maxBits() const { return levelBits_.empty() ? 0 : levelBits_.back(); }
    // Threshold for an average of `bits` (+inf at minBits, -inf at maxBits).
    // Throws EngineError naming `where` when bits lies outside
    // [minBits, maxBits] or is not finite.
    float threshold(double bits, const std::string& where = "--budget") const;
    // Average bits the scores achieve at `threshold` (for checks and eval).
    static double averageBits(const std::vector<int>& levelBits, const float* scores,
                              int64_t samples, float threshold, const double* weights = nullptr);

    const std::vector<float>& thresholds() const { return thresholds_; }
    const std::vector<int>& levelBits() const { return levelBits_; }
    int points() const { return static_cast<int>(thresholds_.size()); }
    // Budget of entry i.
    double entryBits(int i) const;

  private:
    std::vector<int> levelBits_;
    std::vector<float> thresholds_; // entry i: budget entryBits(i)
};

} // namespace mobi
