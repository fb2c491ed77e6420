// What routing did, collected from the forward's LayerPoint::Route events:
// per-block average bits, level histogram, the achieved average bits and,
// optionally, every token x block level and router scores.
#pragma once

#include "model/LayerObserver.h"

#include <cstdint>
#include <vector>

namespace mobi {

class RoutingStats {
  public:
    RoutingStats(std::vector<int> levelBits, int layers, bool keepTrace = false);
    // Feed every LayerEvent; non-Route events are ignored.
    void observe(const LayerEvent& e);
    void clear();

    double averageBits() const;           // over all (token, block) decisions
    double layerAverageBits(int l) const; // over the tokens of block l
    int64_t decisions() const { return decisions_; }
    // Decisions at level k (1-based).
    int64_t levelCount(int k) const { return levelCount_[size_t(k - 1)]; }
    int layers() const { return static_cast<int>(layerBits_.size()); }
    // Decisions of block l at level k.
    int64_t layerLevelCount(int l, int k) const {
        return layerLevel_[size_t(l) * levelBits_.size() + size_t(k - 1)];
    }

    struct Decision {
        int layer, pos, level;
        std::vector<float> scores;
    };
    // In arrival order, when keepTrace.
    const std::vector<Decision>& trace() const { return trace_; }

  private:
    std::vector<int> levelBits_;
    bool keepTrace_;
    std::vector<double> layerBits_;
    std::vector<int64_t> layerCount_, levelCount_, layerLevel_;
    int64_t decisions_ = 0;
    double bitsSum_ = 0;
    std::vector<Decision> trace_;
};

} // namespace mobi
