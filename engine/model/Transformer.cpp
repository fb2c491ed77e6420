#include "model/Transformer.h"

#include "backend/CpuBackend.h"
#include "core/Error.h"
#include "kernels/Matmul.h"
#include "kernels/Q8Int8Gemv.h"
#include "kernels/VectorOps.h"
#include "model/BlockLinear.h"
#include "model/LevelPolicy.h"
#include "quant/SlicedKernels.h"
#include "quant/SlicedModel.h"
#include "trace/Tracer.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mobi {

namespace {

// Default context when neither the caller nor the model gives one.
constexpr int kFallbackContext = 4096;
constexpr int kMaxContext = 1 << 20;

struct LayerViews {
    WeightView wq, wk, wv, wo, wGate, wUp, wDown;
    std::vector<float> attnNorm, ffnNorm, bq, bk, bv, qNorm, kNorm;
};

std::vector<float> smallVector(const Tensor& t, int64_t expect, const char* what) {
    if (t.empty()) return {};
    if (t.numel() != expect)
        throw EngineError(t.name, std::string(what) + " has " + std::to_string(t.numel()) +
                                      " elements, expected " + std::to_string(expect));
    return t.toF32();
}

WeightView matrix(const Tensor& t, int64_t rows, int64_t cols, const char* what) {
    if (t.empty()) throw EngineError(what, "weight is missing");
    const WeightView v = weightView(t);
    if (v.rows != rows || v.cols != cols)
        throw EngineError(t.name, "shape " + t.shapeString() + ", expected [" +
                                      std::to_string(rows) + ", " + std::to_string(cols) + "]");
    return v;
}

} // namespace

struct Transformer::State {
    KernelIsa isa = KernelIsa::Scalar;
    SlicedKernelMode act = SlicedKernelMode::Float; // sliced linears' activations
    const SlicedModel* sliced = nullptr;            // block linears from slices when set
    int level = 0;
    std::shared_ptr<LevelPolicy> policy; // per-token levels when set
    std::vector<int> tokLevels;          // [n] levels of the current block
    std::vector<int> linLevels[3];       // [n] per linear of a group (per-linear policies)
    std::vector<float> scores;           // [n * policy->scoreWidth()]
    std::vector<float> gatherX, gatherY; // rows of one level (grouped prefill)
    std::vector<int> gatherRows;         // which tokens those rows are
    std::vector<LayerViews> layers;
    WeightView classifier;
    std::vector<Q8Int8Input> clsInput; // int8 mode, Q8_0 classifier: the normed rows
    std::vector<float> finalNorm;
    int capacity = 0; // tokens the activation buffers hold
    std::vector<float> x, xb, xb2, q, k, v, hb, hb2, logits;
    std::vector<float> keyCache, valueCache; // [layer][pos][kvDim]
    std::unique_ptr<CpuBackend> backend;     // the block's ops

    void reserve(const ModelConfig& c, int n) {
        if (n <= capacity) return;
        capacity = n;
        const size_t N = static_cast<size_t>(n);
        x.resize(N * c.dim);
        xb.resize(N * std::max(c.dim, c.qDim()));
        xb2.resize(N * std::max(c.dim, c.qDim()));
        q.resize(N * c.qDim());
        k.resize(N * c.kvDim());
        v.resize(N * c.kvDim());
        hb.resize(N * c.hiddenDim);
        hb2.resize(N * c.hiddenDim);
    }
};

