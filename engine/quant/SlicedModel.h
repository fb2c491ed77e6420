// Every block linear of a model decomposed into MoBiSlice bit-slices.
#pragma once

#include "quant/SliceConfig.h"
#include "quant/SlicedMatrix.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mobi {

struct Model;
class ThreadPool;

// The seven sliced linears of one transformer block.
struct SlicedLayer {
    SlicedMatrix wq, wk, wv, wo, wGate, wUp, wDown;
    // In a fixed order (q, k, v, o, gate, up, down) for loops over all.
    std::vector<const SlicedMatrix*> all() const {
        return {&wq, &wk, &wv, &wo, &wGate, &wUp, &wDown};
    }
};

// Activation statistics E[x_j^2] of each linear's input per block, used to
// weight the clipping search. An empty vector means unweighted.
struct CalibrationStats {
    struct Layer {
        std::vector<float> attnIn; // input of q/k/v (attention-normed hidden state)
        std::vector<float> ffnIn;  // input of gate/up (ffn-normed hidden state)
    };
    std::vector<Layer> layers;
    int64_t tokens = 0;
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

// FNV-1a 64-bit over the shape, dtype and raw bytes of every block linear
// (q, k, v, o, gate, up, down) of each layer, as 16 hex digits. Throws
// EngineError when a linear is absent.
std::string sourceWeightHash(const Model& model);

// Runs the model over `tokens` in chunks of `ctx` and accumulates E[x^2] of
// the inputs of q/k/v and gate/up per block.
CalibrationStats collectCalibration(const Model& model, const std::vector<int>& tokens, int ctx,
                                    int threads);

using SliceProgress = std::function<void(int layer, int nLayers)>;

// Slices every block linear (embeddings and classifier stay as they are).
// Throws EngineError for an invalid config, a missing linear or statistics
// that do not match the model.
SlicedModel sliceModel(const Model& model, const SliceConfig& cfg, const CalibrationStats* calib,
                       ThreadPool& pool, const SliceProgress& progress = {});

// A copy of `model` whose block linears are owned F32 tensors holding level k
// of model.sliced (model.sliced reset): the dense reference of a level.
Model denseModelAtLevel(const Model& model, int k);

} // namespace mobi
