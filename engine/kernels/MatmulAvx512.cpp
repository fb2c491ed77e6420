// AVX-512 (F + BW + VL + DQ) kernels; compiled for any x86-64, called only
// when the CPU has them.
#include "kernels/MatmulPaths.h"

#include "core/Error.h"

#if defined(__x86_64__)
// GCC 12's AVX-512 headers trip -Wuninitialized on _mm512_undefined_*.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#define MOBI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi::kernels_detail {

namespace {

// 16 weights of a row starting at element k (k a multiple of 16), as F32.
template <DType D> MOBI_TARGET MOBI_INLINE __m512 load16(const uint8_t* row, int64_t k) {
    if constexpr (D == DType::F32) {
        return _mm512_loadu_ps(reinterpret_cast<const float*>(row) + k);
    } else if constexpr (D == DType::F16) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * k)));
    } else if constexpr (D == DType::BF16) {
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * k));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    } else {
        const uint8_t* blk = row + (k >> 5) * 34;
        uint16_t h;
        std::memcpy(&h, blk, 2);
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(h));
        const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2 + (k & 16)));
        return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), d);
    }
}

// The last K % 16 weights (never used for Q8_0, whose rows are whole blocks).
template <DType D>
MOBI_TARGET MOBI_INLINE __m512 load16m(const uint8_t* row, int64_t k, __mmask16 m) {
    if constexpr (D == DType::F32) {
        return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + k);
    } else if constexpr (D == DType::F16) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, row + 2 * k));
    } else if constexpr (D == DType::BF16) {
        const __m256i h = _mm256_maskz_loadu_epi16(m, row + 2 * k);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    } else {
        return _mm512_setzero_ps();
    }
}

// One row at a time: on this class of machine several concurrent row
// streams read DRAM slower than a single one. One accumulator per row, in
// exactly micro()'s order, so GEMM and GEMV agree bit for bit.
template <DType D>
MOBI_TARGET void gemv1(const WeightView& w, const float* x, float* y, int64_t r) {
    const int64_t K = w.cols, K16 = K & ~int64_t(15);
    const uint8_t* p = w.row(r);
    __m512 a0 = _mm512_setzero_ps();
    for (int64_t k = 0; k < K16; k += 16)
        a0 = _mm512_fmadd_ps(load16<D>(p, k), _mm512_loadu_ps(x + k), a0);
    if (K16 < K) {
        const __mmask16 m = static_cast<__mmask16>((1u << (K - K16)) - 1);
        a0 = _mm512_fmadd_ps(load16m<D>(p, K16, m), _mm512_maskz_loadu_ps(m, x + K16), a0);
    }
    y[r] = _mm512_reduce_add_ps(a0);
}

template <DType D>
MOBI_TARGET void gemvT(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
        gemv1<D>(w, x, y, r);
}

// Software prefetch of the stored rows of the next panel, spread evenly
// over every k step of the current one (one prefetch per step, `step`
// bytes apart), so the F16 -> F32 decode of the next panel finds them in
// cache instead of waiting on DRAM, without bursts that would queue behind
// the loads of the current step.
struct Prefetch {
    const char* p = nullptr;
    const char* end = nullptr;
    size_t step = 0;
};

// Where a GEMM micro call starts and ends, in k steps of 16 (s1 <= K / 16).
// Accumulators live in registers within a K chunk and are spilled to `acc`
// between chunks, which does not change any value: each (row, token) keeps
// one 16-lane accumulator summed in ascending k, then the zero-padded tail
// step, then reduced.
struct KSpan {
    int64_t s0, s1;
    bool first, last; // first: start from zero; last: add the tail, reduce, store Y
};

