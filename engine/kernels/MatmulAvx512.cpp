// AVX-512 (F + BW + VL + DQ) kernels; compiled for any x86-64, called only
// when the CPU has them.
#include "kernels/MatmulPaths.h"

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

// Where a GEMM micro call starts and ends in K. Accumulators live in
// registers within a K chunk and are spilled to `acc` between chunks, which
// does not change any value: each (row, token) keeps one 16-lane
// accumulator summed in ascending k, then the masked tail, then reduced.
struct KSpan {
    int64_t k0, k1;   // multiples of 16 (k1 <= K16)
    bool first, last; // first: start from zero; last: add the tail, reduce, store Y
};

// R weight rows (F32, readable up to K) times T tokens over one K chunk;
// same operation order per (row, token) as gemv1 so the results are
// bit-identical.
template <int R, int T>
MOBI_TARGET void micro(const float* const* wr, const float* X, int64_t ldx, int64_t K, KSpan sp,
                       float* acc0, float* Y, int64_t ldy, int64_t r, Prefetch& pf) {
    const int64_t K16 = K & ~int64_t(15);
    __m512 acc[R][T];
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t)
            acc[i][t] = sp.first ? _mm512_setzero_ps() : _mm512_load_ps(acc0 + 16 * (i * T + t));
    for (int64_t k = sp.k0; k < sp.k1; k += 16) {
        if (pf.p < pf.end) {
            _mm_prefetch(pf.p, _MM_HINT_T0);
            pf.p += pf.step;
        }
        __m512 xv[T];
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t)
            xv[t] = _mm512_loadu_ps(X + t * ldx + k);
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i) {
            const __m512 wv = _mm512_loadu_ps(wr[i] + k);
#pragma GCC unroll 8
            for (int t = 0; t < T; ++t)
                acc[i][t] = _mm512_fmadd_ps(wv, xv[t], acc[i][t]);
        }
    }
    if (!sp.last) {
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
            for (int t = 0; t < T; ++t)
                _mm512_store_ps(acc0 + 16 * (i * T + t), acc[i][t]);
        return;
    }
    if (K16 < K) {
        const __mmask16 m = static_cast<__mmask16>((1u << (K - K16)) - 1);
        __m512 xv[T];
        for (int t = 0; t < T; ++t)
            xv[t] = _mm512_maskz_loadu_ps(m, X + t * ldx + K16);
        for (int i = 0; i < R; ++i) {
            const __m512 wv = _mm512_maskz_loadu_ps(m, wr[i] + K16);
            for (int t = 0; t < T; ++t)
                acc[i][t] = _mm512_fmadd_ps(wv, xv[t], acc[i][t]);
        }
    }
    for (int i = 0; i < R; ++i)
        for (int t = 0; t < T; ++t)
            Y[t * ldy + r + i] = _mm512_reduce_add_ps(acc[i][t]);
}

// All n tokens (n <= kMaxTokens) of one R-row tile over one K chunk, 6
// tokens per micro call; `acc` holds R x n spilled accumulators.
constexpr int kMaxTokens = 64;
constexpr int kTokTile = 6;

