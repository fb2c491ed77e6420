// LLaMA-shaped models with random weights and a real vocabulary, for
// benchmarks at real sizes without downloading checkpoints.
#pragma once

#include "core/DType.h"
#include "model/Model.h"

#include <string>
#include <vector>

namespace mobi {

struct ModelShape {
    std::string name;
    ModelConfig config;
};

// Known shapes: tinyllama-1.1b, llama2-7b, stories15m, stories110m, tiny.
const std::vector<ModelShape>& knownModelShapes();
// Throws EngineError listing the known names when `name` is not one.
const ModelShape& findModelShape(const std::string& name);

// Weights ~ U(-a, a) with a = 0.02*sqrt(3) (std 0.02, as HF's initializer),
// norms 1. Matrices in `matrixType` (F16 default), filled in parallel.
// The tokenizer's vocabulary size must equal the shape's.
Model makeRandomModel(const ModelShape& shape, std::shared_ptr<Tokenizer> tokenizer,
                      uint64_t seed, DType matrixType = DType::F16, int nThreads = 0);

} // namespace mobi
