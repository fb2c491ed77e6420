// AVX-512 sliced kernels: each 16-bit chunk of a plane word is a mask
// register selecting which of 16 activations to add. Compiled for any
// x86-64, called only when the CPU has AVX-512 F/BW/VL/DQ.
#include "quant/SlicedKernelPaths.h"

#if defined(__x86_64__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#define MOBI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi::sliced_detail {

namespace {

MOBI_INLINE uint16_t load16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

template <int NR>
MOBI_TARGET MOBI_INLINE void tile(const Plan& p, const Input& in, float* y, int64_t r) {
    const int P = p.nPlanes;
    const int cpg = p.groupSize / 16;
    const uint8_t* prow[kMaxPlanes][NR];
    for (int q = 0; q < P; ++q)
        for (int i = 0; i < NR; ++i)
            prow[q][i] = reinterpret_cast<const uint8_t*>(p.planes[q] + (r + i) * p.wordsPerRow);
    __m512 acc[NR];
    float yoff[NR];
    for (int i = 0; i < NR; ++i) {
        acc[i] = _mm512_setzero_ps();
        yoff[i] = 0.0f;
    }
    for (int64_t g = 0; g < p.groupsPerRow; ++g) {
        const int64_t c0 = g * p.groupSize;
        const int nch = static_cast<int>(std::min<int64_t>(cpg, (p.cols - c0 + 15) / 16));
        const float* xg = in.x + c0;
        const int64_t mb = c0 / 8; // byte offset of the group in a plane row
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
                for (int s = 0; s < p.nScaled; ++s) off += mn[s];
            }
            for (int q = 0; q < P; ++q) coef[i][q] = sc[p.planeSlice[q]] * p.planeMul[q];
            yoff[i] += off * in.groupSum[g];
        }
        for (int q = 0; q < P; ++q) {
            __m512 S[NR];
            const __m512 x0 = _mm512_loadu_ps(xg);
#pragma GCC unroll 4
            for (int i = 0; i < NR; ++i)
                S[i] = _mm512_maskz_mov_ps(static_cast<__mmask16>(load16(prow[q][i] + mb)), x0);
            for (int c = 1; c < nch; ++c) {
                const __m512 xv = _mm512_loadu_ps(xg + 16 * c);
#pragma GCC unroll 4
                for (int i = 0; i < NR; ++i)
                    S[i] = _mm512_mask_add_ps(
                        S[i], static_cast<__mmask16>(load16(prow[q][i] + mb + 2 * c)), S[i], xv);
            }
#pragma GCC unroll 4
            for (int i = 0; i < NR; ++i)
                acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(coef[i][q]), S[i], acc[i]);
        }
    }
    for (int i = 0; i < NR; ++i) y[r + i] = _mm512_reduce_add_ps(acc[i]) + yoff[i];
}

} // namespace

MOBI_TARGET void rowsAvx512(const Plan& p, const Input* in, int n, float* Y, int64_t ldy,
                            int64_t r0, int64_t r1) {
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
        for (int t = 0; t < n; ++t) tile<4>(p, in[t], Y + t * ldy, r);
    for (; r < r1; ++r)
        for (int t = 0; t < n; ++t) tile<1>(p, in[t], Y + t * ldy, r);
}

} // namespace mobi::sliced_detail

#else

namespace mobi::sliced_detail {
void rowsAvx512(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                int64_t r1) {
    rowsScalar(p, in, n, Y, ldy, r0, r1);
}
} // namespace mobi::sliced_detail

#endif
