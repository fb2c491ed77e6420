#include "kernels/TrainGemm.h"

#include "kernels/TrainGemmPaths.h"

#include <algorithm>
#include <vector>

namespace mobi {

namespace kernels_detail {

void gemmMicroScalar(int kc, const float* Ap, const float* Bp, float* C, int64_t ldc,
                     bool accumulate, int mr, int nr) {
    float acc[kGemmMr][kGemmNr] = {};
    for (int k = 0; k < kc; ++k) {
        for (int r = 0; r < kGemmMr; ++r) {
            const float a = Ap[r];
            for (int j = 0; j < kGemmNr; ++j)
                acc[r][j] += a * Bp[j];
        }
        Ap += kGemmMr;
        Bp += kGemmNr;
    }
    for (int r = 0; r < mr; ++r)
        for (int j = 0; j < nr; ++j)
            C[r * ldc + j] = accumulate ? C[r * ldc + j] + acc[r][j] : acc[r][j];
}

} // namespace kernels_detail

namespace {

using kernels_detail::kGemmMr;
using kernels_detail::kGemmNr;

// Cache blocking: a KC x NC block of B (512 KB) stays in L2, an MC x KC
// block of A (96 KB) beside it, one KC x NR panel of B (32 KB) in L1.
constexpr int kKc = 256;
constexpr int kMc = kGemmMr * 8;
constexpr int kNc = 512;

// Rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) as MR-row panels, zero padded.
void packA(const GemmProblem& p, int i0, int mc, int p0, int kc, float* out) {
    for (int ir = 0; ir < mc; ir += kGemmMr) {
        float* panel = out + static_cast<size_t>(ir) * kc;
        const int rows = std::min(kGemmMr, mc - ir);
        if (!p.transA) {
            for (int r = 0; r < kGemmMr; ++r) {
                if (r >= rows) {
                    for (int k = 0; k < kc; ++k)
                        panel[k * kGemmMr + r] = 0.0f;
                    continue;
                }
                const float* src = p.A + int64_t(i0 + ir + r) * p.lda + p0;
                for (int k = 0; k < kc; ++k)
                    panel[k * kGemmMr + r] = src[k];
            }
        } else {
            for (int k = 0; k < kc; ++k) {
                const float* src = p.A + int64_t(p0 + k) * p.lda + i0 + ir;
                float* dst = panel + k * kGemmMr;
                for (int r = 0; r < rows; ++r)
                    dst[r] = src[r];
                for (int r = rows; r < kGemmMr; ++r)
                    dst[r] = 0.0f;
            }
        }
    }
}

// Depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) as NR-column panels.
void packB(const GemmProblem& p, int p0, int kc, int j0, int nc, float* out) {
    for (int jr = 0; jr < nc; jr += kGemmNr) {
        float* panel = out + static_cast<size_t>(jr) * kc;
        const int cols = std::min(kGemmNr, nc - jr);
        if (!p.transB) {
            for (int k = 0; k < kc; ++k) {
                const float* src = p.B + int64_t(p0 + k) * p.ldb + j0 + jr;
                float* dst = panel + k * kGemmNr;
                for (int j = 0; j < cols; ++j)
                    dst[j] = src[j];
                for (int j = cols; j < kGemmNr; ++j)
                    dst[j] = 0.0f;
            }
        } else {
            for (int j = 0; j < kGemmNr; ++j) {
                if (j >= cols) {
                    for (int k = 0; k < kc; ++k)
                        panel[k * kGemmNr + j] = 0.0f;
                    continue;
                }
                const float* src = p.B + int64_t(j0 + jr + j) * p.ldb + p0;
                for (int k = 0; k < kc; ++k)
                    panel[k * kGemmNr + j] = src[k];
            }
        }
    }
}

void zeroC(const GemmProblem& p) {
    for (int i = 0; i < p.M; ++i)
        std::fill(p.C + int64_t(i) * p.ldc, p.C + int64_t(i) * p.ldc + p.N, 0.0f);
}

} // namespace

// Small products (attention's per-head blocks) read A in place: packing it
// would cost as much as the multiply-adds it speeds up. B's panel is copied
// to contiguous rows (a plain row copy), since its rows at power-of-two
// strides would all fall into the same few L1 sets.
static void gemmDirect(const GemmProblem& p) {
    const int64_t ars = p.transA ? 1 : p.lda, aks = p.transA ? p.lda : 1;
    thread_local std::vector<float> panel;
    panel.resize(static_cast<size_t>(kKc) * kGemmNr);
    for (int p0 = 0; p0 < p.K; p0 += kKc) {
        const int kc = std::min(kKc, p.K - p0);
        const bool acc = p.accumulate || p0 > 0;
        for (int j0 = 0; j0 < p.N; j0 += kGemmNr) {
            const int nr = std::min(kGemmNr, p.N - j0);
            for (int k = 0; k < kc; ++k)
                std::copy(p.B + int64_t(p0 + k) * p.ldb + j0,
                          p.B + int64_t(p0 + k) * p.ldb + j0 + nr,
                          panel.data() + size_t(k) * kGemmNr);
            for (int i0 = 0; i0 < p.M; i0 += kGemmMr)
                kernels_detail::gemmDirectAvx512(
                    kc, p.A + i0 * ars + p0 * aks, ars, aks, panel.data(), kGemmNr,
                    p.C + int64_t(i0) * p.ldc + j0, p.ldc, acc, std::min(kGemmMr, p.M - i0), nr);
        }
    }
}

void gemmF32(KernelIsa isa, const GemmProblem& p) {
    if (p.M <= 0 || p.N <= 0) return;
    if (p.K <= 0) {
        if (!p.accumulate) zeroC(p);
        return;
    }
    if (isa == KernelIsa::Avx512 && !p.transB && (p.M <= 2 * kMc || p.K <= 128)) {
        gemmDirect(p);
        return;
    }
    auto micro = isa == KernelIsa::Avx512 ? kernels_detail::gemmMicroAvx512
                                          : kernels_detail::gemmMicroScalar;
    thread_local std::vector<float> bufA, bufB;
    bufA.resize(static_cast<size_t>(kMc) * kKc);
    bufB.resize(static_cast<size_t>(kNc) * kKc);
    for (int j0 = 0; j0 < p.N; j0 += kNc) {
        const int nc = std::min(kNc, p.N - j0);
        for (int p0 = 0; p0 < p.K; p0 += kKc) {
            const int kc = std::min(kKc, p.K - p0);
            const bool acc = p.accumulate || p0 > 0;
            packB(p, p0, kc, j0, nc, bufB.data());
            for (int i0 = 0; i0 < p.M; i0 += kMc) {
                const int mc = std::min(kMc, p.M - i0);
                packA(p, i0, mc, p0, kc, bufA.data());
                for (int jr = 0; jr < nc; jr += kGemmNr) {
                    const float* Bp = bufB.data() + static_cast<size_t>(jr) * kc;
                    for (int ir = 0; ir < mc; ir += kGemmMr) {
                        float* C = p.C + int64_t(i0 + ir) * p.ldc + j0 + jr;
                        micro(kc, bufA.data() + static_cast<size_t>(ir) * kc, Bp, C, p.ldc, acc,
                              std::min(kGemmMr, mc - ir), std::min(kGemmNr, nc - jr));
                    }
                }
            }
        }
    }
}

void gemmF32(ThreadPool& pool, KernelIsa isa, const GemmProblem& p) {
    const int nth = pool.size();
    if (nth <= 1 || int64_t(p.M) * p.N * std::max(p.K, 1) < (1 << 16)) {
        gemmF32(isa, p);
        return;
    }
    // Rows when there are enough for every thread, else columns.
    const bool byRows = p.M >= 4 * kGemmMr * nth || p.M >= p.N;
    const int units = byRows ? (p.M + kGemmMr - 1) / kGemmMr : (p.N + kGemmNr - 1) / kGemmNr;
    pool.run([&](int t, int n) {
        const int u0 = int(int64_t(units) * t / n), u1 = int(int64_t(units) * (t + 1) / n);
        if (u0 >= u1) return;
        GemmProblem s = p;
        if (byRows) {
            const int i0 = u0 * kGemmMr, i1 = std::min(p.M, u1 * kGemmMr);
            s.M = i1 - i0;
            s.A = p.transA ? p.A + i0 : p.A + int64_t(i0) * p.lda;
            s.C = p.C + int64_t(i0) * p.ldc;
        } else {
            const int j0 = u0 * kGemmNr, j1 = std::min(p.N, u1 * kGemmNr);
            s.N = j1 - j0;
            s.B = p.transB ? p.B + int64_t(j0) * p.ldb : p.B + j0;
            s.C = p.C + j0;
        }
        gemmF32(isa, s);
    });
}

} // namespace mobi
