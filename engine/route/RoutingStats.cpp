#include "route/RoutingStats.h"

#include "core/Error.h"

namespace mobi {

RoutingStats::RoutingStats(std::vector<int> levelBits, int layers, bool keepTrace)
    : levelBits_(std::move(levelBits)), keepTrace_(keepTrace) {
    if (levelBits_.empty() || layers <= 0)
        throw EngineError("routing stats", "needs levels and blocks");
    layerBits_.assign(size_t(layers), 0.0);
    layerCount_.assign(size_t(layers), 0);
    levelCount_.assign(levelBits_.size(), 0);
    layerLevel_.assign(size_t(layers) * levelBits_.size(), 0);
}

void RoutingStats::clear() {
    std::fill(layerBits_.begin(), layerBits_.end(), 0.0);
    std::fill(layerCount_.begin(), layerCount_.end(), 0);
    std::fill(levelCount_.begin(), levelCount_.end(), 0);
    std::fill(layerLevel_.begin(), layerLevel_.end(), 0);
    decisions_ = 0;
    bitsSum_ = 0;
    trace_.clear();
}

void RoutingStats::observe(const LayerEvent& e) {
    if (e.point != LayerPoint::Route || !e.levels) return;
    if (e.layer < 0 || e.layer >= layers()) return;
    for (int t = 0; t < e.nTokens; ++t) {
        const int k = e.levels[t];
        if (k < 1 || k > static_cast<int>(levelBits_.size())) continue;
        const int bits = levelBits_[size_t(k - 1)];
        layerBits_[size_t(e.layer)] += bits;
        ++layerCount_[size_t(e.layer)];
        ++levelCount_[size_t(k - 1)];
        ++layerLevel_[size_t(e.layer) * levelBits_.size() + size_t(k - 1)];
        bitsSum_ += bits;
        ++decisions_;
        if (keepTrace_) {
            Decision d{e.layer, e.pos0 + t, k, {}};
            if (e.data && e.width > 0)
                d.scores.assign(e.data + size_t(t) * e.width, e.data + size_t(t + 1) * e.width);
            trace_.push_back(std::move(d));
        }
    }
}

double RoutingStats::averageBits() const {
    return decisions_ > 0 ? bitsSum_ / decisions_ : 0.0;
}

double RoutingStats::layerAverageBits(int l) const {
    const int64_t c = layerCount_.at(size_t(l));
    return c > 0 ? layerBits_[size_t(l)] / c : 0.0;
}

} // namespace mobi
