// Read-only hook on each block's intermediate activations (the pattern of
// ggml's per-node eval callback): observers see, never change, the forward.
#pragma once

#include <functional>

namespace mobi {

// Route (sliced models only): data holds the level policy's scores (width
// floats per token, width 0 when it has none) and levels the level (1..K)
// each token uses. A block-level policy routes once, right after
// AttnNormOut (linear = -1); a per-linear one before each linear (linear =
// a BlockLinear, model/BlockLinear.h: q, k, v, o, gate, up, down). AttnMix
// is the attention output that the o projection reads (width qDim), FfnAct
// the SwiGLU activation that the down projection reads (width hiddenDim).
enum class LayerPoint {
    BlockInput,
    AttnNormOut,
    Route,
    AttnMix,
    AttnOut,
    FfnNormOut,
    FfnAct,
    FfnOut,
    BlockOutput
};

struct LayerEvent {
    int layer; // block index
    LayerPoint point;
    int nTokens;                 // rows in data
    int width;                   // floats per row
    int pos0;                    // position of the first row
    const float* data;           // nTokens x width, row-major; valid only during the call
    const int* levels = nullptr; // nTokens levels at LayerPoint::Route, else null
    int linear = -1;             // at LayerPoint::Route: the linear routed, -1 = whole block
};

using LayerObserver = std::function<void(const LayerEvent&)>;

} // namespace mobi
