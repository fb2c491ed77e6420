// What routing did, collected from the forward's LayerPoint::Route events:
// per-block average bits, level histograms, the achieved average bits and,
// optionally, every decision with its router scores.
#pragma once

#include "model/LayerObserver.h"

#include <cstdint>
#include <vector>

namespace mobi {

class RoutingStats {
  public:
    // linearShares: the seven linears' shares of a block's parameters
    // (linearParamShares), weighting per-linear decisions so that averages
    // are bits per weight; empty = equal shares. A whole-block decision
    // (linear -1) weighs 1.
    RoutingStats(std::vector<int> levelBits, int layers, bool keepTrace = false,
                 std::vector<double> linearShares = {});
    // Feed every LayerEvent; non-Route events are ignored.
    void observe(const LayerEvent& e);
    void clear();

    double averageBits() const;           // over all decisions, weighted
    double layerAverageBits(int l) const; // over block l's decisions, weighted
    int64_t decisions() const { return decisions_; }
    // Decisions at level k (1-based), counted.
    int64_t levelCount(int k) const { return levelCount_[size_t(k - 1)]; }
    // Weighted share of decisions at level k (sums to 1).
    double levelShare(int k) const;
    int layers() const { return layers_; }
    // Decisions at level k of block l for its whole-block router (linear
    // -1) or one linear (0..6).
    int64_t unitLevelCount(int l, int linear, int k) const {
        return unitLevel_[(size_t(l) * 8 + size_t(linear + 1)) * levelBits_.size() + size_t(k - 1)];
    }
    // All decisions of block l at level k (whole-block and per-linear).
    int64_t layerLevelCount(int l, int k) const;

    struct Decision {
        int layer, linear, pos, level;
        std::vector<float> scores;
    };
    // In arrival order, when keepTrace.
    const std::vector<Decision>& trace() const { return trace_; }

  private:
    std::vector<int> levelBits_;
    int layers_;
    bool keepTrace_;
    std::vector<double> shares_;
    std::vector<double> layerBits_, layerWeight_, levelWeight_;
    std::vector<int64_t> levelCount_, unitLevel_;
    int64_t decisions_ = 0;
    double bitsSum_ = 0, weightSum_ = 0;
    std::vector<Decision> trace_;
};

} // namespace mobi
