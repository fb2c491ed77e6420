#include "model/Model.h"

#include "core/Error.h"
#include "quant/SlicedModel.h"

namespace mobi {

namespace {

void expect(const std::string& path, const Tensor& t, const char* role,
            std::vector<int64_t> shape, bool optional = false) {
    if (t.empty()) {
        if (optional) return;
        throw FormatError(path, std::string("missing tensor for ") + role);
    }
    if (t.shape != shape) {
        Tensor want;
        want.shape = shape;
        throw FormatError(path, "tensor " + t.name + " (" + role + ") has shape " +
                                    t.shapeString() + ", expected " + want.shapeString());
    }
    switch (t.dtype) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q8_0: break;
    default:
        throw UnsupportedError(path, "tensor " + t.name + " has dtype " + dtypeName(t.dtype) +
                                         ", which the forward pass does not compute on");
    }
    uint64_t need = 0;
    if (!dtypeBytesChecked(t.dtype, static_cast<uint64_t>(t.numel()), need) || need != t.nbytes)
        throw FormatError(path, "tensor " + t.name + " has " + std::to_string(t.nbytes) +
                                    " bytes, its shape and dtype need " + std::to_string(need));
}

} // namespace

void Model::validate() const {
    const ModelConfig& c = config;
    if (c.dim <= 0 || c.hiddenDim <= 0 || c.nLayers <= 0 || c.nHeads <= 0 || c.nKvHeads <= 0 ||
        c.headDim <= 0 || c.vocabSize <= 0)
        throw FormatError(path, "config has a non-positive size (dim " + std::to_string(c.dim) +
                                    ", layers " + std::to_string(c.nLayers) + ", heads " +
                                    std::to_string(c.nHeads) + ", vocab " +
                                    std::to_string(c.vocabSize) + ")");
    if (c.nHeads % c.nKvHeads != 0)
        throw FormatError(path, "n_heads " + std::to_string(c.nHeads) +
                                    " is not a multiple of n_kv_heads " + std::to_string(c.nKvHeads));
    if (c.headDim % 2 != 0) throw FormatError(path, "head dimension must be even for RoPE");
    if (static_cast<int>(weights.layers.size()) != c.nLayers)
        throw FormatError(path, "expected " + std::to_string(c.nLayers) + " layers, found " +
                                    std::to_string(weights.layers.size()));
    const int64_t d = c.dim, h = c.hiddenDim, q = c.qDim(), kv = c.kvDim(), v = c.vocabSize;
    expect(path, weights.tokEmbeddings, "token embedding", {v, d});
    expect(path, weights.finalNorm, "final norm", {d});
    expect(path, weights.output, "output", {v, d}, c.tiedEmbeddings);
    // A sliced model may lack its dense linears (a sliced GGUF stores only
    // the slices); those present must still have the right shape.
    const bool denseOptional = sliced != nullptr;
    if (sliced) {
        if (static_cast<int>(sliced->layers.size()) != c.nLayers)
            throw FormatError(path, "sliced model has " + std::to_string(sliced->layers.size()) +
                                        " blocks, config says " + std::to_string(c.nLayers));
        const int64_t shapes[7][2] = {{q, d}, {kv, d}, {kv, d}, {d, q}, {h, d}, {h, d}, {d, h}};
        for (const SlicedLayer& S : sliced->layers) {
            const auto all = S.all();
            for (size_t i = 0; i < all.size(); ++i)
                if (all[i]->rows() != shapes[i][0] || all[i]->cols() != shapes[i][1] ||
                    all[i]->levels() != sliced->levels())
                    throw FormatError(path, "sliced matrix " + all[i]->name() + " is " +
                                                std::to_string(all[i]->rows()) + " x " +
                                                std::to_string(all[i]->cols()) + " with " +
                                                std::to_string(all[i]->levels()) +
                                                " levels, expected " +
                                                std::to_string(shapes[i][0]) + " x " +
                                                std::to_string(shapes[i][1]) + " with " +
                                                std::to_string(sliced->levels()));
        }
    }
    for (const LayerWeights& L : weights.layers) {
        expect(path, L.attnNorm, "attention norm", {d});
        expect(path, L.wq, "wq", {q, d}, denseOptional);
        expect(path, L.wk, "wk", {kv, d}, denseOptional);
        expect(path, L.wv, "wv", {kv, d}, denseOptional);
        expect(path, L.wo, "wo", {d, q}, denseOptional);
        expect(path, L.bq, "q bias", {q}, !c.qkvBias);
        expect(path, L.bk, "k bias", {kv}, !c.qkvBias);
        expect(path, L.bv, "v bias", {kv}, !c.qkvBias);
        expect(path, L.qNorm, "q norm", {c.headDim}, !c.qkNorm);
        expect(path, L.kNorm, "k norm", {c.headDim}, !c.qkNorm);
        expect(path, L.ffnNorm, "ffn norm", {d});
        expect(path, L.wGate, "ffn gate", {h, d}, denseOptional);
        expect(path, L.wUp, "ffn up", {h, d}, denseOptional);
        expect(path, L.wDown, "ffn down", {d, h}, denseOptional);
    }
}

uint64_t Model::parameterCount() const {
    uint64_t n = 0;
    auto add = [&](const Tensor& t) { n += t.empty() ? 0 : static_cast<uint64_t>(t.numel()); };
    add(weights.tokEmbeddings);
    add(weights.finalNorm);
    add(weights.output);
    for (const LayerWeights& L : weights.layers)
        for (const Tensor* t : {&L.attnNorm, &L.wq, &L.wk, &L.wv, &L.wo, &L.bq, &L.bk, &L.bv,
                                &L.qNorm, &L.kNorm, &L.ffnNorm, &L.wGate, &L.wUp, &L.wDown})
            add(*t);
    if (sliced && !weights.layers.empty() && weights.layers[0].wq.empty())
        n += sliced->parameterCount();
    return n;
}

uint64_t Model::weightBytes() const {
    uint64_t n = 0;
    auto add = [&](const Tensor& t) { n += t.nbytes; };
    add(weights.tokEmbeddings);
    add(weights.finalNorm);
    add(weights.output);
    for (const LayerWeights& L : weights.layers)
        for (const Tensor* t : {&L.attnNorm, &L.wq, &L.wk, &L.wv, &L.wo, &L.bq, &L.bk, &L.bv,
                                &L.qNorm, &L.kNorm, &L.ffnNorm, &L.wGate, &L.wUp, &L.wDown})
            add(*t);
    // Sliced without dense linears: what the top level reads.
    if (sliced && !weights.layers.empty() && weights.layers[0].wq.empty())
        n += sliced->levelBytes(sliced->levels());
    return n;
}

} // namespace mobi
