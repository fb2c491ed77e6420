// Read-only hook on each block's intermediate activations (the pattern of
// ggml's per-node eval callback): observers see, never change, the forward.
#pragma once

#include <functional>

namespace mobi {

enum class LayerPoint { BlockInput, AttnNormOut, AttnOut, FfnNormOut, FfnOut, BlockOutput };

struct LayerEvent {
    int layer;          // block index
    LayerPoint point;
    int nTokens;        // rows in data
    int width;          // floats per row
    int pos0;           // position of the first row
    const float* data;  // nTokens x width, row-major; valid only during the call
};

using LayerObserver = std::function<void(const LayerEvent&)>;

} // namespace mobi
