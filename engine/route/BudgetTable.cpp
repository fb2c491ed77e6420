#include "route/BudgetTable.h"

#include "core/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace mobi {

namespace {

void checkBits(const std::vector<int>& b, const std::string& where) {
    if (b.size() < 2) throw EngineError(where, "routing needs at least 2 levels");
    for (size_t i = 1; i < b.size(); ++i)
        if (b[i] <= b[i - 1]) throw EngineError(where, "level bits must increase");
}

} // namespace

int BudgetTable::levelFor(const float* s, int levels, float threshold) {
    int k = 1;
    while (k < levels && s[k - 1] >= threshold)
        ++k;
    return k;
}

double BudgetTable::averageBits(const std::vector<int>& levelBits, const float* scores,
                                int64_t samples, float threshold, const double* weights) {
    const int K = static_cast<int>(levelBits.size());
    double sum = 0, wsum = 0;
    for (int64_t i = 0; i < samples; ++i) {
        const double w = weights ? weights[i] : 1.0;
        sum += w * levelBits[size_t(levelFor(scores + i * (K - 1), K, threshold) - 1)];
        wsum += w;
    }
    return wsum > 0 ? sum / wsum : 0.0;
}

double BudgetTable::entryBits(int i) const {
    const int P = points();
    return minBits() + (maxBits() - minBits()) * i / (P - 1);
}

BudgetTable BudgetTable::build(const std::vector<int>& levelBits, const float* scores,
                               int64_t samples, int points, const double* weights) {
    checkBits(levelBits, "budget table");
    if (samples <= 0) throw EngineError("budget table", "no calibration samples");
    if (points < 3) throw EngineError("budget table", "needs at least 3 points");
    const int K = static_cast<int>(levelBits.size());
    // Sample i reaches level k+1 exactly when the prefix minimum m_k of its
    // scores is >= lambda, adding bits(k+1) - bits(k). Sorting all prefix
    // minima (descending) gives average bits as a step function of lambda.
    struct Step {
        float value;
        double gain; // bits added x the sample's weight
    };
    double totalWeight = 0;
    for (int64_t i = 0; i < samples; ++i) {
        const double w = weights ? weights[i] : 1.0;
        if (!(w > 0) || !std::isfinite(w))
            throw EngineError("budget table", "sample weights must be positive");
        totalWeight += w;
    }
    std::vector<Step> steps;
    steps.reserve(size_t(samples) * (K - 1));
    for (int64_t i = 0; i < samples; ++i) {
        float m = std::numeric_limits<float>::infinity();
        for (int k = 1; k < K; ++k) {
            const float v = scores[i * (K - 1) + (k - 1)];
            if (!std::isfinite(v)) throw EngineError("budget table", "non-finite router score");
            m = std::min(m, v);
            steps.push_back({m, (weights ? weights[i] : 1.0) *
                                    (levelBits[size_t(k)] - levelBits[size_t(k - 1)])});
        }
    }
    std::sort(steps.begin(), steps.end(),
              [](const Step& a, const Step& b) { return a.value > b.value; });
    BudgetTable t;
    t.levelBits_ = levelBits;
    t.thresholds_.assign(size_t(points), 0.0f);
    const double lo = levelBits.front(), hi = levelBits.back();
    const float top = steps.front().value, bottom = steps.back().value;
    t.thresholds_.front() = top + 1.0f + std::fabs(top);
    t.thresholds_.back() = bottom - 1.0f - std::fabs(bottom);
    // Walk budgets upward while taking steps in order.
    size_t j = 0;
    double gained = 0; // sum of gains of steps [0, j)
    for (int p = 1; p < points - 1; ++p) {
        const double need = (lo + (hi - lo) * p / (points - 1) - lo) * totalWeight;
        while (j < steps.size() && gained < need)
            gained += steps[j++].gain;
        // Threshold between the last taken step and the next one.
        const float last = steps[j - 1].value;
        const float next = j < steps.size() ? steps[j].value : last - 1.0f;
        t.thresholds_[size_t(p)] = last == next ? last : 0.5f * (last + next);
    }
    return t;
}

BudgetTable BudgetTable::fromEntries(const std::vector<int>& levelBits,
                                     std::vector<float> thresholds, const std::string& where) {
    checkBits(levelBits, where);
    if (thresholds.size() < 3) throw EngineError(where, "budget table has fewer than 3 entries");
    for (size_t i = 0; i < thresholds.size(); ++i) {
        if (!std::isfinite(thresholds[i]))
            throw EngineError(where, "budget table holds a non-finite threshold");
        if (i > 0 && thresholds[i] > thresholds[i - 1])
            throw EngineError(where, "budget table thresholds must not increase with bits");
    }
    BudgetTable t;
    t.levelBits_ = levelBits;
    t.thresholds_ = std::move(thresholds);
    return t;
}

float BudgetTable::threshold(double bits, const std::string& where) const {
    if (thresholds_.empty()) throw EngineError(where, "no budget table");
    const double lo = minBits(), hi = maxBits();
    if (!std::isfinite(bits) || bits < lo - 1e-9 || bits > hi + 1e-9) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "budget %g bits is outside the levels' range %g..%g", bits,
                      lo, hi);
        throw EngineError(where, buf);
    }
    if (bits <= lo + 1e-9) return std::numeric_limits<float>::infinity();
    if (bits >= hi - 1e-9) return -std::numeric_limits<float>::infinity();
    const double x = (bits - lo) / (hi - lo) * (points() - 1);
    const int i = std::min(static_cast<int>(x), points() - 2);
    const double f = x - i;
    return static_cast<float>((1 - f) * thresholds_[size_t(i)] + f * thresholds_[size_t(i + 1)]);
}

} // namespace mobi
