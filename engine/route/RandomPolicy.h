// Random routing at a given average bits: the baseline a router must beat.
#pragma once

#include "model/LevelPolicy.h"

#include <cstdint>
#include <vector>

namespace mobi {

// Every (block, position) independently takes one of the two levels whose
// bits bracket the budget, the upper one with the probability that makes
// the expected bits equal the budget (the cheapest mix, close to the uniform
// level near a level's bits), or draws from given per-block level weights. Draws hash (seed, block,
// position), so they do not depend on how tokens are batched.
class RandomPolicy : public LevelPolicy {
  public:
    // Throws EngineError for a budget outside the levels' bits.
    RandomPolicy(std::vector<int> levelBits, double bits, uint64_t seed = 1);
    // Matched variant: block l draws level k with probability
    // layerLevelWeights[l][k-1] / sum (e.g. a router's level histogram per
    // block), so only which tokens get which level is random.
    // With perLinear, the rows are per linear (block * 7 + linear) and the
    // policy routes every linear on its own.
    RandomPolicy(const std::vector<std::vector<double>>& layerLevelWeights, uint64_t seed = 1,
                 bool perLinear = false);
    void choose(int layer, const float* xNorm, int n, int dim, int pos, int* levels,
                float* scores) override;
    bool perLinear() const override { return perLinear_; }
    void chooseLinear(int layer, int linear, const float* x, int n, int width, int pos, int* levels,
                      float* scores) override;
    // Every forward that starts at position 0 in block 0 (a new sequence or
    // perplexity chunk) moves to a new stream of draws.

  private:
    // Cumulative level probabilities per block (one row shared by all
    // blocks when it is the only one).
    void draw(int row, uint64_t key, int n, int pos, int* levels) const;
    std::vector<std::vector<double>> cdf_;
    uint64_t seed_ = 1, stream_ = 0;
    bool perLinear_ = false;
};

// Levels fixed in advance per (sequence, block, position), e.g. by an
// oracle: levels[(sequence * layers + layer) * positions + pos]. A forward
// starting at position 0 in block 0 moves to the next sequence (perplexity
// chunks in order).
class TablePolicy : public LevelPolicy {
  public:
    // unitsPerBlock 7: per-linear levels at
    // levels[((sequence * layers + layer) * 7 + linear) * positions + pos].
    TablePolicy(int sequences, int layers, int positions, std::vector<int> levels,
                int unitsPerBlock = 1);
    void choose(int layer, const float* xNorm, int n, int dim, int pos, int* levels,
                float* scores) override;
    bool perLinear() const override { return units_ == 7; }
    void chooseLinear(int layer, int linear, const float* x, int n, int width, int pos, int* levels,
                      float* scores) override;

  private:
    void lookup(int layer, int unit, int n, int pos, int* levels);
    int sequences_, layers_, positions_, units_;
    int sequence_ = -1;
    std::vector<int> levels_;
};

} // namespace mobi
