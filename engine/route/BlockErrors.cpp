#include "route/BlockErrors.h"

#include "core/Error.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"

#include <algorithm>
#include <cmath>

namespace mobi {

namespace {

struct Chunk {
    int begin = 0, n = 0;
};

std::vector<Chunk> chunksOf(int64_t total, int ctx) {
    std::vector<Chunk> out;
    for (int64_t b = 0; b < total; b += ctx) {
        const int n = static_cast<int>(std::min<int64_t>(ctx, total - b));
        if (n >= 2) out.push_back({static_cast<int>(b), n});
    }
    return out;
}

} // namespace

BlockErrors measureBlockErrors(const Model& reference, const Model& candidate,
                               const std::vector<int>& tokens, const BlockErrorOptions& o) {
    const ModelConfig& rc = reference.config;
    const ModelConfig& cc = candidate.config;
    const std::string where = candidate.path.empty() ? "block errors" : candidate.path;
    if (rc.dim != cc.dim || rc.nLayers != cc.nLayers || rc.hiddenDim != cc.hiddenDim ||
        rc.vocabSize != cc.vocabSize || rc.nHeads != cc.nHeads || rc.nKvHeads != cc.nKvHeads)
        throw EngineError(where, "reference and candidate models have different shapes");
    const int ctx = o.ctx > 0 ? o.ctx : rc.seqLen > 0 ? rc.seqLen : 2048;
    const std::vector<Chunk> chunks = chunksOf(static_cast<int64_t>(tokens.size()), ctx);
    if (chunks.empty()) throw EngineError(where, "needs at least 2 tokens to measure");

    Transformer ref(reference, o.threads, ctx);
    Transformer cand(candidate, o.threads, ctx);
    const int L = rc.nLayers, dim = rc.dim;
    const int K = cand.levels() > 0 ? cand.levels() : 1;

    BlockErrors e;
    e.nLayers = L;
    e.nLevels = K;
    e.dim = dim;
    for (const Chunk& c : chunks)
        e.nTokens += c.n;
    const size_t T = static_cast<size_t>(e.nTokens);
    e.residualErr.assign(static_cast<size_t>(L) * K * T, 0.0f);
    e.updateErr.assign(e.residualErr.size(), 0.0f);
    e.absoluteErr.assign(e.residualErr.size(), 0.0f);
    std::vector<double> ySquared(static_cast<size_t>(L), 0.0); // sum over tokens of ||y||^2
    if (o.keepRouterInputs) e.routerInput.assign(static_cast<size_t>(L) * T * dim, 0.0f);
    e.channelMeanAbs.assign(static_cast<size_t>(L) * dim, 0.0f);
    e.channelMaxAbs.assign(static_cast<size_t>(L) * dim, 0.0f);
    std::vector<double> meanAbs(static_cast<size_t>(L) * dim, 0.0);

    // Reference block inputs and outputs of the current chunk: [layer][t][dim].
    std::vector<float> xin(static_cast<size_t>(L) * ctx * dim), yref(xin.size()),
        out(size_t(ctx) * dim);
    int base = 0; // first token index of the chunk in e
    ref.setObserver([&](const LayerEvent& ev) {
        const size_t off = static_cast<size_t>(ev.layer) * ctx * dim;
        const size_t count = static_cast<size_t>(ev.nTokens) * dim;
        if (ev.point == LayerPoint::BlockInput) {
            std::copy(ev.data, ev.data + count, xin.begin() + off);
        } else if (ev.point == LayerPoint::BlockOutput) {
            std::copy(ev.data, ev.data + count, yref.begin() + off);
        } else if (ev.point == LayerPoint::AttnNormOut) {
            const size_t l = static_cast<size_t>(ev.layer);
            for (int t = 0; t < ev.nTokens; ++t)
                for (int j = 0; j < dim; ++j) {
                    const float a = std::fabs(ev.data[size_t(t) * dim + j]);
                    meanAbs[l * dim + j] += a;
                    e.channelMaxAbs[l * dim + j] = std::max(e.channelMaxAbs[l * dim + j], a);
                }
            if (o.keepRouterInputs)
                std::copy(ev.data, ev.data + count,
                          e.routerInput.begin() + (l * T + size_t(base)) * dim);
        }
    });

    std::vector<int> chunk;
    for (size_t ci = 0; ci < chunks.size(); ++ci) {
        if (o.cancel && o.cancel->load()) throw EngineError("block errors", "cancelled");
        const Chunk& c = chunks[ci];
        chunk.assign(tokens.begin() + c.begin, tokens.begin() + c.begin + c.n);
        chunk[0] = o.bos;
        for (int t = 0; t < c.n; ++t) {
            e.tokens.push_back(chunk[size_t(t)]);
            e.positions.push_back(t);
        }
        ref.forward(chunk.data(), c.n, 0, false);
        for (int l = 0; l < L; ++l) {
            const float* x = &xin[static_cast<size_t>(l) * ctx * dim];
            const float* y = &yref[static_cast<size_t>(l) * ctx * dim];
            for (int k = 1; k <= K; ++k) {
                if (cand.levels() > 0) cand.setLevel(k);
                cand.forwardBlock(l, x, c.n, 0, out.data());
                for (int t = 0; t < c.n; ++t) {
                    double d2 = 0, y2 = 0, u2 = 0;
                    for (int j = 0; j < dim; ++j) {
                        const size_t i = size_t(t) * dim + j;
                        const double d = double(out[i]) - y[i];
                        const double u = double(y[i]) - x[i];
                        d2 += d * d;
                        y2 += double(y[i]) * y[i];
                        u2 += u * u;
                    }
                    const size_t idx = e.index(l, k, base + t);
                    e.residualErr[idx] = static_cast<float>(y2 > 0 ? d2 / y2 : 0.0);
                    e.absoluteErr[idx] = static_cast<float>(d2);
                    if (k == 1) ySquared[size_t(l)] += y2;
                    e.updateErr[idx] = static_cast<float>(u2 > 0 ? std::sqrt(d2 / u2) : 0.0);
                }
            }
        }
        base += c.n;
        if (o.progress) o.progress(static_cast<int>(ci) + 1, static_cast<int>(chunks.size()));
    }
    for (int l = 0; l < L; ++l) {
        const double mean = ySquared[size_t(l)] / e.nTokens;
        const size_t b = e.index(l, 1, 0);
        for (size_t i = b; i < b + size_t(K) * T; ++i)
            e.absoluteErr[i] = static_cast<float>(mean > 0 ? e.absoluteErr[i] / mean : 0.0);
    }
    for (size_t i = 0; i < meanAbs.size(); ++i)
        e.channelMeanAbs[i] = static_cast<float>(meanAbs[i] / e.nTokens);
    return e;
}

} // namespace mobi
