// Per linear of every block (q, k, v, o, gate, up, down), level and token:
// the error of that linear's output at the level against full precision, on
// the full-precision input. What per-linear routers are calibrated on.
#pragma once

#include "model/Model.h"
#include "route/BlockErrors.h"
#include "route/ErrorTable.h"

#include <array>
#include <vector>

namespace mobi {

// Linears of a block in routing order, and the input each reads.
constexpr int kLinearsPerBlock = 7;
const char* linearName(int linear); // "attn_q", ..., "ffn_down"
// 0: attention-norm output (q, k, v), 1: attention mix (o), 2: ffn-norm
// output (gate, up), 3: SwiGLU activation (down).
int linearInputKind(int linear);
// Input width of each linear, and its share of the block's parameters.
std::array<int, kLinearsPerBlock> linearInputWidths(const ModelConfig& c);
std::array<double, kLinearsPerBlock> linearParamShares(const ModelConfig& c);

struct LinearErrors {
    int nLayers = 0, nLevels = 0, nTokens = 0;
    std::array<int, kLinearsPerBlock> width{};
    // Units = layer * 7 + linear; err = ||W_k x - W x||^2 / mean over tokens
    // of ||W x||^2 (that linear's).
    ErrorTable errors;
    // Reference inputs [layer * 4 + kind]: nTokens x width of that kind.
    std::vector<std::vector<float>> inputs;

    const float* input(int layer, int linear) const {
        return inputs[static_cast<size_t>(layer) * 4 + linearInputKind(linear)].data();
    }
};

// Chunks `tokens` like measureBlockErrors, runs `reference` (dense, or a
// sliced model at its top level) capturing every linear's input, and
// computes each linear of `candidate` (sliced) at every level on them.
// Throws EngineError for a dense candidate, mismatched shapes, too few tokens,
// or cancellation.
LinearErrors measureLinearErrors(const Model& reference, const Model& candidate,
                                 const std::vector<int>& tokens, const BlockErrorOptions& options);

} // namespace mobi
