// Per-token, per-block residual-stream statistics gathered through the
// Transformer's LayerObserver during one forward call.
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

private:
    int layers_;
    std::vector<float> input_; // block input rows, kept until the block's output arrives
    std::vector<std::vector<float>> rms_, change_;
};

} // namespace mobi
