// AVX2 sliced kernels: each byte of a plane word selects, through a table
// of 256 lane masks, which of 8 activations to add. Compiled for any
// x86-64, called only when the CPU has AVX2 + FMA + F16C.
#include "quant/SlicedKernelPaths.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#define MOBI_TARGET __attribute__((target("avx2,fma,f16c")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi::sliced_detail {

namespace {

// maskTable[b][l] is all ones when bit l of b is set.
struct MaskTable {
    alignas(32) uint32_t m[256][8];
    MaskTable() {
        for (int b = 0; b < 256; ++b)
            for (int l = 0; l < 8; ++l)
                m[b][l] = ((b >> l) & 1) ? 0xffffffffu : 0u;
    }
};
const MaskTable maskTable;

MOBI_TARGET MOBI_INLINE __m256 maskOf(uint8_t b) {
    return _mm256_load_ps(reinterpret_cast<const float*>(maskTable.m[b]));
}

MOBI_TARGET MOBI_INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <int NR>
MOBI_TARGET MOBI_INLINE void tile(const Plan& p, const Input& in, float* y, int64_t r) {
    const int P = p.nPlanes;
    const int cpg = p.groupSize / 8;
    __m256 acc[NR];
    float yoff[NR];
    for (int i = 0; i < NR; ++i) {
        acc[i] = _mm256_setzero_ps();
        yoff[i] = 0.0f;
    }
    for (int64_t g = 0; g < p.groupsPerRow; ++g) {
        const int64_t c0 = g * p.groupSize;
        const int nch = static_cast<int>(std::min<int64_t>(cpg, (p.cols - c0 + 7) / 8));
        const float* xg = in.x + c0;
        const int64_t mb = c0 / 8;
        float coef[NR][kMaxPlanes];
        for (int i = 0; i < NR; ++i) {
            const size_t gi = static_cast<size_t>((r + i) * p.groupsPerRow + g);
            float sc[kMaxPlanes], mn[kMaxPlanes];
            for (int s = 0; s < p.nScaled; ++s) {
                sc[s] = _cvtsh_ss(p.scales[s][gi]);
                mn[s] = _cvtsh_ss(p.mins[s][gi]);
            }
            float off = 0.0f;
            if (p.nested) {
                off = mn[0] - sc[0] * p.nestedC;
            } else {
                for (int s = 0; s < p.nScaled; ++s)
                    off += mn[s];
            }
            for (int q = 0; q < P; ++q)
                coef[i][q] = sc[p.planeSlice[q]] * p.planeMul[q];
            yoff[i] += off * in.groupSum[g];
        }
        for (int q = 0; q < P; ++q) {
            __m256 S[NR];
            const __m256 x0 = _mm256_loadu_ps(xg);
#pragma GCC unroll 4
            for (int i = 0; i < NR; ++i)
                S[i] = _mm256_and_ps(maskOf(*planeRowByte(p, p.planes[q], r + i, mb)), x0);
            for (int c = 1; c < nch; ++c) {
                const __m256 xv = _mm256_loadu_ps(xg + 8 * c);
#pragma GCC unroll 4
                for (int i = 0; i < NR; ++i)
                    S[i] = _mm256_add_ps(
                        S[i],
                        _mm256_and_ps(maskOf(*planeRowByte(p, p.planes[q], r + i, mb + c)), xv));
            }
#pragma GCC unroll 4
            for (int i = 0; i < NR; ++i)
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(coef[i][q]), S[i], acc[i]);
        }
    }
    for (int i = 0; i < NR; ++i)
        y[r + i] = hsum(acc[i]) + yoff[i];
}

} // namespace

MOBI_TARGET void rowsAvx2(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                          int64_t r1) {
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
        for (int t = 0; t < n; ++t)
            tile<4>(p, in[t], Y + t * ldy, r);
    for (; r < r1; ++r)
        for (int t = 0; t < n; ++t)
            tile<1>(p, in[t], Y + t * ldy, r);
}

} // namespace mobi::sliced_detail

#else

namespace mobi::sliced_detail {
void rowsAvx2(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
              int64_t r1) {
    rowsScalar(p, in, n, Y, ldy, r0, r1);
}
} // namespace mobi::sliced_detail

#endif
