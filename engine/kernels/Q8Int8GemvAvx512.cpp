// AVX-512 (VL + VNNI) Q8_0 x int8 kernel: per 32-column block one 256-bit
// VPDPBUSD of the sign-flipped weight bytes (qw ^ 0x80 = qw + 128 as
// unsigned) with the activation codes, started from Q8Int8Input::corr so the
// 8 int32 lanes hold the exact partial dot products; those are converted to
// float and accumulated with one FMA by the block's scale (Q8Int8Gemv.h gives
// the arithmetic the scalar reference shares). Four rows at a time share each
// activation load; rows are tiled so that a tile's weights stay in L1 while
// every token of a batch passes over them. Compiled for any x86-64, called
// only when the CPU has the instructions.
#include "kernels/Q8Int8Gemv.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#define MOBI_Q8_TARGET __attribute__((target("avx512f,avx512vl,avx512vnni,avx2,fma,f16c")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi {

namespace {

constexpr size_t kBlockBytes = 34;

MOBI_Q8_TARGET MOBI_INLINE float hsum(__m256 v) {
    const __m128 v4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 v2 = _mm_add_ps(v4, _mm_movehl_ps(v4, v4));
    return _mm_cvtss_f32(_mm_add_ss(v2, _mm_movehdup_ps(v2)));
}

MOBI_Q8_TARGET MOBI_INLINE float blockStep(const uint8_t* blk) {
    uint16_t h;
    std::memcpy(&h, blk, 2);
    return _cvtsh_ss(h);
}

// Rows [r, r + R) for one token.
template <int R>
MOBI_Q8_TARGET MOBI_INLINE void rowsToken(const WeightView& w, int64_t r, const Q8Int8Input& in,
                                          float* y) {
    const int64_t nb = w.cols / 32;
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    const uint8_t* rows[R];
    for (int i = 0; i < R; ++i)
        rows[i] = w.row(r + i);
    __m256 acc[R];
    for (int i = 0; i < R; ++i)
        acc[i] = _mm256_setzero_ps();
    const int8_t* xq = in.q.data();
    const float* xd = in.d.data();
    const int32_t* corr = in.corr.data();
    for (int64_t b = 0; b < nb; ++b) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * b));
        const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(corr + 8 * b));
        const float dx = xd[b];
        for (int i = 0; i < R; ++i) {
            const uint8_t* blk = rows[i] + b * kBlockBytes;
            const __m256i wq = _mm256_xor_si256(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2)), flip);
            const __m256i dot = _mm256_dpbusd_epi32(c, wq, x);
            const __m256 s = _mm256_set1_ps(blockStep(blk) * dx);
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), s, acc[i]);
        }
    }
    for (int i = 0; i < R; ++i)
        y[i] = hsum(acc[i]);
}

} // namespace

bool q8Int8Avx512Supported() {
    static const bool cpu = __builtin_cpu_supports("avx512f") &&
                            __builtin_cpu_supports("avx512vl") &&
                            __builtin_cpu_supports("avx512vnni") &&
                            __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma");
    return cpu;
}

MOBI_Q8_TARGET void q8Int8RowsAvx512(const WeightView& w, const Q8Int8Input* in, int n, float* Y,
                                     int64_t ldy, int64_t r0, int64_t r1) {
    if (!q8Int8Avx512Supported()) {
        q8Int8RowsScalar(w, in, n, Y, ldy, r0, r1);
        return;
    }
    constexpr int64_t kTile = 16; // rows whose weights stay cached across tokens
    for (int64_t ta = r0; ta < r1; ta += kTile) {
        const int64_t tb = std::min(r1, ta + kTile);
        for (int t = 0; t < n; ++t) {
            float* y = Y + t * ldy;
            int64_t r = ta;
            for (; r + 4 <= tb; r += 4)
                rowsToken<4>(w, r, in[t], y + r);
            for (; r < tb; ++r)
                rowsToken<1>(w, r, in[t], y + r);
        }
    }
}

} // namespace mobi

#else

namespace mobi {

bool q8Int8Avx512Supported() {
    return false;
}

void q8Int8RowsAvx512(const WeightView& w, const Q8Int8Input* in, int n, float* Y, int64_t ldy,
                      int64_t r0, int64_t r1) {
    q8Int8RowsScalar(w, in, n, Y, ldy, r0, r1);
}

} // namespace mobi

#endif
