// Every block linear of a model decomposed into MoBiSlice bit-slices.
#pragma once

#include "quant/SliceConfig.h"
#include "quant/SlicedMatrix.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

// The seven sliced linears of one transformer block.
struct SlicedLayer {
    SlicedMatrix wq, wk, wv, wo, wGate, wUp, wDown;
    // In a fixed order (q, k, v, o, gate, up, down) for loops over all.
    std::vector<const SlicedMatrix*> all() const {
        return {&wq, &wk, &wv, &wo, &wGate, &wUp, &wDown};
    }
};

struct SlicedModel {
    SliceConfig config;
    // 16 hex digits of sourceWeightHash() of the dense model that was sliced.
    std::string sourceHash;
    std::vector<SlicedLayer> layers;

    int levels() const { return config.levels(); }
    // Parameters of all sliced matrices.
    uint64_t parameterCount() const;
    // Bytes a forward at level k reads from the sliced matrices.
    uint64_t levelBytes(int k) const;
    // Bits per sliced weight at level k, scale/min overhead included
    // (parameter-weighted over all sliced matrices).
    double effectiveBits(int k) const;
    // Mean over all sliced matrices of ||W - W_k|| / ||W|| recorded while
    // slicing (NaN when the model was loaded from a file).
    double meanReconstructionError(int k) const;
};

} // namespace mobi
