#include "train/ParamLayout.h"

#include "core/Error.h"
#include "util/SplitMix64.h"

#include <cmath>

namespace mobi {

ParamLayout::ParamLayout(const ModelConfig& c) : config_(c) {
    auto bad = [](const std::string& why) { throw EngineError("train", why); };
    if (c.dim <= 0 || c.hiddenDim <= 0 || c.nLayers <= 0 || c.nHeads <= 0 || c.nKvHeads <= 0 ||
        c.vocabSize <= 0 || c.seqLen <= 0)
        bad("model shape needs positive dim, hidden, layers, heads, kv heads, vocab and context");
    if (c.nHeads % c.nKvHeads != 0)
        bad("heads (" + std::to_string(c.nHeads) + ") must be a multiple of kv heads (" +
            std::to_string(c.nKvHeads) + ")");
    if (c.headDim <= 0 || c.headDim % 2 != 0)
        bad("head dimension " + std::to_string(c.headDim) + " must be positive and even");
    if (c.qkvBias || c.qkNorm) bad("only plain llama blocks (no q/k/v bias, no q/k norm) train");
    if (c.dim > 65536 || c.hiddenDim > 262144 || c.nLayers > 256 || c.vocabSize > 1 << 20 ||
        c.seqLen > 1 << 16 || int64_t(c.nHeads) * c.headDim > 65536)
        bad("model shape is beyond what the trainer supports");
    const int64_t dim = c.dim, hidden = c.hiddenDim, q = c.qDim(), kv = c.kvDim();
    tokEmb_ = add("token_embd.weight", {c.vocabSize, dim});
    for (int l = 0; l < c.nLayers; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        LayerParams L{};
        L.attnNorm = add(b + "attn_norm.weight", {dim});
        L.wq = add(b + "attn_q.weight", {q, dim});
        L.wk = add(b + "attn_k.weight", {kv, dim});
        L.wv = add(b + "attn_v.weight", {kv, dim});
        L.wo = add(b + "attn_output.weight", {dim, q});
        L.ffnNorm = add(b + "ffn_norm.weight", {dim});
        L.wGate = add(b + "ffn_gate.weight", {hidden, dim});
        L.wUp = add(b + "ffn_up.weight", {hidden, dim});
        L.wDown = add(b + "ffn_down.weight", {dim, hidden});
        layers_.push_back(L);
    }
    finalNorm_ = add("output_norm.weight", {dim});
    output_ = c.tiedEmbeddings ? tokEmb_ : add("output.weight", {c.vocabSize, dim});
}

size_t ParamLayout::add(const std::string& name, std::vector<int64_t> shape) {
    ParamTensor t;
    t.name = name;
    t.size = 1;
    for (int64_t d : shape)
        t.size *= static_cast<size_t>(d);
    t.shape = std::move(shape);
    t.offset = total_;
    t.matrix = t.shape.size() == 2;
    total_ += t.size;
    tensors_.push_back(t);
    return t.offset;
}

void ParamLayout::initialize(std::vector<float>& w, uint64_t seed) const {
    w.assign(total_, 0.0f);
    const double residualScale = 1.0 / std::sqrt(2.0 * config_.nLayers);
    for (size_t i = 0; i < tensors_.size(); ++i) {
        const ParamTensor& t = tensors_[i];
        float* p = w.data() + t.offset;
        if (!t.matrix) {
            std::fill(p, p + t.size, 1.0f);
            continue;
        }
        // One stream per tensor, so adding a tensor does not shift the others.
        SplitMix64 rng{seed * 0x9E3779B97F4A7C15ull + i};
        const bool residual = t.name.find("attn_output") != std::string::npos ||
                              t.name.find("ffn_down") != std::string::npos;
        const double std = 0.02 * (residual ? residualScale : 1.0);
        for (size_t k = 0; k < t.size; ++k)
            p[k] = static_cast<float>(rng.normal() * std);
    }
}

} // namespace mobi