Transformer::Transformer(const Model& model, int nThreads, int maxContext)
    : model_(model), pool_(std::make_unique<ThreadPool>(nThreads)),
      state_(std::make_unique<State>()) {
    const ModelConfig& c = model.config;
    const ModelWeights& w = model.weights;
    const std::string where = model.path.empty() ? "model" : model.path;
    if (c.dim <= 0 || c.hiddenDim <= 0 || c.nLayers <= 0 || c.nHeads <= 0 || c.nKvHeads <= 0 ||
        c.headDim <= 0 || c.vocabSize <= 0 || c.nHeads % c.nKvHeads != 0 || c.headDim % 2 != 0)
        throw EngineError(where, "invalid model configuration for the forward pass");
    if (static_cast<int>(w.layers.size()) != c.nLayers)
        throw EngineError(where, "model has " + std::to_string(w.layers.size()) +
                                     " blocks, config says " + std::to_string(c.nLayers));
    maxContext_ = maxContext > 0 ? maxContext : c.seqLen > 0 ? c.seqLen : kFallbackContext;
    if (maxContext_ > kMaxContext)
        throw EngineError(where, "context of " + std::to_string(maxContext_) +
                                     " positions is more than the supported " +
                                     std::to_string(kMaxContext));

    State& s = *state_;
    s.isa = bestKernelIsa();
    s.act = defaultSlicedKernelMode();
    const Tensor& emb = w.tokEmbeddings;
    if (emb.empty() || emb.rows() != c.vocabSize || emb.cols() != c.dim)
        throw EngineError(emb.name.empty() ? where : emb.name,
                          "token embedding shape " + emb.shapeString() + " does not match config");
    weightView(emb); // dtype and size checks
    if (model.sliced) {
        if (static_cast<int>(model.sliced->layers.size()) != c.nLayers)
            throw EngineError(where, "sliced model has " +
                                         std::to_string(model.sliced->layers.size()) +
                                         " blocks, config says " + std::to_string(c.nLayers));
        s.sliced = model.sliced.get();
        s.level = model.sliced->levels();
    }
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerWeights& L = w.layers[l];
        LayerViews V;
        if (s.sliced) {
            const SlicedLayer& S = s.sliced->layers[static_cast<size_t>(l)];
            const int64_t shapes[7][2] = {
                {c.qDim(), c.dim},    {c.kvDim(), c.dim},   {c.kvDim(), c.dim},  {c.dim, c.qDim()},
                {c.hiddenDim, c.dim}, {c.hiddenDim, c.dim}, {c.dim, c.hiddenDim}};
            const auto all = S.all();
            for (size_t i = 0; i < all.size(); ++i)
                if (all[i]->rows() != shapes[i][0] || all[i]->cols() != shapes[i][1] ||
                    all[i]->levels() != s.sliced->levels())
                    throw EngineError(
                        where, "sliced matrix " + all[i]->name() + " of block " +
                                   std::to_string(l) + " is " + std::to_string(all[i]->rows()) +
                                   " x " + std::to_string(all[i]->cols()) + ", the config needs " +
                                   std::to_string(shapes[i][0]) + " x " +
                                   std::to_string(shapes[i][1]));
        } else {
            V.wq = matrix(L.wq, c.qDim(), c.dim, "wq");
            V.wk = matrix(L.wk, c.kvDim(), c.dim, "wk");
            V.wv = matrix(L.wv, c.kvDim(), c.dim, "wv");
            V.wo = matrix(L.wo, c.dim, c.qDim(), "wo");
            V.wGate = matrix(L.wGate, c.hiddenDim, c.dim, "w_gate");
            V.wUp = matrix(L.wUp, c.hiddenDim, c.dim, "w_up");
            V.wDown = matrix(L.wDown, c.dim, c.hiddenDim, "w_down");
        }
        V.attnNorm = smallVector(L.attnNorm, c.dim, "attention norm");
        V.ffnNorm = smallVector(L.ffnNorm, c.dim, "ffn norm");
        if (V.attnNorm.empty() || V.ffnNorm.empty())
            throw EngineError(where, "block " + std::to_string(l) + " lacks a norm weight");
        if (c.qkvBias) {
            V.bq = smallVector(L.bq, c.qDim(), "q bias");
            V.bk = smallVector(L.bk, c.kvDim(), "k bias");
            V.bv = smallVector(L.bv, c.kvDim(), "v bias");
        }
        if (c.qkNorm) {
            V.qNorm = smallVector(L.qNorm, c.headDim, "q norm");
            V.kNorm = smallVector(L.kNorm, c.headDim, "k norm");
            if (V.qNorm.empty() || V.kNorm.empty())
                throw EngineError(where, "block " + std::to_string(l) + " lacks q/k norm weights");
        }
        s.layers.push_back(std::move(V));
    }
    s.finalNorm = smallVector(w.finalNorm, c.dim, "final norm");
    if (s.finalNorm.empty()) throw EngineError(where, "final norm weight is missing");
    s.classifier = matrix(c.tiedEmbeddings ? w.tokEmbeddings : w.classifier(), c.vocabSize, c.dim,
                          "classifier");
    const size_t cache = static_cast<size_t>(c.nLayers) * maxContext_ * c.kvDim();
    s.keyCache.assign(cache, 0.0f);
    s.valueCache.assign(cache, 0.0f);
    s.backend = std::make_unique<CpuBackend>(*pool_, s.isa);
}

