// AVX-512 sliced kernels. Groups of whole 32-column words: a lookup-table
// (T-MAC style) kernel, 16 rows at a time, where each 4-bit nibble of a plane
// picks one of the 16 partial sums of 4 activations (one vpermps serves 16
// rows x 4 columns). Other group sizes: each 16-bit chunk of a plane word is
// a mask register selecting which of 16 activations to add. Compiled for any
// x86-64, called only when the CPU has AVX-512 F/BW/VL/DQ.
#include "quant/SlicedKernelPaths.h"

#if defined(__x86_64__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#define MOBI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi::sliced_detail {

namespace {

MOBI_INLINE uint16_t load16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

// Per-row coefficients of a tile: coef[(i * P + q) * G + g] multiplies
// plane q's masked sum in group g of row i; offSum[i] = sum_g off_g X_g.
MOBI_TARGET void rowCoefficients(const Plan& p, const Input& in, int64_t r, int NR, float* coef,
                                 float* offSum) {
    const int P = p.nPlanes;
    const int64_t G = p.groupsPerRow;
    for (int i = 0; i < NR; ++i) {
        const size_t base = static_cast<size_t>((r + i) * G);
        __m512 offAcc = _mm512_setzero_ps();
        for (int64_t g = 0; g < G; g += 16) {
            const __mmask16 m =
                G - g >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (G - g)) - 1);
            __m512 sc[kMaxPlanes];
            __m512 off = _mm512_setzero_ps();
            for (int s = 0; s < p.nScaled; ++s) {
                sc[s] = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.scales[s] + base + g));
                const __m512 mn =
                    _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.mins[s] + base + g));
                off = p.nested ? _mm512_sub_ps(mn, _mm512_mul_ps(sc[0], _mm512_set1_ps(p.nestedC)))
                               : _mm512_add_ps(off, mn);
            }
            offAcc = _mm512_fmadd_ps(off, _mm512_maskz_loadu_ps(m, in.groupSum + g), offAcc);
            for (int q = 0; q < P; ++q)
                _mm512_mask_storeu_ps(
                    coef + (i * P + q) * G + g, m,
                    _mm512_mul_ps(sc[p.planeSlice[q]], _mm512_set1_ps(p.planeMul[q])));
        }
        offSum[i] = _mm512_reduce_add_ps(offAcc);
    }
}

// One group of NR rows with a run-time chunk count (tail groups and group
// sizes that are not compile-time constants): per plane, the x values at set
// bits summed by masked adds, then scaled by the plane's coefficient.
template <int NR>
MOBI_TARGET MOBI_INLINE void groupRuntimeChunks(const Plan& p, const float* xg, int64_t mb, int nch,
                                                int64_t r, int64_t g, const float* coef,
                                                __m512* acc) {
    const int P = p.nPlanes;
    const int64_t G = p.groupsPerRow;
    for (int q = 0; q < P; ++q) {
        __m512 S[NR];
        const __m512 x0 = _mm512_loadu_ps(xg);
        for (int i = 0; i < NR; ++i)
            S[i] = _mm512_maskz_mov_ps(
                static_cast<__mmask16>(load16(planeRowByte(p, p.planes[q], r + i, mb))), x0);
        for (int c = 1; c < nch; ++c) {
            const __m512 xv = _mm512_loadu_ps(xg + 16 * c);
            for (int i = 0; i < NR; ++i)
                S[i] = _mm512_mask_add_ps(
                    S[i],
                    static_cast<__mmask16>(load16(planeRowByte(p, p.planes[q], r + i, mb + 2 * c))),
                    S[i], xv);
        }
        for (int i = 0; i < NR; ++i)
            acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(coef[(i * P + q) * G + g]), S[i], acc[i]);
    }
}

