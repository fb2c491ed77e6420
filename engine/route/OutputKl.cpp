#include "route/OutputKl.h"

#include "core/Error.h"
#include "model/LevelPolicy.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace mobi {

namespace {

// Block `block` at `level`, every other block at the top level.
class OneBlockPolicy : public LevelPolicy {
  public:
    OneBlockPolicy(int block, int level, int top) : block_(block), level_(level), top_(top) {}
    void choose(int layer, const float*, int n, int, int, int* levels, float*) override {
        std::fill(levels, levels + n, layer == block_ ? level_ : top_);
    }

  private:
    int block_, level_, top_;
};

// Row-wise log-softmax in double.
void logSoftmax(const float* logits, int vocab, std::vector<double>& out) {
    out.resize(size_t(vocab));
    double mx = -INFINITY;
    for (int i = 0; i < vocab; ++i)
        mx = std::max(mx, double(logits[i]));
    double sum = 0;
    for (int i = 0; i < vocab; ++i)
        sum += std::exp(double(logits[i]) - mx);
    const double lse = mx + std::log(sum);
    for (int i = 0; i < vocab; ++i)
        out[size_t(i)] = double(logits[i]) - lse;
}

} // namespace

ErrorTable measureOutputKl(const Model& reference, const Model& candidate,
                           const std::vector<int>& tokens, const BlockErrorOptions& o) {
    const std::string where = candidate.path.empty() ? "output KL" : candidate.path;
    if (!candidate.sliced) throw EngineError(where, "output KL per level needs a sliced model");
    const ModelConfig& c = candidate.config;
    if (reference.config.vocabSize != c.vocabSize || reference.config.nLayers != c.nLayers)
        throw EngineError(where, "reference and candidate models have different shapes");
    const int ctx = o.ctx > 0 ? o.ctx : c.seqLen > 0 ? c.seqLen : 2048;
    const int L = c.nLayers, K = candidate.sliced->levels(), V = c.vocabSize;
    std::vector<std::pair<size_t, int>> chunks;
    for (size_t b = 0; b < tokens.size(); b += size_t(ctx)) {
        const int n = static_cast<int>(std::min(tokens.size() - b, size_t(ctx)));
        if (n >= 2) chunks.push_back({b, n});
    }
    if (chunks.empty()) throw EngineError(where, "needs at least 2 tokens to measure");
    ErrorTable e;
    e.units = L;
    e.levels = K;
    for (const auto& ch : chunks)
        e.tokens += ch.second;
    e.err.assign(size_t(L) * K * size_t(e.tokens), 0.0f);

    Transformer ref(reference, o.threads, ctx);
    Transformer cand(candidate, o.threads, ctx);
    std::vector<int> chunk;
    std::vector<double> refLp, lp;
    int base = 0;
    for (size_t ci = 0; ci < chunks.size(); ++ci) {
        const int n = chunks[ci].second;
        chunk.assign(tokens.begin() + static_cast<long>(chunks[ci].first),
                     tokens.begin() + static_cast<long>(chunks[ci].first) + n);
        chunk[0] = o.bos;
        const std::vector<float> refLogits = ref.forward(chunk.data(), n, 0, true);
        std::vector<double> refAll(size_t(n) * V);
        for (int t = 0; t < n; ++t) {
            logSoftmax(&refLogits[size_t(t) * V], V, refLp);
            std::copy(refLp.begin(), refLp.end(), refAll.begin() + size_t(t) * V);
        }
        for (int l = 0; l < L; ++l)
            for (int k = 1; k <= K; ++k) {
                if (o.cancel && o.cancel->load()) throw EngineError("output KL", "cancelled");
                if (k == K && reference.sliced) continue; // identical to the reference: 0
                cand.setLevelPolicy(std::make_shared<OneBlockPolicy>(l, k, K));
                const std::vector<float>& logits = cand.forward(chunk.data(), n, 0, true);
                for (int t = 0; t < n; ++t) {
                    logSoftmax(&logits[size_t(t) * V], V, lp);
                    const double* p = &refAll[size_t(t) * V];
                    double kl = 0;
                    for (int i = 0; i < V; ++i)
                        kl += std::exp(p[i]) * (p[i] - lp[size_t(i)]);
                    e.err[e.index(l, k, base + t)] = static_cast<float>(std::max(kl, 0.0));
                }
            }
        base += n;
        if (o.progress) o.progress(static_cast<int>(ci) + 1, static_cast<int>(chunks.size()));
    }
    return e;
}

} // namespace mobi