Transformer::~Transformer() = default;

void Transformer::setSlicedKernelMode(SlicedKernelMode mode) {
    state_->act = mode;
}

SlicedKernelMode Transformer::slicedKernelMode() const {
    return state_->act;
}

void Transformer::setLevelPolicy(std::shared_ptr<LevelPolicy> policy) {
    if (policy && !state_->sliced)
        throw EngineError(model_.path.empty() ? "model" : model_.path,
                          "model is not sliced: a level policy needs levels");
    state_->policy = std::move(policy);
}

void Transformer::setLevel(int k) {
    const std::string where = model_.path.empty() ? "model" : model_.path;
    if (!state_->sliced) throw EngineError(where, "model is not sliced: it has no levels");
    if (k < 1 || k > state_->sliced->levels())
        throw EngineError(where, "level " + std::to_string(k) + " does not exist (levels 1.." +
                                     std::to_string(state_->sliced->levels()) + ")");
    state_->level = k;
}

int Transformer::level() const {
    return state_->level;
}

int Transformer::levels() const {
    return state_->sliced ? state_->sliced->levels() : 0;
}

// A group of block linears sharing input X (`first` = the BlockLinear of the
// first: q, o, gate or down): the dense kernels, or the sliced kernels
// at each token's level. Tokens are grouped by level so each level present
// runs one kernel call (gathered rows when mixed).
void Transformer::runLinears(int l, const SlicedMatrix* const* sm, const MatmulJob* jobs,
                             int nJobs, const float* X, int ldx, int first, int n, int pos) {
    State& s = *state_;
    Backend& be = *s.backend;
    if (!s.sliced) {
        be.matmulGroup(jobs, nJobs, X, ldx, n);
        return;
    }
    const bool perLinear = s.policy && s.policy->perLinear();
    const int* lv[3];
    for (int i = 0; i < nJobs; ++i) {
        if (perLinear) {
            chooseLevels(l, first + i, X, ldx, n, pos, s.linLevels[i]);
            lv[i] = s.linLevels[i].data();
        } else {
            lv[i] = s.tokLevels.data();
        }
    }
    SlicedJob sj[3];
    bool uniform = true;
    for (int i = 0; i < nJobs && uniform; ++i)
        uniform = std::all_of(lv[i], lv[i] + n, [&](int k) { return k == lv[i][0]; });
    if (uniform) { // one call, each job at its level
        for (int i = 0; i < nJobs; ++i)
            sj[i] = SlicedJob{sm[i], lv[i][0], jobs[i].y, jobs[i].ldy};
        be.slicedMatmulGroup(sj, nJobs, X, ldx, n, s.act);
        return;
    }
    // Jobs sharing one level vector (block routing) gather together;
    // per-linear routing gathers job by job.
    const int groups = perLinear ? nJobs : 1;
    const int perGroup = perLinear ? 1 : nJobs;
    for (int gi = 0; gi < groups; ++gi) {
        const int j0 = gi * perGroup;
        const int* glv = lv[j0];
        int64_t outWidth = 0;
        for (int i = j0; i < j0 + perGroup; ++i)
            outWidth += sm[i]->rows();
        s.gatherX.resize(size_t(n) * ldx);
        s.gatherY.resize(size_t(n) * outWidth);
        std::vector<int>& rows = s.gatherRows;
        for (int k = 1; k <= s.sliced->levels(); ++k) {
            rows.clear();
            for (int t = 0; t < n; ++t)
                if (glv[t] == k) rows.push_back(t);
            if (rows.empty()) continue;
            const int m = static_cast<int>(rows.size());
            for (int r = 0; r < m; ++r)
                std::copy(X + size_t(rows[r]) * ldx, X + size_t(rows[r]) * ldx + ldx,
                          &s.gatherX[size_t(r) * ldx]);
            int64_t off = 0;
            for (int i = j0; i < j0 + perGroup; ++i) {
                sj[i - j0] = SlicedJob{sm[i], k, &s.gatherY[size_t(off) * m], sm[i]->rows()};
                off += sm[i]->rows();
            }
            be.slicedMatmulGroup(sj, perGroup, s.gatherX.data(), ldx, m, s.act);
            for (int i = j0; i < j0 + perGroup; ++i)
                for (int r = 0; r < m; ++r)
                    std::copy(sj[i - j0].y + size_t(r) * sm[i]->rows(),
                              sj[i - j0].y + size_t(r + 1) * sm[i]->rows(),
                              jobs[i].y + size_t(rows[r]) * jobs[i].ldy);
        }
    }
}

