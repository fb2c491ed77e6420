#include "train/TrainAttention.h"

#include "kernels/TrainGemm.h"
#include "train/TrainOps.h"

#include <algorithm>
#include <atomic>
#include <cmath>

namespace mobi {

namespace {

constexpr int kQueryBlock = 64; // query rows per score block

int longest(const std::vector<int>& starts) {
    int m = 0;
    for (size_t i = 0; i + 1 < starts.size(); ++i)
        m = std::max(m, starts[i + 1] - starts[i]);
    return m;
}

// Runs tasks 0..count-1 on the pool, each on whichever thread takes it next.
template <typename Fn> void runTasks(ThreadPool& pool, int count, const Fn& fn) {
    std::atomic<int> next{0};
    pool.run([&](int thread, int) {
        for (int t = next.fetch_add(1); t < count; t = next.fetch_add(1))
            fn(t, thread);
    });
}

} // namespace

// Kt[d * len + j] = x[(start + j) * stride + d]: a head's keys (or values)
// as rows over positions, so score products read them without packing.
static void transposeHead(const float* x, int64_t stride, int len, int hd, float* xt) {
    for (int j = 0; j < len; ++j)
        for (int d = 0; d < hd; ++d)
            xt[size_t(d) * len + j] = x[size_t(j) * stride + d];
}

void TrainAttention::forwardTask(int start, int len, int h, float* S, const float* q,
                                 const float* k, const float* v, float* out, float* lse) const {
    const int hd = s_.headDim, qDim = s_.qDim(), kvDim = s_.kvDim();
    const int kvh = h / (s_.nHeads / s_.nKvHeads);
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    float* Kt = S + size_t(kQueryBlock) * len;
    transposeHead(k + size_t(start) * kvDim + kvh * hd, kvDim, len, hd, Kt);
    for (int i0 = 0; i0 < len; i0 += kQueryBlock) {
        const int bq = std::min(kQueryBlock, len - i0), nk = i0 + bq;
        GemmProblem sc; // raw scores Q K^T
        sc.M = bq, sc.N = nk, sc.K = hd;
        sc.A = q + size_t(start + i0) * qDim + h * hd, sc.lda = qDim;
        sc.B = Kt, sc.ldb = len;
        sc.C = S, sc.ldc = nk;
        gemmF32(isa_, sc);
        for (int i = 0; i < bq; ++i) {
            float* row = S + size_t(i) * nk;
            const int valid = i0 + i + 1;
            const float mx = maxOfRow(row, valid) * scale;
            const float sum = expShiftRow(row, valid, scale, mx);
            scaleRow(row, valid, 1.0f / sum);
            std::fill(row + valid, row + nk, 0.0f);
            lse[size_t(start + i0 + i) * s_.nHeads + h] = mx + std::log(sum);
        }
        GemmProblem mix;
        mix.M = bq, mix.N = hd, mix.K = nk;
        mix.A = S, mix.lda = nk;
        mix.B = v + size_t(start) * kvDim + kvh * hd, mix.ldb = kvDim;
        mix.C = out + size_t(start + i0) * qDim + h * hd, mix.ldc = qDim;
        gemmF32(isa_, mix);
    }
}

void TrainAttention::forward(ThreadPool& pool, const std::vector<int>& starts, const float* q,
                             const float* k, const float* v, float* out, float* lse) {
    const int records = static_cast<int>(starts.size()) - 1;
    scratch_.resize(static_cast<size_t>(pool.size()));
    const size_t need = size_t(kQueryBlock + s_.headDim) * longest(starts);
    for (auto& s : scratch_)
        if (s.size() < need) s.resize(need);
    runTasks(pool, records * s_.nHeads, [&](int task, int thread) {
        const int r = task / s_.nHeads, h = task % s_.nHeads;
        forwardTask(starts[r], starts[r + 1] - starts[r], h, scratch_[size_t(thread)].data(), q, k,
                    v, out, lse);
    });
}

void TrainAttention::backwardTask(int start, int len, int kvh, float* scratch, const float* q,
                                  const float* k, const float* v, const float* out,
                                  const float* lse, const float* dout, float* dq, float* dk,
                                  float* dv) const {
    const int hd = s_.headDim, qDim = s_.qDim(), kvDim = s_.kvDim();
    const int group = s_.nHeads / s_.nKvHeads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    const size_t block = size_t(kQueryBlock) * len;
    float* P = scratch;
    float* dP = scratch + block;
    float* Kt = scratch + 2 * block;
    float* Vt = Kt + size_t(hd) * len;
    const float* kBase = k + size_t(start) * kvDim + kvh * hd;
    const float* vBase = v + size_t(start) * kvDim + kvh * hd;
    transposeHead(kBase, kvDim, len, hd, Kt);
    transposeHead(vBase, kvDim, len, hd, Vt);
    float* dkBase = dk + size_t(start) * kvDim + kvh * hd;
    float* dvBase = dv + size_t(start) * kvDim + kvh * hd;
    for (int t = 0; t < len; ++t) {
        std::fill(dkBase + size_t(t) * kvDim, dkBase + size_t(t) * kvDim + hd, 0.0f);
        std::fill(dvBase + size_t(t) * kvDim, dvBase + size_t(t) * kvDim + hd, 0.0f);
    }
    for (int h = kvh * group; h < (kvh + 1) * group; ++h) {
        for (int i0 = 0; i0 < len; i0 += kQueryBlock) {
            const int bq = std::min(kQueryBlock, len - i0), nk = i0 + bq;
            const float* qBlk = q + size_t(start + i0) * qDim + h * hd;
            const float* doBlk = dout + size_t(start + i0) * qDim + h * hd;
            const float* oBlk = out + size_t(start + i0) * qDim + h * hd;
            GemmProblem sc; // P = softmax(Q K^T scale) from the saved lse
            sc.M = bq, sc.N = nk, sc.K = hd;
            sc.A = qBlk, sc.lda = qDim;
            sc.B = Kt, sc.ldb = len;
            sc.C = P, sc.ldc = nk;
            gemmF32(isa_, sc);
            GemmProblem dp = sc; // dP = dO V^T
            dp.A = doBlk, dp.B = Vt, dp.C = dP;
            gemmF32(isa_, dp);
            for (int i = 0; i < bq; ++i) {
                float* pr = P + size_t(i) * nk;
                float* dr = dP + size_t(i) * nk;
                const int valid = i0 + i + 1;
                const float l = lse[size_t(start + i0 + i) * s_.nHeads + h];
                float D = 0; // rowsum(dO * O)
                for (int d = 0; d < hd; ++d)
                    D += doBlk[size_t(i) * qDim + d] * oBlk[size_t(i) * qDim + d];
                expShiftRow(pr, valid, scale, l);
                softmaxGradRow(pr, dr, valid, D, scale);
                std::fill(pr + valid, pr + nk, 0.0f);
                std::fill(dr + valid, dr + nk, 0.0f);
            }
            GemmProblem gv; // dV += P^T dO
            gv.M = nk, gv.N = hd, gv.K = bq;
            gv.A = P, gv.lda = nk, gv.transA = true;
            gv.B = doBlk, gv.ldb = qDim;
            gv.C = dvBase, gv.ldc = kvDim, gv.accumulate = true;
            gemmF32(isa_, gv);
            GemmProblem gk = gv; // dK += dS^T Q
            gk.A = dP, gk.B = qBlk, gk.C = dkBase;
            gemmF32(isa_, gk);
            GemmProblem gq; // dQ = dS K
            gq.M = bq, gq.N = hd, gq.K = nk;
            gq.A = dP, gq.lda = nk;
            gq.B = kBase, gq.ldb = kvDim;
            gq.C = dq + size_t(start + i0) * qDim + h * hd, gq.ldc = qDim;
            gemmF32(isa_, gq);
        }
    }
}

void TrainAttention::backward(ThreadPool& pool, const std::vector<int>& starts, const float* q,
                              const float* k, const float* v, const float* out, const float* lse,
                              const float* dout, float* dq, float* dk, float* dv) {
    const int records = static_cast<int>(starts.size()) - 1;
    scratch_.resize(static_cast<size_t>(pool.size()));
    const size_t need = size_t(2 * kQueryBlock + 2 * s_.headDim) * longest(starts);
    for (auto& s : scratch_)
        if (s.size() < need) s.resize(need);
    runTasks(pool, records * s_.nKvHeads, [&](int task, int thread) {
        const int r = task / s_.nKvHeads, kvh = task % s_.nKvHeads;
        backwardTask(starts[r], starts[r + 1] - starts[r], kvh, scratch_[size_t(thread)].data(), q,
                     k, v, out, lse, dout, dq, dk, dv);
    });
}

double TrainAttention::forwardFlops(const std::vector<int>& starts) const {
    double f = 0;
    for (size_t i = 0; i + 1 < starts.size(); ++i) {
        const int len = starts[i + 1] - starts[i];
        for (int i0 = 0; i0 < len; i0 += kQueryBlock) {
            const double bq = std::min(kQueryBlock, len - i0), nk = i0 + bq;
            f += 2.0 * 2.0 * bq * nk * s_.headDim * s_.nHeads;
        }
    }
    return f;
}

} // namespace mobi
