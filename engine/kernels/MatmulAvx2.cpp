// AVX2 + FMA + F16C kernels; compiled for any x86-64, called only when the
// CPU has them.
#include "kernels/MatmulPaths.h"

#if defined(__x86_64__)
#include "core/Half.h"

#include <immintrin.h>

#include <cstring>
#include <vector>

#define MOBI_TARGET __attribute__((target("avx2,fma,f16c")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi::kernels_detail {

namespace {

template <DType D> MOBI_TARGET MOBI_INLINE __m256 load8(const uint8_t* row, int64_t k) {
    if constexpr (D == DType::F32) {
        return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + k);
    } else if constexpr (D == DType::F16) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * k)));
    } else if constexpr (D == DType::BF16) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * k));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    } else {
        const uint8_t* blk = row + (k >> 5) * 34;
        uint16_t h;
        std::memcpy(&h, blk, 2);
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(h));
        const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(blk + 2 + (k & 24)));
        return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d);
    }
}

// The last K % 8 weights decoded into a zero-padded vector (not Q8_0).
template <DType D>
MOBI_TARGET MOBI_INLINE __m256 loadTail(const uint8_t* row, int64_t k, int64_t K) {
    alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t i = k; i < K; ++i) {
        if constexpr (D == DType::F32) {
            std::memcpy(&buf[i - k], row + 4 * i, 4);
        } else if constexpr (D == DType::F16 || D == DType::BF16) {
            uint16_t h;
            std::memcpy(&h, row + 2 * i, 2);
            buf[i - k] = D == DType::F16 ? f16ToF32(h) : bf16ToF32(h);
        }
    }
    return _mm256_load_ps(buf);
}

MOBI_TARGET MOBI_INLINE __m256 loadTailF32(const float* p, int64_t count) {
    alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(buf, p, static_cast<size_t>(count) * 4);
    return _mm256_load_ps(buf);
}

MOBI_TARGET MOBI_INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Four rows share each load of x; one accumulator per row, as micro(), and
// written out by hand so the accumulators stay in registers.
template <DType D>
MOBI_TARGET void gemv4(const WeightView& w, const float* x, float* y, int64_t r) {
    const int64_t K = w.cols, K8 = K & ~int64_t(7);
    const uint8_t *p0 = w.row(r), *p1 = w.row(r + 1), *p2 = w.row(r + 2), *p3 = w.row(r + 3);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t k = 0; k < K8; k += 8) {
        const __m256 xv = _mm256_loadu_ps(x + k);
        a0 = _mm256_fmadd_ps(load8<D>(p0, k), xv, a0);
        a1 = _mm256_fmadd_ps(load8<D>(p1, k), xv, a1);
        a2 = _mm256_fmadd_ps(load8<D>(p2, k), xv, a2);
        a3 = _mm256_fmadd_ps(load8<D>(p3, k), xv, a3);
    }
    if (K8 < K) {
        const __m256 xv = loadTailF32(x + K8, K - K8);
        a0 = _mm256_fmadd_ps(loadTail<D>(p0, K8, K), xv, a0);
        a1 = _mm256_fmadd_ps(loadTail<D>(p1, K8, K), xv, a1);
        a2 = _mm256_fmadd_ps(loadTail<D>(p2, K8, K), xv, a2);
        a3 = _mm256_fmadd_ps(loadTail<D>(p3, K8, K), xv, a3);
    }
    y[r] = hsum(a0);
    y[r + 1] = hsum(a1);
    y[r + 2] = hsum(a2);
    y[r + 3] = hsum(a3);
}

template <DType D>
MOBI_TARGET void gemv1(const WeightView& w, const float* x, float* y, int64_t r) {
    const int64_t K = w.cols, K8 = K & ~int64_t(7);
    const uint8_t* p0 = w.row(r);
    __m256 a0 = _mm256_setzero_ps();
    for (int64_t k = 0; k < K8; k += 8)
        a0 = _mm256_fmadd_ps(load8<D>(p0, k), _mm256_loadu_ps(x + k), a0);
    if (K8 < K) a0 = _mm256_fmadd_ps(loadTail<D>(p0, K8, K), loadTailF32(x + K8, K - K8), a0);
    y[r] = hsum(a0);
}