void Transformer::runBlock(int l, int n, int pos) {
    const ModelConfig& c = model_.config;
    State& s = *state_;
    Backend& be = *s.backend;
    const int dim = c.dim, qDim = c.qDim(), kvDim = c.kvDim(), hd = c.headDim;
    const int hidden = c.hiddenDim;
    const size_t layerCache = static_cast<size_t>(maxContext_) * kvDim;
    auto observe = [&](int layer, LayerPoint point, int width, const float* data) {
        if (!observers_.empty()) observers_(LayerEvent{layer, point, n, width, pos, data});
    };
    const LayerViews& L = s.layers[l];
    const SlicedLayer* S = s.sliced ? &s.sliced->layers[static_cast<size_t>(l)] : nullptr;
    TraceScope layerRange("layer", pos, l);
    TraceScope attentionRange("attention", pos, l);
    observe(l, LayerPoint::BlockInput, dim, s.x.data());
    be.rmsNorm(s.xb.data(), s.x.data(), L.attnNorm.data(), n, dim, c.rmsEps);
    observe(l, LayerPoint::AttnNormOut, dim, s.xb.data());
    if (S && !(s.policy && s.policy->perLinear()))
        chooseLevels(l, -1, s.xb.data(), dim, n, pos, s.tokLevels);

    const MatmulJob qkv[3] = {
        {L.wq, s.q.data(), qDim}, {L.wk, s.k.data(), kvDim}, {L.wv, s.v.data(), kvDim}};
    const SlicedMatrix* qkvS[3] = {S ? &S->wq : nullptr, S ? &S->wk : nullptr,
                                   S ? &S->wv : nullptr};
    runLinears(l, qkvS, qkv, 3, s.xb.data(), dim, LinearQ, n, pos);
    if (!L.bq.empty()) {
        for (int t = 0; t < n; ++t) {
            for (int i = 0; i < qDim; ++i)
                s.q[size_t(t) * qDim + i] += L.bq[i];
            for (int i = 0; i < kvDim; ++i)
                s.k[size_t(t) * kvDim + i] += L.bk[i];
            for (int i = 0; i < kvDim; ++i)
                s.v[size_t(t) * kvDim + i] += L.bv[i];
        }
    }
    if (!L.qNorm.empty()) {
        be.rmsNorm(s.q.data(), s.q.data(), L.qNorm.data(), n * c.nHeads, hd, c.rmsEps);
        be.rmsNorm(s.k.data(), s.k.data(), L.kNorm.data(), n * c.nKvHeads, hd, c.rmsEps);
    }
    const RopeParams rope{hd, c.ropeTheta, c.ropeScale, c.ropeStyle == RopeStyle::Interleaved};
    be.rope(s.q.data(), n, c.nHeads, rope, pos);
    be.rope(s.k.data(), n, c.nKvHeads, rope, pos);
    float* kc = &s.keyCache[l * layerCache];
    float* vc = &s.valueCache[l * layerCache];
    std::copy(s.k.begin(), s.k.begin() + size_t(n) * kvDim, kc + size_t(pos) * kvDim);
    std::copy(s.v.begin(), s.v.begin() + size_t(n) * kvDim, vc + size_t(pos) * kvDim);
    be.attention(s.q.data(), n, pos, kc, vc, AttentionShape{c.nHeads, c.nKvHeads, hd},
                 s.xb2.data());

    const MatmulJob wo{L.wo, s.xb.data(), dim};
    const SlicedMatrix* woS[1] = {S ? &S->wo : nullptr};
    observe(l, LayerPoint::AttnMix, qDim, s.xb2.data());
    runLinears(l, woS, &wo, 1, s.xb2.data(), qDim, LinearO, n, pos);
    observe(l, LayerPoint::AttnOut, dim, s.xb.data());
    for (size_t i = 0; i < size_t(n) * dim; ++i)
        s.x[i] += s.xb[i];
    attentionRange.end();

    TraceScope ffnRange("ffn", pos, l);
    be.rmsNorm(s.xb.data(), s.x.data(), L.ffnNorm.data(), n, dim, c.rmsEps);
    observe(l, LayerPoint::FfnNormOut, dim, s.xb.data());
    const MatmulJob gateUp[2] = {{L.wGate, s.hb.data(), hidden}, {L.wUp, s.hb2.data(), hidden}};
    const SlicedMatrix* gateUpS[2] = {S ? &S->wGate : nullptr, S ? &S->wUp : nullptr};
    runLinears(l, gateUpS, gateUp, 2, s.xb.data(), dim, LinearGate, n, pos);
    be.swiglu(s.hb.data(), s.hb2.data(), int64_t(n) * hidden);
    const MatmulJob down{L.wDown, s.xb.data(), dim};
    const SlicedMatrix* downS[1] = {S ? &S->wDown : nullptr};
    observe(l, LayerPoint::FfnAct, hidden, s.hb.data());
    runLinears(l, downS, &down, 1, s.hb.data(), hidden, LinearDown, n, pos);
    observe(l, LayerPoint::FfnOut, dim, s.xb.data());
    for (size_t i = 0; i < size_t(n) * dim; ++i)
        s.x[i] += s.xb[i];
    observe(l, LayerPoint::BlockOutput, dim, s.x.data());
}

