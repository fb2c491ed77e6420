// Per-token, per-block residual-stream statistics gathered through the
// Transformer's LayerObserver during one forward call, and the level (and
// router scores) each token used in each block, from the Route events.
#pragma once

#include "model/LayerObserver.h"

#include <vector>

namespace mobi {

class LayerRecorder {
public:
    explicit LayerRecorder(int layers) : layers_(layers) {}
    // Clears the tables for a forward over nTokens rows.
    void begin(int nTokens);
    void observe(const LayerEvent& e);
    // [row][layer]
    const std::vector<std::vector<float>>& rms() const { return rms_; }
    const std::vector<std::vector<float>>& change() const { return change_; }
    // [row][layer]; 0 where no Route event arrived (a dense model).
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
    bool routed_ = false;
};

} // namespace mobi
