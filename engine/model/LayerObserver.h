// Read-only hook on each block's intermediate activations (the pattern of
// ggml's per-node eval callback): observers see, never change, the forward.
#pragma once

#include <functional>

namespace mobi {

// Route (sliced models only) comes right after AttnNormOut: data holds the
// level policy's scores (width floats per token, width 0 when it has none)
// and levels the level (1..K) each token uses in this block.
enum class LayerPoint { BlockInput, AttnNormOut, Route, AttnOut, FfnNormOut, FfnOut, BlockOutput };

struct LayerEvent {
    int layer; // block index
    LayerPoint point;
    int nTokens;                 // rows in data
    int width;                   // floats per row
    int pos0;                    // position of the first row
    const float* data;           // nTokens x width, row-major; valid only during the call
    const int* levels = nullptr; // nTokens levels at LayerPoint::Route, else null
};

using LayerObserver = std::function<void(const LayerEvent&)>;

} // namespace mobi