template <DType D>
MOBI_TARGET void gemvT(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1) {
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
        gemv4<D>(w, x, y, r);
    for (; r < r1; ++r)
        gemv1<D>(w, x, y, r);
}

// Weights are decoded F32 rows zero-padded to a multiple of 8.
template <int R, int T>
MOBI_TARGET void micro(const float* const* wr, const float* X, int64_t ldx, int64_t K, float* Y,
                       int64_t ldy, int64_t r) {
    const int64_t K8 = K & ~int64_t(7);
    __m256 acc[R][T];
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t)
            acc[i][t] = _mm256_setzero_ps();
    for (int64_t k = 0; k < K8; k += 8) {
        __m256 xv[T];
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t)
            xv[t] = _mm256_loadu_ps(X + t * ldx + k);
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i) {
            const __m256 wv = _mm256_loadu_ps(wr[i] + k);
#pragma GCC unroll 8
            for (int t = 0; t < T; ++t)
                acc[i][t] = _mm256_fmadd_ps(wv, xv[t], acc[i][t]);
        }
    }
    if (K8 < K) {
        for (int t = 0; t < T; ++t) {
            const __m256 xv = loadTailF32(X + t * ldx + K8, K - K8);
            for (int i = 0; i < R; ++i)
                acc[i][t] = _mm256_fmadd_ps(_mm256_loadu_ps(wr[i] + K8), xv, acc[i][t]);
        }
    }
    for (int i = 0; i < R; ++i)
        for (int t = 0; t < T; ++t)
            Y[t * ldy + r + i] = hsum(acc[i][t]);
}

template <int R>
MOBI_TARGET void microTokens(const float* const* wr, const float* X, int64_t ldx, int n, int64_t K,
                             float* Y, int64_t ldy, int64_t r) {
    constexpr int T = 3;
    int t = 0;
    for (; t + T <= n; t += T)
        micro<R, T>(wr, X + t * ldx, ldx, K, Y + t * ldy, ldy, r);
    if (n - t == 2) micro<R, 2>(wr, X + t * ldx, ldx, K, Y + t * ldy, ldy, r);
    if (n - t == 1) micro<R, 1>(wr, X + t * ldx, ldx, K, Y + t * ldy, ldy, r);
}

template <DType D> MOBI_TARGET void decodeRow(const uint8_t* row, int64_t K, float* out) {
    const int64_t K8 = K & ~int64_t(7);
    for (int64_t k = 0; k < K8; k += 8)
        _mm256_storeu_ps(out + k, load8<D>(row, k));
    if (K8 < K) _mm256_storeu_ps(out + K8, loadTail<D>(row, K8, K));
}

template <DType D>
MOBI_TARGET void gemmT(const WeightView& w, const float* X, int64_t ldx, int n, float* Y,
                       int64_t ldy, int64_t r0, int64_t r1) {
    const int64_t K = w.cols, Kp = (K + 7) & ~int64_t(7);
    thread_local std::vector<float> tile;
    if (tile.size() < static_cast<size_t>(4 * Kp)) tile.resize(static_cast<size_t>(4 * Kp));
    for (int64_t r = r0; r < r1;) {
        const int R = r + 4 <= r1 ? 4 : 1;
        const float* wr[4];
        for (int i = 0; i < R; ++i) {
            float* dst = tile.data() + i * Kp;
            decodeRow<D>(w.row(r + i), K, dst);
            wr[i] = dst;
        }
        if (R == 4)
            microTokens<4>(wr, X, ldx, n, K, Y, ldy, r);
        else
            microTokens<1>(wr, X, ldx, n, K, Y, ldy, r);
        r += R;
    }
}

} // namespace

void gemvAvx2(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1) {
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

void gemmAvx2(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
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
void gemvAvx2(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1) {
    gemvScalar(w, x, y, r0, r1);
}
void gemmAvx2(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
              int64_t r0, int64_t r1) {
    gemmScalar(w, X, ldx, n, Y, ldy, r0, r1);
}
} // namespace mobi::kernels_detail

#endif