// NCH > 0: every group has NCH 16-column chunks (compile time); NCH == 0:
// chunks counted per group (tail groups, other group sizes).
template <int NR, int NCH>
MOBI_TARGET MOBI_INLINE void tile(const Plan& p, const Input& in, float* y, int64_t r,
                                  const float* coef, const float* offSum) {
    const int P = p.nPlanes;
    const int64_t G = p.groupsPerRow;
    const int cpg = p.groupSize / 16;
    __m512 acc[NR];
    for (int i = 0; i < NR; ++i)
        acc[i] = _mm512_setzero_ps();
    const int64_t gEnd = NCH > 0 ? p.cols / p.groupSize : G;
    for (int64_t g = 0; g < gEnd; ++g) {
        const int64_t c0 = g * p.groupSize;
        const int nch =
            NCH > 0 ? NCH : static_cast<int>(std::min<int64_t>(cpg, (p.cols - c0 + 15) / 16));
        const float* xg = in.x + c0;
        const int64_t mb = c0 / 8; // byte offset of the group in a plane row
        if constexpr (NCH > 0) {
            __m512 xv[NCH];
#pragma GCC unroll 16
            for (int c = 0; c < NCH; ++c)
                xv[c] = _mm512_loadu_ps(xg + 16 * c);
            for (int q = 0; q < P; ++q) {
                __m512 S[NR];
#pragma GCC unroll 8
                for (int i = 0; i < NR; ++i)
                    S[i] = _mm512_maskz_mov_ps(
                        static_cast<__mmask16>(load16(planeRowByte(p, p.planes[q], r + i, mb))),
                        xv[0]);
#pragma GCC unroll 16
                for (int c = 1; c < NCH; ++c)
#pragma GCC unroll 8
                    for (int i = 0; i < NR; ++i)
                        S[i] = _mm512_mask_add_ps(S[i],
                                                  static_cast<__mmask16>(load16(planeRowByte(
                                                      p, p.planes[q], r + i, mb + 2 * c))),
                                                  S[i], xv[c]);
#pragma GCC unroll 8
                for (int i = 0; i < NR; ++i)
                    acc[i] =
                        _mm512_fmadd_ps(_mm512_set1_ps(coef[(i * P + q) * G + g]), S[i], acc[i]);
            }
        } else {
            groupRuntimeChunks<NR>(p, xg, mb, nch, r, g, coef, acc);
        }
    }
    if constexpr (NCH > 0) {
        // The tail group (when cols is not a multiple of the group size) with
        // a runtime chunk count, same operations per row.
        for (int64_t g = gEnd; g < G; ++g) {
            const int64_t c0 = g * p.groupSize;
            const int nch = static_cast<int>(std::min<int64_t>(cpg, (p.cols - c0 + 15) / 16));
            const float* xg = in.x + c0;
            const int64_t mb = c0 / 8;
            groupRuntimeChunks<NR>(p, xg, mb, nch, r, g, coef, acc);
        }
    }
    for (int i = 0; i < NR; ++i)
        y[r + i] = _mm512_reduce_add_ps(acc[i]) + offSum[i];
}

template <int NR>
MOBI_TARGET void tileAny(const Plan& p, const Input& in, float* y, int64_t r, const float* coef,
                         const float* offSum) {
    if (p.groupSize == 128)
        tile<NR, 8>(p, in, y, r, coef, offSum);
    else if (p.groupSize == 64)
        tile<NR, 4>(p, in, y, r, coef, offSum);
    else
        tile<NR, 0>(p, in, y, r, coef, offSum);
}

MOBI_TARGET void rowsMasked(const Plan& p, const Input* in, int n, float* Y, int64_t ldy,
                            int64_t r0, int64_t r1) {
    constexpr int NR = 4;
    thread_local std::vector<float> coef;
    const size_t need = static_cast<size_t>(NR * p.nPlanes * p.groupsPerRow);
    if (coef.size() < need) coef.resize(need);
    float offSum[NR];
    int64_t r = r0;
    for (; r < r1;) {
        const int nr = r + NR <= r1 ? NR : 1;
        for (int t = 0; t < n; ++t) {
            rowCoefficients(p, in[t], r, nr, coef.data(), offSum);
            if (nr == NR)
                tileAny<NR>(p, in[t], Y + t * ldy, r, coef.data(), offSum);
            else
                tileAny<1>(p, in[t], Y + t * ldy, r, coef.data(), offSum);
        }
        r += nr;
    }
}

constexpr int kLutRows = 16;

// scF[s * 16 * G + i * G + g]: float scale of slice s, row r + i, group g;
// offSum[i] = sum_g off_g X_g of row r + i (rows i >= nr untouched).
MOBI_TARGET void lutTileScales(const Plan& p, const Input& in, int64_t r, int nr, float* scF,
                               float* offSum) {
    const int64_t G = p.groupsPerRow;
    for (int i = 0; i < nr; ++i) {
        const size_t base = static_cast<size_t>((r + i) * G);
        __m512 offAcc = _mm512_setzero_ps();
        for (int64_t g = 0; g < G; g += 16) {
            const __mmask16 m =
                G - g >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (G - g)) - 1);
            __m512 off = _mm512_setzero_ps(), sc0 = _mm512_setzero_ps();
            for (int s = 0; s < p.nScaled; ++s) {
                const __m512 sc =
                    _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.scales[s] + base + g));
                const __m512 mn =
                    _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.mins[s] + base + g));
                if (s == 0) sc0 = sc;
                off = p.nested ? _mm512_sub_ps(mn, _mm512_mul_ps(sc0, _mm512_set1_ps(p.nestedC)))
                               : _mm512_add_ps(off, mn);
                _mm512_mask_storeu_ps(scF + s * kLutRows * G + i * G + g, m, sc);
            }
            offAcc = _mm512_fmadd_ps(off, _mm512_maskz_loadu_ps(m, in.groupSum + g), offAcc);
        }
        offSum[i] = _mm512_reduce_add_ps(offAcc);
    }
}

