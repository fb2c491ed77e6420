// Where each trainable tensor of a LLaMA-family model lives in one flat FP32
// buffer (weights, gradients and AdamW moments share the layout), named as
// GGUF names them.
#pragma once

#include "model/ModelConfig.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

struct ParamTensor {
    std::string name;           // GGUF name, e.g. "blk.0.attn_q.weight"
    std::vector<int64_t> shape; // row-major, outermost first
    size_t offset = 0;          // in floats
    size_t size = 0;
    bool matrix = false; // weight decay applies to matrices only
};

struct LayerParams {
    size_t attnNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown; // offsets
};

class ParamLayout {
  public:
    // Throws EngineError when the configuration cannot be trained here
    // (non-llama features, inconsistent head counts, sizes out of range).
    explicit ParamLayout(const ModelConfig& config);

    const ModelConfig& config() const { return config_; }
    const std::vector<ParamTensor>& tensors() const { return tensors_; }
    size_t total() const { return total_; }
    size_t tokEmbeddings() const { return tokEmb_; }
    size_t finalNorm() const { return finalNorm_; }
    // The classifier's offset: the token embedding when tied.
    size_t classifier() const { return output_; }
    const LayerParams& layer(int l) const { return layers_[static_cast<size_t>(l)]; }

    // Normal(0, 0.02) matrices (output projections of each block scaled by
    // 1/sqrt(2 layers)), norms 1; a pure function of the seed.
    void initialize(std::vector<float>& w, uint64_t seed) const;

  private:
    size_t add(const std::string& name, std::vector<int64_t> shape);
    ModelConfig config_;
    std::vector<ParamTensor> tensors_;
    std::vector<LayerParams> layers_;
    size_t total_ = 0, tokEmb_ = 0, finalNorm_ = 0, output_ = 0;
};

} // namespace mobi