// Tokens are packed (packTokens) so the micro-kernel reads them as one
// sequential stream: a group of T tokens as [k/16][T][16], zero-padded to a
// whole step (the K % 16 tail). Weights are read from their stored rows and
// converted to F32 in registers (load16), as the GEMV does: a 4-row tile of
// F16 is 16 KB at K = 2048 and stays in L1 for all token groups, and no
// decode pass waits on memory. Q8_0 rows, costlier to expand, are decoded
// to an F32 panel once and read as F32.
// R weight rows times T tokens over one K chunk; per (row, token) the same
// operations in the same order as gemv1 (masked tail: zeros in both
// operands), so the results are bit-identical.
template <DType D, int R, int T>
MOBI_TARGET void micro(const uint8_t* const* wr, const float* xp, int64_t K, KSpan sp, float* acc0,
                       float* Y, int64_t ldy, int64_t r, Prefetch& pf) {
    __m512 acc[R][T];
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t)
            acc[i][t] = sp.first ? _mm512_setzero_ps() : _mm512_load_ps(acc0 + 16 * (i * T + t));
    const char* pp = pf.p;
    const char* const pEnd = pf.end;
    const size_t pStep = pf.step;
    for (int64_t s = sp.s0; s < sp.s1; ++s) {
        if (pp < pEnd) {
            _mm_prefetch(pp, _MM_HINT_T0);
            pp += pStep;
        }
        const float* xs = xp + s * (T * 16);
        __m512 wv[R];
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i)
            wv[i] = load16<D>(wr[i], s * 16);
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t) {
            const __m512 xv = _mm512_loadu_ps(xs + t * 16);
#pragma GCC unroll 8
            for (int i = 0; i < R; ++i)
                acc[i][t] = _mm512_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
    pf.p = pp;
    if (!sp.last) {
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
            for (int t = 0; t < T; ++t)
                _mm512_store_ps(acc0 + 16 * (i * T + t), acc[i][t]);
        return;
    }
    const int64_t K16 = K & ~int64_t(15);
    if (K16 < K) {
        const __mmask16 m = static_cast<__mmask16>((1u << (K - K16)) - 1);
        const float* xs = xp + (K16 >> 4) * (T * 16);
        __m512 xv[T];
        for (int t = 0; t < T; ++t)
            xv[t] = _mm512_loadu_ps(xs + t * 16);
        for (int i = 0; i < R; ++i) {
            const __m512 wv = load16m<D>(wr[i], K16, m);
            for (int t = 0; t < T; ++t)
                acc[i][t] = _mm512_fmadd_ps(wv, xv[t], acc[i][t]);
        }
    }
    for (int i = 0; i < R; ++i)
        for (int t = 0; t < T; ++t)
            Y[t * ldy + r + i] = _mm512_reduce_add_ps(acc[i][t]);
}

// All n tokens (n <= kMaxTokens, packed by groups of kTokTile) of one R-row
// tile over one K chunk; `acc` holds R x n spilled accumulators.
constexpr int kMaxTokens = 64;
constexpr int kTokTile = 6;

template <DType D, int R>
MOBI_TARGET void microTokens(const uint8_t* const* wr, const float* Xp, int n, int64_t K, KSpan sp,
                             float* acc, float* Y, int64_t ldy, int64_t r, Prefetch& pf) {
    constexpr int T = kTokTile;
    const int64_t Kp = (K + 15) & ~int64_t(15);
    int t = 0;
    for (; t + T <= n; t += T)
        micro<D, R, T>(wr, Xp + t * Kp, K, sp, acc + 16 * t * R, Y + t * ldy, ldy, r, pf);
    const float* Xt = Xp + t * Kp;
    float* Yt = Y + t * ldy;
    float* at = acc + 16 * t * R;
    switch (n - t) {
    case 5:
        micro<D, R, 5>(wr, Xt, K, sp, at, Yt, ldy, r, pf);
        break;
    case 4:
        micro<D, R, 4>(wr, Xt, K, sp, at, Yt, ldy, r, pf);
        break;
    case 3:
        micro<D, R, 3>(wr, Xt, K, sp, at, Yt, ldy, r, pf);
        break;
    case 2:
        micro<D, R, 2>(wr, Xt, K, sp, at, Yt, ldy, r, pf);
        break;
    case 1:
        micro<D, R, 1>(wr, Xt, K, sp, at, Yt, ldy, r, pf);
        break;
    default:
        break;
    }
}

// Decodes one row to F32 (exactly as load16 does), zero-padding to Kp.
template <DType D> MOBI_TARGET void decodeRow(const uint8_t* row, int64_t K, float* out) {
    const int64_t K16 = K & ~int64_t(15);
    for (int64_t k = 0; k < K16; k += 16)
        _mm512_storeu_ps(out + k, load16<D>(row, k));
    if (K16 < K) {
        const __mmask16 m = static_cast<__mmask16>((1u << (K - K16)) - 1);
        _mm512_storeu_ps(out + K16, load16m<D>(row, K16, m));
    }
}

