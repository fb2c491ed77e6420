// A loaded LLaMA-family model: config, weight views and tokenizer.
#pragma once

#include "core/Tensor.h"
#include "model/ModelConfig.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mobi {

class Tokenizer;
struct SlicedModel;
struct RouterSet;

struct LayerWeights {
    Tensor attnNorm;          // [dim]
    Tensor wq, wk, wv, wo;    // [qDim, dim], [kvDim, dim], [kvDim, dim], [dim, qDim]
    Tensor bq, bk, bv;        // optional biases (Qwen2)
    Tensor qNorm, kNorm;      // optional [headDim] (Qwen3)
    Tensor ffnNorm;           // [dim]
    Tensor wGate, wUp, wDown; // [hidden, dim], [hidden, dim], [dim, hidden]
};

struct ModelWeights {
    Tensor tokEmbeddings; // [vocab, dim]
    std::vector<LayerWeights> layers;
    Tensor finalNorm;     // [dim]
    Tensor output;        // [vocab, dim]; empty when tied
    const Tensor& classifier() const { return output.empty() ? tokEmbeddings : output; }
};

struct Model {
    ModelConfig config;
    ModelWeights weights;
    std::shared_ptr<Tokenizer> tokenizer; // may be null when none was found
    std::string path;                     // what was opened
    std::string format;                   // "llama2c", "gguf", "safetensors"
    // Free-form facts shown by `info` (e.g. general.name, file version).
    std::map<std::string, std::string> metadata;
    // MoBiSlice decomposition of the block linears (null for a dense model).
    // When set, the dense q/k/v/o/gate/up/down tensors may be absent (a
    // sliced GGUF stores only the slices) and the forward uses the slices.
    std::shared_ptr<const SlicedModel> sliced;
    // MoBiRoute routers and budget tables of a sliced model (null when the
    // file has none): what --budget routes with.
    std::shared_ptr<const RouterSet> routers;

    // Checks every tensor's presence, dtype and shape against the config;
    // throws FormatError naming `path` and the tensor.
    void validate() const;
    uint64_t parameterCount() const;
    uint64_t weightBytes() const;
};

} // namespace mobi
