#include "route/LinearErrors.h"

#include "core/Error.h"
#include "kernels/Matmul.h"
#include "model/Transformer.h"
#include "quant/SlicedKernels.h"
#include "quant/SlicedModel.h"

#include <algorithm>

namespace mobi {

const char* linearName(int i) {
    static const char* names[kLinearsPerBlock] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                                  "ffn_gate", "ffn_up", "ffn_down"};
    return i >= 0 && i < kLinearsPerBlock ? names[i] : "?";
}

int linearInputKind(int i) {
    static const int kinds[kLinearsPerBlock] = {0, 0, 0, 1, 2, 2, 3};
    return kinds[i];
}

std::array<int, kLinearsPerBlock> linearInputWidths(const ModelConfig& c) {
    return {c.dim, c.dim, c.dim, c.qDim(), c.dim, c.dim, c.hiddenDim};
}

std::array<double, kLinearsPerBlock> linearParamShares(const ModelConfig& c) {
    const double d = c.dim, q = c.qDim(), kv = c.kvDim(), h = c.hiddenDim;
    const double p[kLinearsPerBlock] = {q * d, kv * d, kv * d, d * q, h * d, h * d, d * h};
    double sum = 0;
    for (double x : p)
        sum += x;
    std::array<double, kLinearsPerBlock> out{};
    for (int i = 0; i < kLinearsPerBlock; ++i)
        out[size_t(i)] = p[i] / sum;
    return out;
}

namespace {

const Tensor& denseLinear(const LayerWeights& L, int i) {
    const Tensor* t[kLinearsPerBlock] = {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown};
    return *t[i];
}

} // namespace

LinearErrors measureLinearErrors(const Model& reference, const Model& candidate,
                                 const std::vector<int>& tokens, const BlockErrorOptions& o) {
    const std::string where = candidate.path.empty() ? "linear errors" : candidate.path;
    const ModelConfig& rc = reference.config;
    const ModelConfig& cc = candidate.config;
    if (!candidate.sliced) throw EngineError(where, "per-linear errors need a sliced model");
    if (rc.dim != cc.dim || rc.nLayers != cc.nLayers || rc.hiddenDim != cc.hiddenDim ||
        rc.qDim() != cc.qDim() || rc.kvDim() != cc.kvDim())
        throw EngineError(where, "reference and candidate models have different shapes");
    const int ctx = o.ctx > 0 ? o.ctx : rc.seqLen > 0 ? rc.seqLen : 2048;
    const int L = cc.nLayers, K = candidate.sliced->levels();
    const std::array<int, 4> kindWidth = {cc.dim, cc.qDim(), cc.dim, cc.hiddenDim};

    LinearErrors e;
    e.nLayers = L;
    e.nLevels = K;
    e.width = linearInputWidths(cc);
    e.inputs.resize(size_t(L) * 4);
    std::vector<int> chunk;
    {
        Transformer ref(reference, o.threads, ctx);
        ref.setObserver([&](const LayerEvent& ev) {
            int kind = -1;
            if (ev.point == LayerPoint::AttnNormOut) kind = 0;
            if (ev.point == LayerPoint::AttnMix) kind = 1;
            if (ev.point == LayerPoint::FfnNormOut) kind = 2;
            if (ev.point == LayerPoint::FfnAct) kind = 3;
            if (kind < 0) return;
            std::vector<float>& dst = e.inputs[size_t(ev.layer) * 4 + size_t(kind)];
            dst.insert(dst.end(), ev.data, ev.data + size_t(ev.nTokens) * ev.width);
        });
        int done = 0, total = 0;
        for (size_t b = 0; b < tokens.size(); b += size_t(ctx))
            total += tokens.size() - b >= 2 ? 1 : 0;
        for (size_t b = 0; b < tokens.size(); b += size_t(ctx)) {
            const int n = static_cast<int>(std::min(tokens.size() - b, size_t(ctx)));
            if (n < 2) continue;
            if (o.cancel && o.cancel->load()) throw EngineError("linear errors", "cancelled");
            chunk.assign(tokens.begin() + static_cast<long>(b),
                         tokens.begin() + static_cast<long>(b) + n);
            chunk[0] = o.bos;
            ref.forward(chunk.data(), n, 0, false);
            e.nTokens += n;
            if (o.progress) o.progress(++done, total);
        }
    }
    if (e.nTokens == 0) throw EngineError(where, "needs at least 2 tokens to measure");
    const int T = e.nTokens;
    e.errors.units = L * kLinearsPerBlock;
    e.errors.levels = K;
    e.errors.tokens = T;
    e.errors.err.assign(size_t(e.errors.units) * K * T, 0.0f);

    ThreadPool pool(o.threads);
    const KernelIsa isa = bestKernelIsa();
    std::vector<float> yRef, yK;
    for (int l = 0; l < L; ++l) {
        const std::vector<const SlicedMatrix*> sm = candidate.sliced->layers[size_t(l)].all();
        for (int i = 0; i < kLinearsPerBlock; ++i) {
            if (o.cancel && o.cancel->load()) throw EngineError("linear errors", "cancelled");
            const float* X = e.input(l, i);
            const int64_t rows = sm[size_t(i)]->rows();
            if (static_cast<int64_t>(kindWidth[size_t(linearInputKind(i))]) !=
                sm[size_t(i)]->cols())
                throw EngineError(where, "linear " + std::string(linearName(i)) +
                                             " does not match the model config");
            yRef.resize(size_t(T) * rows);
            yK.resize(yRef.size());
            if (reference.sliced) {
                const SlicedMatrix& r = *reference.sliced->layers[size_t(l)].all()[size_t(i)];
                slicedMatmul(pool, r, r.levels(), X, T, yRef.data(), isa);
            } else {
                matmul(pool, weightView(denseLinear(reference.weights.layers[size_t(l)], i)), X, T,
                       yRef.data(), isa);
            }
            double meanSq = 0;
            for (float v : yRef)
                meanSq += double(v) * v;
            meanSq /= T;
            for (int k = 1; k <= K; ++k) {
                slicedMatmul(pool, *sm[size_t(i)], k, X, T, yK.data(), isa);
                const int unit = l * kLinearsPerBlock + i;
                for (int t = 0; t < T; ++t) {
                    double d2 = 0;
                    for (int64_t r = 0; r < rows; ++r) {
                        const double d =
                            double(yK[size_t(t) * rows + r]) - yRef[size_t(t) * rows + r];
                        d2 += d * d;
                    }
                    e.errors.err[e.errors.index(unit, k, t)] =
                        static_cast<float>(meanSq > 0 ? d2 / meanSq : 0.0);
                }
            }
        }
    }
    return e;
}

} // namespace mobi
