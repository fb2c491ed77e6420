// Per-token, per-block residual-stream statistics gathered through the
// Transformer's LayerObserver during one forward call, and the level (and
// router scores) each token used in each block, from the Route events: the
// one recorder of levels every front end (GUI, generate, profile) reads.
#pragma once

#include "model/LayerObserver.h"

#include <vector>

namespace mobi {

class LayerRecorder {
public:
    explicit LayerRecorder(int layers) : layers_(layers) {}
    // Clears the tables for a forward over nTokens rows. Block 0's
    // BlockInput event does the same for the forward it starts, so a recorder
    // left on a transformer holds the latest forward's rows.
    void begin(int nTokens);
    void observe(const LayerEvent& e);
    // Position of row 0 of the latest forward (-1 before one was seen).
    int pos0() const { return pos0_; }
    int rows() const { return static_cast<int>(rms_.size()); }
    // [row][layer]
    const std::vector<std::vector<float>>& rms() const { return rms_; }
    const std::vector<std::vector<float>>& change() const { return change_; }
    // [row][layer]; 0 where no Route event arrived (a dense model). With one
    // router per linear, the q projection's level stands for the block.
    const std::vector<std::vector<int>>& levels() const { return levels_; }
    // [row][layer * scoreWidth() + j]; empty rows when the policy gives no scores.
    const std::vector<std::vector<float>>& scores() const { return scores_; }
    int scoreWidth() const { return scoreWidth_; }
    bool routed() const { return routed_; }

private:
    int layers_;
    std::vector<float> input_; // block input rows, kept until the block's output arrives
    std::vector<std::vector<float>> rms_, change_, scores_;
    std::vector<std::vector<int>> levels_;
    int scoreWidth_ = 0;
    int pos0_ = -1;
    bool routed_ = false;
};

} // namespace mobi