void Transformer::chooseLevels(int l, int linear, const float* x, int width, int n, int pos,
                               std::vector<int>& levels) {
    State& s = *state_;
    levels.resize(size_t(n));
    int sw = 0;
    if (!s.policy) {
        std::fill(levels.begin(), levels.end(), s.level);
    } else {
        sw = std::max(s.policy->scoreWidth(), 0);
        s.scores.resize(size_t(n) * size_t(sw));
        if (linear < 0)
            s.policy->choose(l, x, n, width, pos, levels.data(), s.scores.data());
        else
            s.policy->chooseLinear(l, linear, x, n, width, pos, levels.data(), s.scores.data());
        const int K = s.sliced->levels();
        for (int t = 0; t < n; ++t)
            if (levels[size_t(t)] < 1 || levels[size_t(t)] > K)
                throw EngineError("level policy", "chose level " +
                                                      std::to_string(levels[size_t(t)]) +
                                                      " in block " + std::to_string(l) +
                                                      " (levels 1.." + std::to_string(K) + ")");
    }
    if (!observers_.empty())
        observers_(LayerEvent{l, LayerPoint::Route, n, sw, pos, sw > 0 ? s.scores.data() : nullptr,
                             levels.data(), linear});
}

void Transformer::checkSpan(const std::string& where, int n, int pos) const {
    if (n <= 0) throw EngineError(where, "forward needs at least one token");
    if (pos < 0 || static_cast<int64_t>(pos) + n > maxContext_)
        throw EngineError(where, "positions " + std::to_string(pos) + ".." +
                                     std::to_string(static_cast<int64_t>(pos) + n - 1) +
                                     " exceed the context of " + std::to_string(maxContext_) +
                                     " tokens");
}