// Rows [r, r + nr), nr <= 16, of one token by table lookups.
// r is a multiple of 16: the tile's plane words are kernel-ordered already
// (rows past the matrix are zero words).
MOBI_TARGET void lutTile(const Plan& p, const Input& in, float* y, int64_t r, int nr,
                         const float* scF, const float* offSum) {
    const int P = p.nPlanes;
    const int64_t G = p.groupsPerRow;
    const int64_t W32 = 2 * p.wordsPerRow;
    const int wpg = p.groupSize / 32;
    const __mmask16 rm =
        nr >= kLutRows ? __mmask16(0xffff) : static_cast<__mmask16>((1u << nr) - 1);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i scIdx = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int>(G)));
    const __m512 zf = _mm512_setzero_ps();
    __m512 acc = _mm512_setzero_ps();
    for (int64_t g = 0; g < G; ++g) {
        __m512 sc[kMaxPlanes];
        for (int s = 0; s < p.nScaled; ++s)
            sc[s] = _mm512_mask_i32gather_ps(zf, rm, scIdx, scF + s * kLutRows * G + g, 4);
        const int64_t w0 = g * wpg, w1 = std::min<int64_t>(W32, w0 + wpg);
        for (int q = 0; q < P; ++q) {
            const uint32_t* tq = p.planes[q] + r * W32;
            __m512 S0 = zf, S1 = zf, S2 = zf, S3 = zf;
            for (int64_t w = w0; w < w1; ++w) {
                // vpermps reads bits 0..3 of each index lane: nibble k of the
                // 16 rows' word w picks from chunk 8w + k's table.
                const __m512i idx = _mm512_loadu_si512(tq + w * 16);
                const float* L = in.lut + w * 128;
                S0 = _mm512_add_ps(S0, _mm512_permutexvar_ps(idx, _mm512_loadu_ps(L)));
                S1 = _mm512_add_ps(
                    S1, _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 4), _mm512_loadu_ps(L + 16)));
                S2 = _mm512_add_ps(
                    S2, _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 8), _mm512_loadu_ps(L + 32)));
                S3 = _mm512_add_ps(
                    S3, _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 12), _mm512_loadu_ps(L + 48)));
                S0 = _mm512_add_ps(
                    S0, _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 16), _mm512_loadu_ps(L + 64)));
                S1 = _mm512_add_ps(
                    S1, _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 20), _mm512_loadu_ps(L + 80)));
                S2 = _mm512_add_ps(
                    S2, _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 24), _mm512_loadu_ps(L + 96)));
                S3 = _mm512_add_ps(S3, _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 28),
                                                             _mm512_loadu_ps(L + 112)));
            }
            const __m512 S = _mm512_add_ps(_mm512_add_ps(S0, S1), _mm512_add_ps(S2, S3));
            acc = _mm512_fmadd_ps(_mm512_mul_ps(sc[p.planeSlice[q]], _mm512_set1_ps(p.planeMul[q])),
                                  S, acc);
        }
    }
    _mm512_mask_storeu_ps(y + r, rm, _mm512_add_ps(acc, _mm512_maskz_loadu_ps(rm, offSum)));
}

MOBI_TARGET void rowsLut(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                         int64_t r1) {
    thread_local std::vector<float> scF;
    const size_t need = static_cast<size_t>(p.nScaled * kLutRows * p.groupsPerRow);
    if (scF.size() < need) scF.resize(need);
    alignas(64) float offSum[kLutRows];
    // A range starting inside a tile: its first rows by the masked kernel.
    const int64_t ra = std::min(r1, (r0 + kLutRows - 1) / kLutRows * kLutRows);
    if (ra > r0) rowsMasked(p, in, n, Y, ldy, r0, ra);
    for (int64_t r = ra; r < r1; r += kLutRows) {
        const int nr = static_cast<int>(std::min<int64_t>(kLutRows, r1 - r));
        for (int t = 0; t < n; ++t) {
            lutTileScales(p, in[t], r, nr, scF.data(), offSum);
            lutTile(p, in[t], Y + t * ldy, r, nr, scF.data(), offSum);
        }
    }
}

} // namespace

MOBI_TARGET void buildLutAvx512(const Plan& p, const float* x, float* lut) {
    const int64_t chunks = p.wordsPerRow * 16;
    for (int64_t c = 0; c < chunks; ++c) {
        __m512 t = _mm512_maskz_mov_ps(0xAAAA, _mm512_set1_ps(x[4 * c]));
        t = _mm512_mask_add_ps(t, 0xCCCC, t, _mm512_set1_ps(x[4 * c + 1]));
        t = _mm512_mask_add_ps(t, 0xF0F0, t, _mm512_set1_ps(x[4 * c + 2]));
        t = _mm512_mask_add_ps(t, 0xFF00, t, _mm512_set1_ps(x[4 * c + 3]));
        _mm512_storeu_ps(lut + 16 * c, t);
    }
}

MOBI_TARGET void rowsAvx512(const Plan& p, const Input* in, int n, float* Y, int64_t ldy,
                            int64_t r0, int64_t r1) {
    if (avx512UsesLut(p) && in[0].lut != nullptr)
        rowsLut(p, in, n, Y, ldy, r0, r1);
    else
        rowsMasked(p, in, n, Y, ldy, r0, r1);
}

} // namespace mobi::sliced_detail

#else

namespace mobi::sliced_detail {
void rowsAvx512(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                int64_t r1) {
    rowsScalar(p, in, n, Y, ldy, r0, r1);
}
void buildLutAvx512(const Plan&, const float*, float*) {}
} // namespace mobi::sliced_detail

#endif