template <int R>
MOBI_TARGET void microTokens(const float* const* wr, const float* X, int64_t ldx, int n, int64_t K,
                             KSpan sp, float* acc, float* Y, int64_t ldy, int64_t r, Prefetch& pf) {
    constexpr int T = kTokTile;
    int t = 0;
    for (; t + T <= n; t += T) {
        micro<R, T>(wr, X + t * ldx, ldx, K, sp, acc + 16 * t * R, Y + t * ldy, ldy, r, pf);
    }
    const float* Xt = X + t * ldx;
    float* Yt = Y + t * ldy;
    float* at = acc + 16 * t * R;
    switch (n - t) {
    case 5:
        micro<R, 5>(wr, Xt, ldx, K, sp, at, Yt, ldy, r, pf);
        break;
    case 4:
        micro<R, 4>(wr, Xt, ldx, K, sp, at, Yt, ldy, r, pf);
        break;
    case 3:
        micro<R, 3>(wr, Xt, ldx, K, sp, at, Yt, ldy, r, pf);
        break;
    case 2:
        micro<R, 2>(wr, Xt, ldx, K, sp, at, Yt, ldy, r, pf);
        break;
    case 1:
        micro<R, 1>(wr, Xt, ldx, K, sp, at, Yt, ldy, r, pf);
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
// L1, TinyLlama shapes, 64 tokens). A panel of Mc weight rows is decoded to
// F32 once; K is cut into chunks of Kc so that one 4-row tile's chunk and 6
// tokens' chunk stay in L1 while all tokens pass over it; the stored rows of
// the next tile are prefetched while the current one computes (the decode
// otherwise waits on DRAM). When the tokens' activations fit in L2 a panel is
// one 4-row tile; when they do not (the FFN down projection, K = 5632), a
// 16-row panel makes each pass over X from L3 feed 4 tiles.
struct Blocking {
    int mc;
    int64_t kc;
};

inline Blocking blockingFor(int n, int64_t K) {
    const int64_t xBytes = int64_t(n) * K * 4;
    if (xBytes <= (int64_t(768) << 10)) return {4, 1024};
    return {16, 512};
}

template <DType D>
MOBI_TARGET void gemmT(const WeightView& w, const float* X, int64_t ldx, int n, float* Y,
                       int64_t ldy, int64_t r0, int64_t r1) {
    const int64_t K = w.cols, Kp = (K + 15) & ~int64_t(15), K16 = K & ~int64_t(15);
    const Blocking bl = blockingFor(n, K);
    thread_local std::vector<float> panel;
    thread_local std::vector<float> accStore; // 64-byte aligned inside
    const size_t accFloats = static_cast<size_t>(bl.mc) * kMaxTokens * 16;
    if (D != DType::F32 && panel.size() < static_cast<size_t>(bl.mc * Kp))
        panel.resize(static_cast<size_t>(bl.mc * Kp));
    if (accStore.size() < accFloats + 16) accStore.resize(accFloats + 16);
    float* accBuf = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(accStore.data()) + 63) &
                                             ~uintptr_t(63));
    for (int64_t rb = r0; rb < r1; rb += bl.mc) {
        const int m = static_cast<int>(std::min<int64_t>(bl.mc, r1 - rb));
        const float* rows[16];
        for (int i = 0; i < m; ++i) {
            if constexpr (D == DType::F32) {
                rows[i] = reinterpret_cast<const float*>(w.row(rb + i));
            } else {
                float* dst = panel.data() + i * Kp;
                decodeRow<D>(w.row(rb + i), K, dst);
                rows[i] = dst;
            }
        }
        // The next panel's stored rows (up to the matrix end: a row range
        // is usually followed by the next one claimed), over this panel's
        // micro k steps.
        Prefetch pf;
        pf.p = reinterpret_cast<const char*>(w.row(rb + m));
        pf.end = reinterpret_cast<const char*>(w.row(std::min<int64_t>(w.rows, rb + m + bl.mc)));
        const int64_t steps =
            std::max<int64_t>(1, (K16 >> 4) * ((n + kTokTile - 1) / kTokTile) * ((m + 3) / 4));
        pf.step = static_cast<size_t>((pf.end - pf.p + steps - 1) / steps);
        // One chunk at least, so the tail and the stores happen when K < 16.
        for (int64_t k0 = 0;;) {
            const int64_t k1 = std::min(K16, k0 + bl.kc);
            const KSpan sp{k0, k1, k0 == 0, k1 == K16};
            int i = 0;
            for (; i + 4 <= m; i += 4)
                microTokens<4>(rows + i, X, ldx, n, K, sp, accBuf + i * kMaxTokens * 16, Y, ldy,
                               rb + i, pf);
            for (; i < m; ++i)
                microTokens<1>(rows + i, X, ldx, n, K, sp, accBuf + i * kMaxTokens * 16, Y, ldy,
                               rb + i, pf);
            if (sp.last) break;
            k0 = k1;
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

void gemmAvx512(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
                int64_t r0, int64_t r1) {
    switch (w.dtype) {
    case DType::F32:
        gemmT<DType::F32>(w, X, ldx, n, Y, ldy, r0, r1);
        return;
    case DType::F16:
        gemmT<DType::F16>(w, X, ldx, n, Y, ldy, r0, r1);
        return;
    case DType::BF16:
        gemmT<DType::BF16>(w, X, ldx, n, Y, ldy, r0, r1);
        return;
    default:
        gemmT<DType::Q8_0>(w, X, ldx, n, Y, ldy, r0, r1);
        return;
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
} // namespace mobi::kernels_detail

#endif
