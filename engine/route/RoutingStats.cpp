#include "route/RoutingStats.h"

#include "core/Error.h"

#include <algorithm>

namespace mobi {

RoutingStats::RoutingStats(std::vector<int> levelBits, int layers, bool keepTrace,
                           std::vector<double> linearShares)
    : levelBits_(std::move(levelBits)), layers_(layers), keepTrace_(keepTrace),
      shares_(std::move(linearShares)) {
    if (levelBits_.empty() || layers <= 0)
        throw EngineError("routing stats", "needs levels and blocks");
    if (shares_.empty()) shares_.assign(7, 1.0 / 7);
    if (shares_.size() != 7) throw EngineError("routing stats", "needs 7 linear shares");
    clear();
}

void RoutingStats::clear() {
    const size_t K = levelBits_.size();
    layerBits_.assign(size_t(layers_), 0.0);
    layerWeight_.assign(size_t(layers_), 0.0);
    levelWeight_.assign(K, 0.0);
    levelCount_.assign(K, 0);
    unitLevel_.assign(size_t(layers_) * 8 * K, 0);
    decisions_ = 0;
    bitsSum_ = weightSum_ = 0;
    trace_.clear();
}

void RoutingStats::observe(const LayerEvent& e) {
    if (e.point != LayerPoint::Route || !e.levels) return;
    if (e.layer < 0 || e.layer >= layers_ || e.linear < -1 || e.linear >= 7) return;
    const double w = e.linear < 0 ? 1.0 : shares_[size_t(e.linear)];
    const size_t K = levelBits_.size();
    for (int t = 0; t < e.nTokens; ++t) {
        const int k = e.levels[t];
        if (k < 1 || k > static_cast<int>(K)) continue;
        const int bits = levelBits_[size_t(k - 1)];
        layerBits_[size_t(e.layer)] += w * bits;
        layerWeight_[size_t(e.layer)] += w;
        levelWeight_[size_t(k - 1)] += w;
        ++levelCount_[size_t(k - 1)];
        ++unitLevel_[(size_t(e.layer) * 8 + size_t(e.linear + 1)) * K + size_t(k - 1)];
        bitsSum_ += w * bits;
        weightSum_ += w;
        ++decisions_;
        if (keepTrace_) {
            Decision d{e.layer, e.linear, e.pos0 + t, k, {}};
            if (e.data && e.width > 0)
                d.scores.assign(e.data + size_t(t) * e.width, e.data + size_t(t + 1) * e.width);
            trace_.push_back(std::move(d));
        }
    }
}

double RoutingStats::averageBits() const {
    return weightSum_ > 0 ? bitsSum_ / weightSum_ : 0.0;
}

double RoutingStats::layerAverageBits(int l) const {
    const double w = layerWeight_.at(size_t(l));
    return w > 0 ? layerBits_[size_t(l)] / w : 0.0;
}

double RoutingStats::levelShare(int k) const {
    return weightSum_ > 0 ? levelWeight_.at(size_t(k - 1)) / weightSum_ : 0.0;
}

int64_t RoutingStats::layerLevelCount(int l, int k) const {
    int64_t n = 0;
    for (int u = -1; u < 7; ++u)
        n += unitLevelCount(l, u, k);
    return n;
}

} // namespace mobi
