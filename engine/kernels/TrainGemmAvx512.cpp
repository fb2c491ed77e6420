// AVX-512 micro-kernel of the training GEMM: a 12 x 32 tile of C in 24
// registers, A broadcast from its packed panel, B two vectors per k.
#include "kernels/TrainGemmPaths.h"

#include "core/Error.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MOBI_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))

namespace mobi::kernels_detail {

MOBI_TARGET void gemmMicroAvx512(int kc, const float* Ap, const float* Bp, float* C, int64_t ldc,
                                 bool accumulate, int mr, int nr) {
    __m512 c[kGemmMr][2];
#pragma GCC unroll 12
    for (int r = 0; r < kGemmMr; ++r)
        c[r][0] = c[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < kc; ++k) {
        const __m512 b0 = _mm512_loadu_ps(Bp);
        const __m512 b1 = _mm512_loadu_ps(Bp + 16);
#pragma GCC unroll 12
        for (int r = 0; r < kGemmMr; ++r) {
            const __m512 a = _mm512_set1_ps(Ap[r]);
            c[r][0] = _mm512_fmadd_ps(a, b0, c[r][0]);
            c[r][1] = _mm512_fmadd_ps(a, b1, c[r][1]);
        }
        Ap += kGemmMr;
        Bp += kGemmNr;
    }
    if (mr == kGemmMr && nr == kGemmNr) {
#pragma GCC unroll 12
        for (int r = 0; r < kGemmMr; ++r) {
            float* cr = C + r * ldc;
            if (accumulate) {
                c[r][0] = _mm512_add_ps(c[r][0], _mm512_loadu_ps(cr));
                c[r][1] = _mm512_add_ps(c[r][1], _mm512_loadu_ps(cr + 16));
            }
            _mm512_storeu_ps(cr, c[r][0]);
            _mm512_storeu_ps(cr + 16, c[r][1]);
        }
        return;
    }
    // Edge tile: masked columns, only the rows that exist.
    const uint32_t bits = nr >= 32 ? 0xFFFFFFFFu : ((1u << nr) - 1u);
    const __mmask16 m0 = static_cast<__mmask16>(bits & 0xFFFFu);
    const __mmask16 m1 = static_cast<__mmask16>(bits >> 16);
    for (int r = 0; r < mr; ++r) {
        float* cr = C + r * ldc;
        __m512 v0 = c[r][0], v1 = c[r][1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

} // namespace mobi::kernels_detail

#else

namespace mobi::kernels_detail {
void gemmMicroAvx512(int, const float*, const float*, float*, int64_t, bool, int, int) {
    throw UnsupportedError("gemm", "AVX-512 kernel not compiled for this CPU architecture");
}
} // namespace mobi::kernels_detail

#endif
