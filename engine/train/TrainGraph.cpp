#include "train/TrainGraph.h"

#include "core/Error.h"
#include "kernels/FmaPeak.h"

#include <chrono>
#include <cmath>

namespace mobi {

TrainGraph::TrainGraph(const ParamLayout& layout, ThreadPool& pool, KernelIsa isa)
    : layout_(layout), c_(layout.config()), pool_(pool), isa_(isa),
      rope_(layout.config().seqLen, layout.config().headDim, layout.config().ropeTheta),
      attention_(
          AttentionShape{layout.config().nHeads, layout.config().nKvHeads, layout.config().headDim},
          isa) {}

void TrainGraph::timed(const GemmProblem& p) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = processCpuSeconds();
    gemmF32(pool_, isa_, p);
    stats_.linearCpuSeconds += processCpuSeconds() - c0;
    stats_.linearSeconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    stats_.linearFlops += gemmFlops(p);
    stats_.matmulFlops += gemmFlops(p);
}

void TrainGraph::linear(const float* X, int n, int in, const float* W, int out, float* Y) {
    GemmProblem p;
    p.M = n, p.N = out, p.K = in;
    p.A = X, p.lda = in;
    p.B = W, p.ldb = in, p.transB = true;
    p.C = Y, p.ldc = out;
    timed(p);
}

void TrainGraph::linearBackward(const float* dY, int n, int out, const float* W, int in,
                                const float* X, float* dX, bool accumulateDx, float* dW) {
    GemmProblem px; // dX = dY W
    px.M = n, px.N = in, px.K = out;
    px.A = dY, px.lda = out;
    px.B = W, px.ldb = in;
    px.C = dX, px.ldc = in, px.accumulate = accumulateDx;
    timed(px);
    GemmProblem pw; // dW += dY^T X
    pw.M = out, pw.N = in, pw.K = n;
    pw.A = dY, pw.lda = out, pw.transA = true;
    pw.B = X, pw.ldb = in;
    pw.C = dW, pw.ldc = in, pw.accumulate = true;
    timed(pw);
}

void TrainGraph::normRows(const float* x, const float* weight, float* y, float* rstd) {
    const int dim = c_.dim;
    pool_.parallelFor(0, batch_->size(), [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t)
            rstd[t] = rmsNormRow(y + t * dim, x + t * dim, weight, dim, c_.rmsEps);
    });
}

void TrainGraph::normRowsBackward(const float* dy, const float* x, const float* weight,
                                  const float* rstd, float* dx, float* dw) {
    const int dim = c_.dim, n = batch_->size();
    pool_.parallelFor(0, n, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t)
            rmsNormRowBackward(dy + t * dim, x + t * dim, weight, rstd[t], dim, dx + t * dim,
                               nullptr);
    });
    // The weight gradient sums over tokens in one fixed order (reproducible).
    for (int t = 0; t < n; ++t)
        for (int i = 0; i < dim; ++i)
            dw[i] += dy[size_t(t) * dim + i] * x[size_t(t) * dim + i] * rstd[t];
}

void TrainGraph::forwardLayer(const float* w, int l) {
    const LayerParams& P = layout_.layer(l);
    Layer& L = layers_[size_t(l)];
    const int n = batch_->size(), dim = c_.dim, qDim = c_.qDim(), kvDim = c_.kvDim();
    const int hidden = c_.hiddenDim;
    normRows(L.x.data(), w + P.attnNorm, L.xn1.data(), L.rstd1.data());
    linear(L.xn1.data(), n, dim, w + P.wq, qDim, L.q.data());
    linear(L.xn1.data(), n, dim, w + P.wk, kvDim, L.k.data());
    linear(L.xn1.data(), n, dim, w + P.wv, kvDim, L.v.data());
    pool_.parallelFor(0, n, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            ropeRow(&L.q[size_t(t) * qDim], c_.nHeads, c_.headDim, rope_, pos_[size_t(t)], false);
            ropeRow(&L.k[size_t(t) * kvDim], c_.nKvHeads, c_.headDim, rope_, pos_[size_t(t)],
                    false);
        }
    });
    attention_.forward(pool_, batch_->starts, L.q.data(), L.k.data(), L.v.data(), L.att.data(),
                       L.lse.data());
    stats_.matmulFlops += attention_.forwardFlops(batch_->starts);
    linear(L.att.data(), n, qDim, w + P.wo, dim, tmp_.data());
    for (size_t i = 0; i < size_t(n) * dim; ++i)
        L.xmid[i] = L.x[i] + tmp_[i];
    normRows(L.xmid.data(), w + P.ffnNorm, L.xn2.data(), L.rstd2.data());
    linear(L.xn2.data(), n, dim, w + P.wGate, hidden, L.g.data());
    linear(L.xn2.data(), n, dim, w + P.wUp, hidden, L.u.data());
    pool_.parallelFor(
        0, int64_t(n) * hidden,
        [&](int64_t b, int64_t e) { swigluForward(&L.g[b], &L.u[b], &L.h[b], e - b); }, 1024);
    linear(L.h.data(), n, hidden, w + P.wDown, dim, tmp_.data());
    std::vector<float>& next = l + 1 < c_.nLayers ? layers_[size_t(l) + 1].x : xFinal_;
    for (size_t i = 0; i < size_t(n) * dim; ++i)
        next[i] = L.xmid[i] + tmp_[i];
}

