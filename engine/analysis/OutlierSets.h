// Outlier migration (DESIGN.md "Outlier migration"): per layer and level the
// top-q% most sensitive tokens, and how much that set changes between two
// precision levels (1 - Jaccard). Pure computation over a sensitivity array;
// BlockErrors::updateErr is what the CLI feeds it.
#pragma once

#include <string>
#include <vector>

namespace mobi {

// Size of a top-q% set of n tokens: max(1, round(q / 100 * n)), at most n.
// EngineError when q is outside (0, 100] (or NaN) or n < 1.
int outlierCount(int nTokens, double q);

// The outlierCount(n, q) tokens with the largest sensitivity, as token
// indices in ascending order. Ranking: larger sensitivity first; equal
// sensitivities rank the lower token index first (so ties resolve towards the
// start of the text); NaN ranks below every number.
std::vector<int> topTokens(const float* sensitivity, int nTokens, double q);

// 1 - |A n B| / |A u B| of two ascending, duplicate-free index sets: 0 when
// equal, 1 when disjoint; 0 when both are empty.
double migration(const std::vector<int>& a, const std::vector<int>& b);

// Expected migration between two independent, uniformly random k-token sets
// of n tokens (|A n B| hypergeometric): the no-structure reference level.
// EngineError unless 1 <= k <= n.
double chanceMigration(int nTokens, int k);

// A square matrix of migrations between the levels of one layer:
// at(i, j) with 0-based level indices; symmetric, zero diagonal.
struct MigrationMatrix {
    int n = 0;
    std::vector<double> values; // [i * n + j]
    double at(int i, int j) const { return values[static_cast<size_t>(i) * n + j]; }
};

// One family of precision levels (the nested MoBiSlice levels, or the
// bit-specific baselines ordered by bits) with its outlier sets.
struct OutlierFamily {
    std::string name;
    std::vector<int> bits; // bits of each level, level 1 first
    int nLayers = 0, nTokens = 0;
    double q = 5;
    // [layer * levels() + level - 1]: ascending token indices / mean sensitivity.
    std::vector<std::vector<int>> sets;
    std::vector<double> meanSensitivity;

    int levels() const { return static_cast<int>(bits.size()); }
    const std::vector<int>& set(int layer, int level) const {
        return sets[static_cast<size_t>(layer) * levels() + level - 1];
    }
    double mean(int layer, int level) const {
        return meanSensitivity[static_cast<size_t>(layer) * levels() + level - 1];
    }
};

// Builds a family from sensitivity[(layer * bits.size() + level - 1) *
// nTokens + token] (BlockErrors' layout). EngineError on empty shapes, a
// size mismatch or a bad q.
OutlierFamily makeOutlierFamily(std::string name, std::vector<int> bits,
                                const std::vector<float>& sensitivity, int nLayers, int nTokens,
                                double q);

// Per layer, the migration between every pair of the family's levels.
std::vector<MigrationMatrix> migrationMatrices(const OutlierFamily& family);

// Element-wise mean of same-sized matrices (the mean over layers).
// EngineError when empty or sizes differ.
MigrationMatrix meanMatrix(const std::vector<MigrationMatrix>& matrices);

} // namespace mobi
