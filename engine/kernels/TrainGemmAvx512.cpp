// AVX-512 micro-kernel of the training GEMM: a 12 x 32 tile of C in 24
// registers, A broadcast from its packed panel, B two vectors per k.
#include "kernels/TrainGemmPaths.h"

#include "core/Error.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MOBI_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))

namespace mobi::kernels_detail {

namespace {

MOBI_TARGET inline __attribute__((always_inline)) void
storeTile(__m512 (&c)[kGemmMr][2], float* C, int64_t ldc, bool accumulate, int mr, int nr) {
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
    // Edge tile: through a buffer (so the accumulators are only ever indexed
    // by constants and stay in registers), masked columns, existing rows.
    alignas(64) float tile[kGemmMr][kGemmNr];
#pragma GCC unroll 12
    for (int r = 0; r < kGemmMr; ++r) {
        _mm512_store_ps(tile[r], c[r][0]);
        _mm512_store_ps(tile[r] + 16, c[r][1]);
    }
    const uint32_t bits = nr >= 32 ? 0xFFFFFFFFu : ((1u << nr) - 1u);
    const __mmask16 m0 = static_cast<__mmask16>(bits & 0xFFFFu);
    const __mmask16 m1 = static_cast<__mmask16>(bits >> 16);
    for (int r = 0; r < mr; ++r) {
        float* cr = C + r * ldc;
        __m512 v0 = _mm512_load_ps(tile[r]), v1 = _mm512_load_ps(tile[r] + 16);
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

} // namespace

MOBI_TARGET void gemmDirectAvx512(int kc, const float* A, int64_t ars, int64_t aks, const float* B,
                                  int64_t ldb, float* C, int64_t ldc, bool accumulate, int mr,
                                  int nr) {
    __m512 c[kGemmMr][2];
#pragma GCC unroll 12
    for (int r = 0; r < kGemmMr; ++r)
        c[r][0] = c[r][1] = _mm512_setzero_ps();
    const uint32_t bits = nr >= 32 ? 0xFFFFFFFFu : ((1u << nr) - 1u);
    const __mmask16 m0 = static_cast<__mmask16>(bits & 0xFFFFu);
    const __mmask16 m1 = static_cast<__mmask16>(bits >> 16);
    int64_t off[kGemmMr]; // rows past mr repeat the last one (read, never stored)
    for (int r = 0; r < kGemmMr; ++r)
        off[r] = int64_t(r < mr ? r : mr - 1) * ars;
    if (aks == 1 && ars != 1) {
        for (int k = 0; k < kc; ++k) {
            const __m512 b0 = _mm512_maskz_loadu_ps(m0, B + k * ldb);
            const __m512 b1 = _mm512_maskz_loadu_ps(m1, B + k * ldb + 16);
            const float* a = A + k;
#pragma GCC unroll 12
            for (int r = 0; r < kGemmMr; ++r) {
                const __m512 av = _mm512_set1_ps(a[off[r]]);
                c[r][0] = _mm512_fmadd_ps(av, b0, c[r][0]);
                c[r][1] = _mm512_fmadd_ps(av, b1, c[r][1]);
            }
        }
    } else {
        for (int k = 0; k < kc; ++k) {
            const __m512 b0 = _mm512_maskz_loadu_ps(m0, B + k * ldb);
            const __m512 b1 = _mm512_maskz_loadu_ps(m1, B + k * ldb + 16);
            const float* a = A + k * aks;
#pragma GCC unroll 12
            for (int r = 0; r < kGemmMr; ++r) {
                const __m512 av = _mm512_set1_ps(a[off[r]]);
                c[r][0] = _mm512_fmadd_ps(av, b0, c[r][0]);
                c[r][1] = _mm512_fmadd_ps(av, b1, c[r][1]);
            }
        }
    }
    storeTile(c, C, ldc, accumulate, mr, nr);
}

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
    storeTile(c, C, ldc, accumulate, mr, nr);
}

} // namespace mobi::kernels_detail

#else

namespace mobi::kernels_detail {
void gemmMicroAvx512(int, const float*, const float*, float*, int64_t, bool, int, int) {
    throw UnsupportedError("gemm", "AVX-512 kernel not compiled for this CPU architecture");
}
void gemmDirectAvx512(int, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t,
                      bool, int, int) {
    throw UnsupportedError("gemm", "AVX-512 kernel not compiled for this CPU architecture");
}
} // namespace mobi::kernels_detail

#endif