// Blocking of the prefill GEMM (measured on Zen 5, 1 MB L2 per core, 48 KB
// L1, TinyLlama shapes, 64 tokens). Rows go by panels of Mc; the stored
// rows of the next panel are prefetched evenly while the current one
// computes. matmulGroup hands over tokens in blocks whose activations fit
// in L2 (packedTokenBlock: 36 + 28 tokens for the FFN down projection,
// K = 5632, measured faster than 64 at once although the weights are read
// twice); then a panel is one 4-row tile and K runs in one chunk. For
// blocks that do not fit (callers of gemmRange with wide rows), a 16-row
// panel makes each pass over X from L3 feed 4 tiles, and K is cut into
// chunks of 1024 so a tile's chunk and 6 tokens' chunk stay near L1.
struct Blocking {
    int mc;
    int64_t kc;
};

constexpr int64_t kL2Tokens = int64_t(1) << 20; // activations that fit in L2

inline Blocking blockingFor(int n, int64_t K) {
    const int64_t xBytes = int64_t(n) * K * 4;
    if (xBytes <= kL2Tokens) return {4, K + 16};
    return {16, 1024};
}

template <DType D>
MOBI_TARGET void gemmT(const WeightView& w, const float* Xp, int n, float* Y, int64_t ldy,
                       int64_t r0, int64_t r1) {
    constexpr DType MD = D == DType::Q8_0 ? DType::F32 : D; // what micro reads
    const int64_t K = w.cols, Kp = (K + 15) & ~int64_t(15), S = K >> 4;
    const Blocking bl = blockingFor(n, K);
    thread_local std::vector<float> panel;    // Q8_0 only
    thread_local std::vector<float> accStore; // 64-byte aligned inside
    const size_t accFloats = static_cast<size_t>(bl.mc) * kMaxTokens * 16;
    if (D == DType::Q8_0 && panel.size() < static_cast<size_t>(bl.mc * Kp))
        panel.resize(static_cast<size_t>(bl.mc * Kp));
    if (accStore.size() < accFloats + 16) accStore.resize(accFloats + 16);
    float* accBuf = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(accStore.data()) + 63) &
                                             ~uintptr_t(63));
    for (int64_t rb = r0; rb < r1; rb += bl.mc) {
        const int m = static_cast<int>(std::min<int64_t>(bl.mc, r1 - rb));
        const uint8_t* rows[16];
        for (int i = 0; i < m; ++i) {
            if constexpr (D == DType::Q8_0) {
                float* dst = panel.data() + i * Kp;
                decodeRow<D>(w.row(rb + i), K, dst);
                rows[i] = reinterpret_cast<const uint8_t*>(dst);
            } else {
                rows[i] = w.row(rb + i);
            }
        }
        // The next panel's stored rows (up to the matrix end: a row range
        // is usually followed by the next one claimed), over this panel's
        // micro k steps.
        Prefetch pf;
        pf.p = reinterpret_cast<const char*>(w.row(rb + m));
        pf.end = reinterpret_cast<const char*>(w.row(std::min<int64_t>(w.rows, rb + m + bl.mc)));
        const int64_t steps =
            std::max<int64_t>(1, S * ((n + kTokTile - 1) / kTokTile) * ((m + 3) / 4));
        pf.step = static_cast<size_t>((pf.end - pf.p + steps - 1) / steps);
        const int64_t kcSteps = bl.kc >> 4;
        // One chunk at least, so the tail and the stores happen when K < 16.
        for (int64_t s0 = 0;;) {
            const int64_t s1 = std::min(S, s0 + kcSteps);
            const KSpan sp{s0, s1, s0 == 0, s1 == S};
            int i = 0;
            for (; i + 4 <= m; i += 4)
                microTokens<MD, 4>(rows + i, Xp, n, K, sp, accBuf + i * kMaxTokens * 16, Y, ldy,
                                   rb + i, pf);
            for (; i < m; ++i)
                microTokens<MD, 1>(rows + i, Xp, n, K, sp, accBuf + i * kMaxTokens * 16, Y, ldy,
                                   rb + i, pf);
            if (sp.last) break;
            s0 = s1;
        }
    }
}