double TrainGraph::forward(const float* w, const TrainBatch& b) {
    const int n = b.size(), dim = c_.dim, vocab = c_.vocabSize;
    if (n <= 0 || b.starts.size() < 2 || b.starts.front() != 0 || b.starts.back() != n ||
        b.targets.size() != size_t(n))
        throw EngineError("train", "malformed batch");
    pos_.resize(size_t(n));
    for (size_t r = 0; r + 1 < b.starts.size(); ++r) {
        const int len = b.starts[r + 1] - b.starts[r];
        if (len <= 0 || len > c_.seqLen)
            throw EngineError("train", "record of " + std::to_string(len) +
                                           " tokens does not fit the context of " +
                                           std::to_string(c_.seqLen));
        for (int t = 0; t < len; ++t)
            pos_[size_t(b.starts[r] + t)] = t;
    }
    lossRows_.clear();
    for (int t = 0; t < n; ++t) {
        if (b.tokens[size_t(t)] < 0 || b.tokens[size_t(t)] >= vocab ||
            b.targets[size_t(t)] >= vocab)
            throw EngineError("train",
                              "token id outside the vocabulary of " + std::to_string(vocab));
        if (b.targets[size_t(t)] >= 0) lossRows_.push_back(t);
    }
    batch_ = &b;
    const size_t N = size_t(n);
    layers_.resize(size_t(c_.nLayers));
    for (Layer& L : layers_) {
        L.x.resize(N * dim), L.xn1.resize(N * dim), L.rstd1.resize(N);
        L.q.resize(N * c_.qDim()), L.k.resize(N * c_.kvDim()), L.v.resize(N * c_.kvDim());
        L.att.resize(N * c_.qDim()), L.lse.resize(N * c_.nHeads);
        L.xmid.resize(N * dim), L.xn2.resize(N * dim), L.rstd2.resize(N);
        L.g.resize(N * c_.hiddenDim), L.u.resize(N * c_.hiddenDim), L.h.resize(N * c_.hiddenDim);
    }
    xFinal_.resize(N * dim), xnFinal_.resize(N * dim), rstdFinal_.resize(N);
    tmp_.resize(N * dim);
    const float* emb = w + layout_.tokEmbeddings();
    for (int t = 0; t < n; ++t)
        std::copy(emb + size_t(b.tokens[size_t(t)]) * dim,
                  emb + size_t(b.tokens[size_t(t)] + 1) * dim, &layers_[0].x[size_t(t) * dim]);
    for (int l = 0; l < c_.nLayers; ++l)
        forwardLayer(w, l);
    normRows(xFinal_.data(), w + layout_.finalNorm(), xnFinal_.data(), rstdFinal_.data());

    const float* cls = w + layout_.classifier();
    if (keepAllLogits_) {
        allLogits_.resize(N * vocab);
        linear(xnFinal_.data(), n, dim, cls, vocab, allLogits_.data());
    }
    // Only positions with a target go through the classifier.
    const int m = static_cast<int>(lossRows_.size());
    lossX_.resize(size_t(m) * dim);
    probs_.resize(size_t(m) * vocab);
    if (m == 0) return 0.0;
    for (int r = 0; r < m; ++r)
        std::copy(&xnFinal_[size_t(lossRows_[size_t(r)]) * dim],
                  &xnFinal_[size_t(lossRows_[size_t(r)]) * dim] + dim, &lossX_[size_t(r) * dim]);
    linear(lossX_.data(), m, dim, cls, vocab, probs_.data());
    std::vector<double> rowLoss(size_t(m), 0.0);
    pool_.parallelFor(0, m, [&](int64_t b0, int64_t e) {
        for (int64_t r = b0; r < e; ++r)
            rowLoss[size_t(r)] = softmaxCrossEntropyRow(&probs_[size_t(r) * vocab], vocab,
                                                        b.targets[size_t(lossRows_[size_t(r)])]);
    });
    double loss = 0;
    for (double x : rowLoss)
        loss += x;
    return loss;
}

} // namespace mobi