void Transformer::forwardBlock(int layer, const float* xIn, int n, int pos, float* xOut) {
    const ModelConfig& c = model_.config;
    const std::string where = model_.path.empty() ? "forward" : model_.path;
    if (layer < 0 || layer >= c.nLayers)
        throw EngineError(where, "block " + std::to_string(layer) + " does not exist");
    checkSpan(where, n, pos);
    State& s = *state_;
    s.reserve(c, n);
    std::copy(xIn, xIn + size_t(n) * c.dim, s.x.begin());
    runBlock(layer, n, pos);
    std::copy(s.x.begin(), s.x.begin() + size_t(n) * c.dim, xOut);
}

const std::vector<float>& Transformer::forward(const int* tokens, int n, int pos, bool allLogits) {
    const ModelConfig& c = model_.config;
    const std::string where = model_.path.empty() ? "forward" : model_.path;
    checkSpan(where, n, pos);
    for (int t = 0; t < n; ++t)
        if (tokens[t] < 0 || tokens[t] >= c.vocabSize)
            throw EngineError(where, "token id " + std::to_string(tokens[t]) +
                                         " is outside the vocabulary of " +
                                         std::to_string(c.vocabSize));
    TraceScope forwardRange("forward", pos);
    State& s = *state_;
    s.reserve(c, n);
    ThreadPool& pool = *pool_;
    const int dim = c.dim;

    for (int t = 0; t < n; ++t)
        model_.weights.tokEmbeddings.rowToF32(tokens[t], &s.x[size_t(t) * dim]);

    for (int l = 0; l < c.nLayers; ++l)
        runBlock(l, n, pos);

    // Only the rows whose logits are wanted go through the final norm and
    // the classifier (the largest matrix of small models).
    TraceScope classifierRange("classifier", pos);
    const int first = allLogits ? 0 : n - 1;
    const int rows = n - first;
    s.backend->rmsNorm(s.xb.data(), &s.x[size_t(first) * dim], s.finalNorm.data(), rows, dim,
                       c.rmsEps);
    s.logits.resize(size_t(rows) * c.vocabSize);
    // A sliced model in int8 mode with a Q8_0 classifier (`slice --matrix-type
    // Q8_0`) quantizes these rows too and runs the Q8_0 x int8 kernel (where
    // the CPU has it); otherwise the float kernels.
    if (s.sliced && s.act == SlicedKernelMode::Int8Act && s.classifier.dtype == DType::Q8_0 &&
        s.isa == KernelIsa::Avx512 && q8Int8Avx512Supported()) {
        s.clsInput.resize(static_cast<size_t>(rows));
        for (int t = 0; t < rows; ++t)
            quantizeQ8Int8Input(&s.xb[size_t(t) * dim], dim, s.clsInput[size_t(t)]);
        q8Int8Matmul(pool, s.classifier, s.clsInput.data(), rows, s.logits.data(), c.vocabSize,
                     s.isa);
        return s.logits;
    }
    const MatmulJob cls{s.classifier, s.logits.data(), c.vocabSize};
    matmulGroup(pool, &cls, 1, s.xb.data(), dim, rows, s.isa);
    return s.logits;
}

} // namespace mobi
