#include "slicing/ModelSlicing.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "model/Transformer.h"

#include <algorithm>
#include <cstdio>

namespace mobi {

namespace {

struct Fnv1a {
    uint64_t h = 0xcbf29ce484222325ull;
    void bytes(const void* p, uint64_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        for (uint64_t i = 0; i < n; ++i) {
            h ^= b[i];
            h *= 0x100000001b3ull;
        }
    }
    void u64(uint64_t v) { bytes(&v, sizeof v); }
};

std::vector<const Tensor*> linears(const LayerWeights& L) {
    return {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown};
}

const char* const kLinearNames[7] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                     "ffn_gate", "ffn_up", "ffn_down"};

} // namespace

std::string sourceWeightHash(const Model& model) {
    Fnv1a f;
    const std::string where = model.path.empty() ? "model" : model.path;
    for (size_t l = 0; l < model.weights.layers.size(); ++l) {
        const auto ts = linears(model.weights.layers[l]);
        for (size_t i = 0; i < ts.size(); ++i) {
            const Tensor& t = *ts[i];
            if (t.empty())
                throw EngineError(where, "block " + std::to_string(l) + " has no dense " +
                                             kLinearNames[i] + " weight to hash");
            f.u64(static_cast<uint64_t>(t.dtype));
            f.u64(t.shape.size());
            for (int64_t d : t.shape)
                f.u64(static_cast<uint64_t>(d));
            f.bytes(t.data, t.nbytes);
        }
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(f.h));
    return buf;
}

CalibrationStats collectCalibration(const Model& model, const std::vector<int>& tokens, int ctx,
                                    int threads) {
    const ModelConfig& c = model.config;
    const std::string where = model.path.empty() ? "model" : model.path;
    if (ctx < 1) throw EngineError(where, "calibration context must be positive");
    if (tokens.empty()) throw EngineError(where, "calibration needs at least one token");
    CalibrationStats st;
    st.layers.resize(static_cast<size_t>(c.nLayers));
    std::vector<std::vector<double>> attn(static_cast<size_t>(c.nLayers),
                                          std::vector<double>(static_cast<size_t>(c.dim), 0.0));
    std::vector<std::vector<double>> ffn = attn;
    Transformer t(model, threads, ctx);
    t.setObserver([&](const LayerEvent& e) {
        if (e.point != LayerPoint::AttnNormOut && e.point != LayerPoint::FfnNormOut) return;
        if (e.layer < 0 || e.layer >= c.nLayers || e.width != c.dim) return;
        auto& acc = (e.point == LayerPoint::AttnNormOut ? attn : ffn)[static_cast<size_t>(e.layer)];
        for (int r = 0; r < e.nTokens; ++r) {
            const float* x = e.data + static_cast<size_t>(r) * e.width;
            for (int j = 0; j < e.width; ++j)
                acc[static_cast<size_t>(j)] += static_cast<double>(x[j]) * x[j];
        }
    });
    for (size_t b = 0; b < tokens.size(); b += static_cast<size_t>(ctx)) {
        const int n = static_cast<int>(std::min(tokens.size() - b, static_cast<size_t>(ctx)));
        t.forward(tokens.data() + b, n, 0);
    }
    st.tokens = static_cast<int64_t>(tokens.size());
    const double inv = 1.0 / static_cast<double>(st.tokens);
    for (int l = 0; l < c.nLayers; ++l) {
        auto& L = st.layers[static_cast<size_t>(l)];
        L.attnIn.resize(static_cast<size_t>(c.dim));
        L.ffnIn.resize(static_cast<size_t>(c.dim));
        for (int j = 0; j < c.dim; ++j) {
            L.attnIn[static_cast<size_t>(j)] =
                static_cast<float>(attn[static_cast<size_t>(l)][static_cast<size_t>(j)] * inv);
            L.ffnIn[static_cast<size_t>(j)] =
                static_cast<float>(ffn[static_cast<size_t>(l)][static_cast<size_t>(j)] * inv);
        }
    }
    return st;
}

SlicedModel sliceModel(const Model& model, const SliceConfig& cfg, const CalibrationStats* calib,
                       ThreadPool& pool, const SliceProgress& progress) {
    const std::string where = model.path.empty() ? "model" : model.path;
    cfg.validate("slice config");
    const int nLayers = static_cast<int>(model.weights.layers.size());
    if (calib && static_cast<int>(calib->layers.size()) != nLayers)
        throw EngineError(where, "calibration statistics cover " +
                                     std::to_string(calib->layers.size()) + " blocks, model has " +
                                     std::to_string(nLayers));
    SlicedModel sm;
    sm.config = cfg;
    sm.sourceHash = sourceWeightHash(model);
    sm.layers.resize(static_cast<size_t>(nLayers));
    for (int l = 0; l < nLayers; ++l) {
        if (progress) progress(l, nLayers);
        const LayerWeights& L = model.weights.layers[static_cast<size_t>(l)];
        SlicedLayer& S = sm.layers[static_cast<size_t>(l)];
        const std::vector<float>* attnImp = nullptr;
        const std::vector<float>* ffnImp = nullptr;
        if (calib) {
            const auto& cl = calib->layers[static_cast<size_t>(l)];
            if (!cl.attnIn.empty()) attnImp = &cl.attnIn;
            if (!cl.ffnIn.empty()) ffnImp = &cl.ffnIn;
        }
        auto q = [&](const Tensor& t, const std::vector<float>* imp) {
            return SlicedMatrix::quantize(t, cfg, imp, &pool);
        };
        S.wq = q(L.wq, attnImp);
        S.wk = q(L.wk, attnImp);
        S.wv = q(L.wv, attnImp);
        S.wo = q(L.wo, nullptr);
        S.wGate = q(L.wGate, ffnImp);
        S.wUp = q(L.wUp, ffnImp);
        S.wDown = q(L.wDown, nullptr);
    }
    if (progress) progress(nLayers, nLayers);
    return sm;
}

Model denseModelAtLevel(const Model& model, int k) {
    if (!model.sliced)
        throw EngineError(model.path.empty() ? "model" : model.path, "model is not sliced");
    Model m = model;
    m.sliced.reset();
    m.routers.reset();
    for (size_t l = 0; l < model.sliced->layers.size(); ++l) {
        const SlicedLayer& S = model.sliced->layers[l];
        LayerWeights& L = m.weights.layers[l];
        Tensor* dst[7] = {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown};
        const auto src = S.all();
        for (size_t i = 0; i < 7; ++i)
            *dst[i] = Tensor::fromF32(src[i]->name(), {src[i]->rows(), src[i]->cols()},
                                      src[i]->dequantizeLevel(k));
    }
    return m;
}

} // namespace mobi