// Packs n tokens (n <= kMaxTokens) of width K, row stride ldx, into groups
// of kTokTile laid out [k/16][T][16], zero-padded to a whole last step;
// group g starts at Xp + g * kTokTile * Kp.
MOBI_TARGET void packTokens(const float* X, int64_t ldx, int n, int64_t K, float* Xp) {
    const int64_t Kp = (K + 15) & ~int64_t(15), K16 = K & ~int64_t(15);
    for (int t0 = 0; t0 < n; t0 += kTokTile) {
        const int T = std::min(kTokTile, n - t0);
        float* g = Xp + t0 * Kp;
        for (int t = 0; t < T; ++t) {
            const float* x = X + (t0 + t) * ldx;
            float* o = g + t * 16;
            for (int64_t k = 0; k < K16; k += 16)
                _mm512_storeu_ps(o + k * T, _mm512_loadu_ps(x + k));
            if (K16 < K) {
                const __mmask16 m = static_cast<__mmask16>((1u << (K - K16)) - 1);
                _mm512_storeu_ps(o + K16 * T, _mm512_maskz_loadu_ps(m, x + K16));
            }
        }
    }
}

} // namespace

void gemvAvx512(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1) {
    switch (w.dtype) {
    case DType::F32:
        gemvT<DType::F32>(w, x, y, r0, r1);
        return;
    case DType::F16:
        gemvT<DType::F16>(w, x, y, r0, r1);
        return;
    case DType::BF16:
        gemvT<DType::BF16>(w, x, y, r0, r1);
        return;
    default:
        gemvT<DType::Q8_0>(w, x, y, r0, r1);
        return;
    }
}

int packedTokenBlock(int64_t K) {
    if (int64_t(kMaxTokens) * K * 4 <= kL2Tokens) return kMaxTokens;
    const int64_t fit = (kL2Tokens * 4 / 5) / (K * 4) / kTokTile * kTokTile;
    return static_cast<int>(std::clamp<int64_t>(fit, kTokTile, kMaxTokens));
}

size_t packedTokensSize(int n, int64_t K) {
    return static_cast<size_t>(n) * static_cast<size_t>((K + 15) & ~int64_t(15));
}

void packTokensAvx512(const float* X, int64_t ldx, int n, int64_t K, float* Xp) {
    packTokens(X, ldx, n, K, Xp);
}

void gemmPackedAvx512(const WeightView& w, const float* Xp, int n, float* Y, int64_t ldy,
                      int64_t r0, int64_t r1) {
    switch (w.dtype) {
    case DType::F32:
        gemmT<DType::F32>(w, Xp, n, Y, ldy, r0, r1);
        return;
    case DType::F16:
        gemmT<DType::F16>(w, Xp, n, Y, ldy, r0, r1);
        return;
    case DType::BF16:
        gemmT<DType::BF16>(w, Xp, n, Y, ldy, r0, r1);
        return;
    default:
        gemmT<DType::Q8_0>(w, Xp, n, Y, ldy, r0, r1);
        return;
    }
}

void gemmAvx512(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
                int64_t r0, int64_t r1) {
    thread_local std::vector<float> Xp;
    for (int t0 = 0; t0 < n; t0 += kMaxTokens) {
        const int nb = std::min(kMaxTokens, n - t0);
        Xp.resize(packedTokensSize(nb, w.cols));
        packTokens(X + static_cast<int64_t>(t0) * ldx, ldx, nb, w.cols, Xp.data());
        gemmPackedAvx512(w, Xp.data(), nb, Y + static_cast<int64_t>(t0) * ldy, ldy, r0, r1);
    }
}

} // namespace mobi::kernels_detail

#else

namespace mobi::kernels_detail {
void gemvAvx512(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1) {
    gemvScalar(w, x, y, r0, r1);
}
void gemmAvx512(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
                int64_t r0, int64_t r1) {
    gemmScalar(w, X, ldx, n, Y, ldy, r0, r1);
}
int packedTokenBlock(int64_t) {
    return 64;
}
size_t packedTokensSize(int n, int64_t K) {
    return static_cast<size_t>(n) * static_cast<size_t>((K + 15) & ~int64_t(15));
}
void packTokensAvx512(const float*, int64_t, int, int64_t, float*) {
    throw EngineError("kernels", "AVX-512 packing called on a build without x86-64 kernels");
}
void gemmPackedAvx512(const WeightView&, const float*, int, float*, int64_t, int64_t, int64_t) {
    throw EngineError("kernels", "AVX-512 GEMM called on a build without x86-64 kernels");
}
} // namespace mobi::kernels_detail

#endif
