// MoBiSlice applied to a whole model: slicing every block linear, the
// activation statistics that weight the clipping search, the dense reference
// of a level. Builds on model/ (it runs a Transformer) and quant/.
#pragma once

#include "model/Model.h"
#include "quant/SliceConfig.h"
#include "quant/SlicedModel.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mobi {

class ThreadPool;

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
