// TrainGraph's backward pass (the forward is in TrainGraph.cpp).
#include "train/TrainGraph.h"

#include <algorithm>

namespace mobi {

void TrainGraph::backwardLayer(const float* w, int l, float* grads) {
    const LayerParams& P = layout_.layer(l);
    Layer& L = layers_[size_t(l)];
    const int n = batch_->size(), dim = c_.dim, qDim = c_.qDim(), kvDim = c_.kvDim();
    const int hidden = c_.hiddenDim;
    // dx_ holds d(loss)/d(block output) on entry and d/d(block input) on exit.
    linearBackward(dx_.data(), n, dim, w + P.wDown, hidden, L.h.data(), dh_.data(), false,
                   grads + P.wDown);
    pool_.parallelFor(
        0, int64_t(n) * hidden,
        [&](int64_t b, int64_t e) {
            swigluBackward(&L.g[b], &L.u[b], &dh_[b], &dg_[b], &du_[b], e - b);
        },
        1024);
    linearBackward(dg_.data(), n, hidden, w + P.wGate, dim, L.xn2.data(), dxn_.data(), false,
                   grads + P.wGate);
    linearBackward(du_.data(), n, hidden, w + P.wUp, dim, L.xn2.data(), dxn_.data(), true,
                   grads + P.wUp);
    normRowsBackward(dxn_.data(), L.xmid.data(), w + P.ffnNorm, L.rstd2.data(), dx_.data(),
                     grads + P.ffnNorm);

    linearBackward(dx_.data(), n, dim, w + P.wo, qDim, L.att.data(), datt_.data(), false,
                   grads + P.wo);
    attention_.backward(pool_, batch_->starts, L.q.data(), L.k.data(), L.v.data(), L.att.data(),
                        L.lse.data(), datt_.data(), dq_.data(), dk_.data(), dv_.data());
    stats_.matmulFlops += 2.5 * attention_.forwardFlops(batch_->starts);
    pool_.parallelFor(0, n, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            ropeRow(&dq_[size_t(t) * qDim], c_.nHeads, c_.headDim, rope_, pos_[size_t(t)], true);
            ropeRow(&dk_[size_t(t) * kvDim], c_.nKvHeads, c_.headDim, rope_, pos_[size_t(t)], true);
        }
    });
    linearBackward(dq_.data(), n, qDim, w + P.wq, dim, L.xn1.data(), dxn_.data(), false,
                   grads + P.wq);
    linearBackward(dk_.data(), n, kvDim, w + P.wk, dim, L.xn1.data(), dxn_.data(), true,
                   grads + P.wk);
    linearBackward(dv_.data(), n, kvDim, w + P.wv, dim, L.xn1.data(), dxn_.data(), true,
                   grads + P.wv);
    normRowsBackward(dxn_.data(), L.x.data(), w + P.attnNorm, L.rstd1.data(), dx_.data(),
                     grads + P.attnNorm);
}

void TrainGraph::backward(const float* w, float gradScale, float* grads) {
    const int n = batch_->size(), dim = c_.dim, vocab = c_.vocabSize;
    const size_t N = size_t(n);
    dx_.assign(N * dim, 0.0f);
    dxn_.assign(N * dim, 0.0f);
    dq_.resize(N * c_.qDim()), dk_.resize(N * c_.kvDim()), dv_.resize(N * c_.kvDim());
    datt_.resize(N * c_.qDim());
    dh_.resize(N * c_.hiddenDim), dg_.resize(N * c_.hiddenDim), du_.resize(N * c_.hiddenDim);

    // d(sum of -log p(target))/d(logits) = p - onehot(target).
    const int m = static_cast<int>(lossRows_.size());
    if (m > 0) {
        pool_.parallelFor(0, m, [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) {
                float* row = &probs_[size_t(r) * vocab];
                row[batch_->targets[size_t(lossRows_[size_t(r)])]] -= 1.0f;
                for (int i = 0; i < vocab; ++i)
                    row[i] *= gradScale;
            }
        });
        dLossX_.resize(size_t(m) * dim);
        linearBackward(probs_.data(), m, vocab, w + layout_.classifier(), dim, lossX_.data(),
                       dLossX_.data(), false, grads + layout_.classifier());
        for (int r = 0; r < m; ++r)
            std::copy(&dLossX_[size_t(r) * dim], &dLossX_[size_t(r) * dim] + dim,
                      &dxn_[size_t(lossRows_[size_t(r)]) * dim]);
    }
    normRowsBackward(dxn_.data(), xFinal_.data(), w + layout_.finalNorm(), rstdFinal_.data(),
                     dx_.data(), grads + layout_.finalNorm());
    for (int l = c_.nLayers - 1; l >= 0; --l)
        backwardLayer(w, l, grads);
    float* dEmb = grads + layout_.tokEmbeddings();
    for (int t = 0; t < n; ++t) {
        float* row = dEmb + size_t(batch_->tokens[size_t(t)]) * dim;
        const float* src = &dx_[size_t(t) * dim];
        for (int i = 0; i < dim; ++i)
            row[i] += src[i];
    }
}

} // namespace mobi
