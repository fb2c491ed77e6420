// AVX-512 int8-activation sliced kernel: 16 rows at a time, one 32-column
// word of the tiled planes (SlicedMatrix::tiledPlane) per step. The planes of
// a chunk are interleaved bytewise (vpunpck*: every 64-bit lane then holds
// the chunk's planes for 8 or 16 columns of one row), one GF2P8AFFINEQB per
// vector transposes each 8x8 bit block so that the bits of a weight's planes
// meet in one byte (its integer code u, MSB first), and VPDPBUSD multiplies 4
// codes with 4 int8 activations per 32-bit lane. The 2- and 4-plane kernels
// pack 4 or 2 codes per byte and split them with a mask, each field with its
// own accumulator (a power of two apart, shifted out exactly at the end of
// the group). Compiled for any x86-64, called only when the CPU has AVX-512
// BW/VNNI and GFNI.
#include "quant/SlicedInt8.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <vector>

#define MOBI_I8_TARGET                                                                             \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,gfni,avx2,fma,f16c")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi::sliced_detail {

namespace {

constexpr int kRows = 16;

// x operand of the transposing GF2P8AFFINEQB: byte j = 1 << j, so output byte
// j of a 64-bit lane collects bit j of the lane's 8 bytes (byte 0 -> bit 7).
MOBI_I8_TARGET MOBI_INLINE __m512i selector() {
    return _mm512_set1_epi64(static_cast<long long>(0x8040201008040201ull));
}

MOBI_I8_TARGET MOBI_INLINE __m512i bcast16(const int8_t* p) {
    return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

MOBI_I8_TARGET MOBI_INLINE __m512i plane(const uint32_t* const* tq, int k, int np, int64_t w) {
    return k < np ? _mm512_loadu_si512(tq[k] + w * 16) : _mm512_setzero_si512();
}

// a..d: per 128-bit lane L, four int32 partial sums of row 4L (a), 4L+1 (b),
// 4L+2 (c), 4L+3 (d) -> one vector with row i's total in lane i.
MOBI_I8_TARGET MOBI_INLINE __m512i reduce4(__m512i a, __m512i b, __m512i c, __m512i d) {
    const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
}

// The four bit-field accumulators of the 2-plane kernel, a power of 4 apart.
MOBI_I8_TARGET MOBI_INLINE __m512i fold(const __m512i* v) {
    return _mm512_add_epi32(
        _mm512_add_epi32(_mm512_srai_epi32(v[0], 6), _mm512_srai_epi32(v[1], 4)),
        _mm512_add_epi32(_mm512_srai_epi32(v[2], 2), v[3]));
}

// Each kernel turns one 32-column word of a chunk's planes (16 rows) into 8
// vectors of unsigned byte codes (expand), each multiplied by VPDPBUSD with a
// 16-byte activation pattern broadcast to the four 128-bit lanes (pattern) and
// summed into its own int32 accumulator; finish folds the 8 accumulators of a
// group into one vector, row i's sum in lane i.
//
// W = 2 (chunks of 1-2 planes): unpack(P0, P1) puts 2 rows' 32 columns of
// both planes in each 128-bit lane; after the transpose byte j of a row's 64
// bits holds 4 codes: bits 7-6 column j, 5-4 column 8+j, 3-2 column 16+j, 1-0
// column 24+j; vectors k < 4 are field k of rows 4L, 4L+1, k >= 4 field k-4 of
// rows 4L+2, 4L+3.
// W = 4 (3-4 planes): two unpack levels give per 64-bit lane the 4 planes of
// 16 columns of one row; after the transpose byte j holds two codes: high
// nibble column j (or 16+j), low nibble column 8+j (24+j); vector x < 4 is
// the high nibbles of row 4L+x, 4+x the low ones.
// W = 8 (5-8 planes): three unpack levels give per 64-bit lane the 8 planes of
// 8 columns of one row; after the transpose every byte is one code; vector x
// < 4 is columns 0-15 of row 4L+x, 4+x columns 16-31.
template <int W, int NP>
MOBI_I8_TARGET MOBI_INLINE void expand(const uint32_t* const* tq, int64_t w, __m512i* E) {
    const __m512i sel = selector();
    if constexpr (W == 2) {
        const __m512i p0 = plane(tq, 0, NP, w), p1 = plane(tq, 1, NP, w);
        const __m512i gl = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpacklo_epi8(p0, p1), 0);
        const __m512i gh = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpackhi_epi8(p0, p1), 0);
#pragma GCC unroll 4
        for (int f = 0; f < 4; ++f) {
            const __m512i m = _mm512_set1_epi8(static_cast<char>(0xC0 >> (2 * f)));
            E[f] = _mm512_and_si512(gl, m);
            E[4 + f] = _mm512_and_si512(gh, m);
        }
    } else if constexpr (W == 4) {
        const __m512i mh = _mm512_set1_epi8(static_cast<char>(0xF0));
        const __m512i ml = _mm512_set1_epi8(0x0F);
        const __m512i p0 = plane(tq, 0, NP, w), p1 = plane(tq, 1, NP, w);
        const __m512i p2 = plane(tq, 2, NP, w), p3 = plane(tq, 3, NP, w);
        const __m512i u01l = _mm512_unpacklo_epi8(p0, p1), u01h = _mm512_unpackhi_epi8(p0, p1);
        const __m512i u23l = _mm512_unpacklo_epi8(p2, p3), u23h = _mm512_unpackhi_epi8(p2, p3);
        __m512i V[4];
        V[0] = _mm512_unpacklo_epi16(u01l, u23l);
        V[1] = _mm512_unpackhi_epi16(u01l, u23l);
        V[2] = _mm512_unpacklo_epi16(u01h, u23h);
        V[3] = _mm512_unpackhi_epi16(u01h, u23h);
#pragma GCC unroll 4
        for (int x = 0; x < 4; ++x) {
            const __m512i g = _mm512_gf2p8affine_epi64_epi8(sel, V[x], 0);
            E[x] = _mm512_and_si512(g, mh);
            E[4 + x] = _mm512_and_si512(g, ml);
        }
    } else {
        __m512i u[8];
#pragma GCC unroll 4
        for (int k = 0; k < 8; k += 2) {
            const __m512i a = plane(tq, k, NP, w), b = plane(tq, k + 1, NP, w);
            u[k] = _mm512_unpacklo_epi8(a, b);
            u[k + 1] = _mm512_unpackhi_epi8(a, b);
        }
        __m512i v0[4], v1[4]; // planes 0-3 / 4-7, row 4L + x
        v0[0] = _mm512_unpacklo_epi16(u[0], u[2]);
        v0[1] = _mm512_unpackhi_epi16(u[0], u[2]);
        v0[2] = _mm512_unpacklo_epi16(u[1], u[3]);
        v0[3] = _mm512_unpackhi_epi16(u[1], u[3]);
        v1[0] = _mm512_unpacklo_epi16(u[4], u[6]);
        v1[1] = _mm512_unpackhi_epi16(u[4], u[6]);
        v1[2] = _mm512_unpacklo_epi16(u[5], u[7]);
        v1[3] = _mm512_unpackhi_epi16(u[5], u[7]);
#pragma GCC unroll 4
        for (int x = 0; x < 4; ++x) {
            E[x] = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpacklo_epi32(v0[x], v1[x]), 0);
            E[4 + x] = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpackhi_epi32(v0[x], v1[x]), 0);
        }
    }
}

// The activation pattern of vector k of word w.
template <int W> MOBI_I8_TARGET MOBI_INLINE __m512i pattern(const Int8Input& in, int64_t w, int k) {
    if constexpr (W == 2)
        return bcast16(in.pat2 + 64 * w + 16 * (k & 3));
    else if constexpr (W == 4)
        return bcast16(in.pat4 + 32 * w + (k < 4 ? 0 : 16));
    else
        return bcast16(in.q + 32 * w + (k < 4 ? 0 : 16));
}

template <int W> MOBI_I8_TARGET MOBI_INLINE __m512i finish(__m512i* A) {
    if constexpr (W == 2) {
        // lanes of a 128-bit block: [4L, 4L, 4L+1, 4L+1] and [4L+2, .., 4L+3]
        __m512i l = fold(A), h = fold(A + 4);
        l = _mm512_add_epi32(l, _mm512_shuffle_epi32(l, _MM_PERM_CDAB));
        h = _mm512_add_epi32(h, _mm512_shuffle_epi32(h, _MM_PERM_CDAB));
        return _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(l), _mm512_castsi512_ps(h),
                                                     _MM_SHUFFLE(2, 0, 2, 0)));
    } else {
        for (int x = 0; x < 4; ++x)
            A[x] = W == 4 ? _mm512_add_epi32(A[4 + x], _mm512_srai_epi32(A[x], 4))
                          : _mm512_add_epi32(A[x], A[4 + x]);
        return reduce4(A[0], A[1], A[2], A[3]);
    }
}

constexpr int widthOf(int np) {
    return np <= 2 ? 2 : np <= 4 ? 4 : 8;
}

// Row sums of one group (words [w0, w1)) of a chunk of NP planes, one token.
template <int NP>
MOBI_I8_TARGET MOBI_INLINE __m512i groupDot(const uint32_t* const* tq, const Int8Input& in,
                                            int64_t w0, int64_t w1) {
    constexpr int W = widthOf(NP);
    __m512i A[8];
    for (int k = 0; k < 8; ++k)
        A[k] = _mm512_setzero_si512();
    for (int64_t w = w0; w < w1; ++w) {
        __m512i E[8];
        expand<W, NP>(tq, w, E);
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k)
            A[k] = _mm512_dpbusd_epi32(A[k], E[k], pattern<W>(in, w, k));
    }
    return finish<W>(A);
}

// The same for n tokens from codes expanded once (E: 8 vectors per word of
// the group), accumulating into acc[t] with the coefficient scale * mul * d_g.
template <int NP>
MOBI_I8_TARGET MOBI_INLINE void groupDotTokens(const __m512i* E, const Int8Input* in, int n,
                                               int64_t g, int64_t w0, int64_t w1, __m512 sc,
                                               float mul, __m512* acc) {
    constexpr int W = widthOf(NP);
    for (int t = 0; t < n; ++t) {
        __m512i A[8];
        for (int k = 0; k < 8; ++k)
            A[k] = _mm512_setzero_si512();
        for (int64_t w = w0; w < w1; ++w) {
            const __m512i* e = E + (w - w0) * 8;
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k)
                A[k] = _mm512_dpbusd_epi32(A[k], _mm512_load_si512(e + k), pattern<W>(in[t], w, k));
        }
        const __m512i iv = finish<W>(A);
        acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iv),
                                 _mm512_mul_ps(sc, _mm512_set1_ps(mul * in[t].d[g])), acc[t]);
    }
}

// acc += sum_g cvt(idot_g) * scale_g * mul * d_g over the groups of one chunk
// (NP planes) of a tile; sT: the chunk's slice scales, group-major.
template <int NP>
MOBI_I8_TARGET __m512 chunkGroups(const Plan& p, const Int8Chunk& ch, const uint32_t* const* tq,
                                  const Int8Input& in, const float* sT, __m512 acc) {
    const int64_t G = p.groupsPerRow;
    const int64_t W32 = 2 * p.wordsPerRow;
    const int wpg = p.groupSize / 32;
    for (int64_t g = 0; g < G; ++g) {
        const int64_t w0 = g * wpg, w1 = std::min<int64_t>(W32, w0 + wpg);
        const __m512i iv = groupDot<NP>(tq, in, w0, w1);
        const __m512 cf =
            _mm512_mul_ps(_mm512_loadu_ps(sT + g * 16), _mm512_set1_ps(ch.mul * in.d[g]));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iv), cf, acc);
    }
    return acc;
}

MOBI_I8_TARGET __m512 chunkAll(const Plan& p, const Int8Chunk& ch, const uint32_t* const* tq,
                               const Int8Input& in, const float* sT, __m512 acc) {
    switch (ch.count) {
    case 1:
        return chunkGroups<1>(p, ch, tq, in, sT, acc);
    case 2:
        return chunkGroups<2>(p, ch, tq, in, sT, acc);
    case 3:
        return chunkGroups<3>(p, ch, tq, in, sT, acc);
    case 4:
        return chunkGroups<4>(p, ch, tq, in, sT, acc);
    case 5:
        return chunkGroups<5>(p, ch, tq, in, sT, acc);
    case 6:
        return chunkGroups<6>(p, ch, tq, in, sT, acc);
    case 7:
        return chunkGroups<7>(p, ch, tq, in, sT, acc);
    default:
        return chunkGroups<8>(p, ch, tq, in, sT, acc);
    }
}

// The tile's groups of one chunk for n tokens: each word's codes expanded
// once into E (8 vectors per word of a group), then reused by every token.
template <int NP>
MOBI_I8_TARGET void chunkGroupsTokens(const Plan& p, const Int8Chunk& ch, const uint32_t* const* tq,
                                      const Int8Input* in, int n, const float* sT, __m512i* E,
                                      __m512* acc) {
    constexpr int W = widthOf(NP);
    const int64_t G = p.groupsPerRow;
    const int64_t W32 = 2 * p.wordsPerRow;
    const int wpg = p.groupSize / 32;
    for (int64_t g = 0; g < G; ++g) {
        const int64_t w0 = g * wpg, w1 = std::min<int64_t>(W32, w0 + wpg);
        for (int64_t w = w0; w < w1; ++w) {
            __m512i e[8];
            expand<W, NP>(tq, w, e);
            for (int k = 0; k < 8; ++k)
                _mm512_store_si512(E + (w - w0) * 8 + k, e[k]);
        }
        groupDotTokens<NP>(E, in, n, g, w0, w1, _mm512_loadu_ps(sT + g * 16), ch.mul, acc);
    }
}

MOBI_I8_TARGET void chunkAllTokens(const Plan& p, const Int8Chunk& ch, const uint32_t* const* tq,
                                   const Int8Input* in, int n, const float* sT, __m512i* E,
                                   __m512* acc) {
    switch (ch.count) {
    case 1:
        return chunkGroupsTokens<1>(p, ch, tq, in, n, sT, E, acc);
    case 2:
        return chunkGroupsTokens<2>(p, ch, tq, in, n, sT, E, acc);
    case 3:
        return chunkGroupsTokens<3>(p, ch, tq, in, n, sT, E, acc);
    case 4:
        return chunkGroupsTokens<4>(p, ch, tq, in, n, sT, E, acc);
    case 5:
        return chunkGroupsTokens<5>(p, ch, tq, in, n, sT, E, acc);
    case 6:
        return chunkGroupsTokens<6>(p, ch, tq, in, n, sT, E, acc);
    case 7:
        return chunkGroupsTokens<7>(p, ch, tq, in, n, sT, E, acc);
    default:
        return chunkGroupsTokens<8>(p, ch, tq, in, n, sT, E, acc);
    }
}

// Index of vpermt2ps for the block swap of size B between two rows: the row
// of lower index (HI false) keeps its columns c with (c & B) == 0 and takes
// the other row's c - B; the upper one takes c + B and keeps the rest.
constexpr int swapIndex(int B, bool hi, int c) {
    return (c & B) == 0 ? (hi ? c + B : c) : (hi ? 16 + c : 16 + c - B);
}

template <int B, bool HI> MOBI_I8_TARGET MOBI_INLINE __m512i swapIdx() {
    return _mm512_setr_epi32(
        swapIndex(B, HI, 0), swapIndex(B, HI, 1), swapIndex(B, HI, 2), swapIndex(B, HI, 3),
        swapIndex(B, HI, 4), swapIndex(B, HI, 5), swapIndex(B, HI, 6), swapIndex(B, HI, 7),
        swapIndex(B, HI, 8), swapIndex(B, HI, 9), swapIndex(B, HI, 10), swapIndex(B, HI, 11),
        swapIndex(B, HI, 12), swapIndex(B, HI, 13), swapIndex(B, HI, 14), swapIndex(B, HI, 15));
}

template <int B> MOBI_I8_TARGET MOBI_INLINE void swapStage(__m512* v) {
    const __m512i il = swapIdx<B, false>(), ih = swapIdx<B, true>();
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
        const int i = (k / B) * 2 * B + k % B; // the rows with bit B clear
        const __m512 a = v[i], c = v[i + B];
        v[i] = _mm512_permutex2var_ps(a, il, c);
        v[i + B] = _mm512_permutex2var_ps(a, ih, c);
    }
}

// In-register transpose of a 16x16 float block (v[i][c] -> v[c][i]): block
// swaps of size 8, 4, 2, 1 between rows i and i + b.
MOBI_I8_TARGET MOBI_INLINE void transpose16(__m512* v) {
    swapStage<8>(v);
    swapStage<4>(v);
    swapStage<2>(v);
    swapStage<1>(v);
}

// Token-independent part of a tile, group-major: offT[g * 16 + i] = off of
// row r + i in group g, scT[(s * G + g) * 16 + i] = float scale of slice s
// (zero for rows past the matrix).
MOBI_I8_TARGET void tileCoefficients(const Plan& p, int64_t r, float* scT, float* offT) {
    const int64_t G = p.groupsPerRow;
    const int nr = static_cast<int>(std::min<int64_t>(kRows, p.rows - r));
    // The next tile's scale/min rows: 32 short streams the hardware
    // prefetcher does not follow.
    if (r + kRows < p.rows) {
        const int64_t n = std::min<int64_t>(kRows, p.rows - r - kRows) * G;
        const size_t at = static_cast<size_t>((r + kRows) * G);
        for (int s = 0; s < p.nScaled; ++s)
            for (int64_t b = 0; b < n; b += 32) {
                _mm_prefetch(reinterpret_cast<const char*>(p.scales[s] + at + b), _MM_HINT_T0);
                _mm_prefetch(reinterpret_cast<const char*>(p.mins[s] + at + b), _MM_HINT_T0);
            }
    }
    for (int64_t g0 = 0; g0 < G; g0 += 16) {
        const int ng = static_cast<int>(std::min<int64_t>(16, G - g0));
        const __mmask16 m = static_cast<__mmask16>((1u << ng) - 1);
        __m512 v[16];
        // a = -1: the offsets; a = s: slice s's scales
        for (int a = -1; a < p.nScaled; ++a) {
            for (int i = 0; i < kRows; ++i) {
                if (i >= nr) {
                    v[i] = _mm512_setzero_ps();
                    continue;
                }
                const size_t base = static_cast<size_t>((r + i) * G + g0);
                if (a >= 0) {
                    v[i] = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.scales[a] + base));
                    continue;
                }
                __m512 off = _mm512_setzero_ps();
                for (int s = 0; s < p.nScaled; ++s) {
                    const __m512 mn =
                        _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.mins[s] + base));
                    if (p.nested) {
                        const __m512 sc =
                            _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.scales[0] + base));
                        off = _mm512_sub_ps(mn, _mm512_mul_ps(sc, _mm512_set1_ps(p.nestedC)));
                    } else {
                        off = _mm512_add_ps(off, mn);
                    }
                }
                v[i] = off;
            }
            transpose16(v);
            float* out = a < 0 ? offT : scT + a * G * kRows;
            for (int gg = 0; gg < ng; ++gg)
                _mm512_storeu_ps(out + (g0 + gg) * kRows, v[gg]);
        }
    }
}

// Rows [ra, rb) of the 16-row tile at r (a multiple of 16) for one token.
MOBI_I8_TARGET void tileToken(const Plan& p, const Int8Plan& ip, const Int8Input& in, float* y,
                              int64_t r, int64_t ra, int64_t rb, const float* scT,
                              const float* offT) {
    const int64_t G = p.groupsPerRow;
    const int64_t W32 = 2 * p.wordsPerRow;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t g = 0; g < G; ++g)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(offT + g * kRows), _mm512_set1_ps(in.dsum[g]), acc);
    const uint32_t* tq[kMaxPlanes];
    for (int c = 0; c < ip.nChunks; ++c) {
        const Int8Chunk& ch = ip.chunks[c];
        for (int k = 0; k < ch.count; ++k)
            tq[k] = p.planes[ch.first + k] + r * W32;
        acc = chunkAll(p, ch, tq, in, scT + ch.slice * G * kRows, acc);
    }
    const uint32_t all = 0xffffu;
    const uint32_t m = (all << (ra - r)) & (all >> (kRows - (rb - r)));
    _mm512_mask_storeu_ps(y + r, static_cast<__mmask16>(m), acc);
}

// The same for n (<= kMaxTokens) tokens, each result bit-identical to
// tileToken's (same integer sums, same float operations in the same order).
constexpr int kMaxTokens = 32;
MOBI_I8_TARGET void tileTokens(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n,
                               float* Y, int64_t ldy, int64_t r, int64_t ra, int64_t rb,
                               const float* scT, const float* offT, __m512i* E) {
    const int64_t G = p.groupsPerRow;
    const int64_t W32 = 2 * p.wordsPerRow;
    __m512 acc[kMaxTokens];
    for (int t = 0; t < n; ++t) {
        acc[t] = _mm512_setzero_ps();
        for (int64_t g = 0; g < G; ++g)
            acc[t] = _mm512_fmadd_ps(_mm512_loadu_ps(offT + g * kRows),
                                     _mm512_set1_ps(in[t].dsum[g]), acc[t]);
    }
    const uint32_t* tq[kMaxPlanes];
    for (int c = 0; c < ip.nChunks; ++c) {
        const Int8Chunk& ch = ip.chunks[c];
        for (int k = 0; k < ch.count; ++k)
            tq[k] = p.planes[ch.first + k] + r * W32;
        chunkAllTokens(p, ch, tq, in, n, scT + ch.slice * G * kRows, E, acc);
    }
    const uint32_t all = 0xffffu;
    const uint32_t m = (all << (ra - r)) & (all >> (kRows - (rb - r)));
    for (int t = 0; t < n; ++t)
        _mm512_mask_storeu_ps(Y + t * ldy + r, static_cast<__mmask16>(m), acc[t]);
}

} // namespace

bool int8Avx512Supported(const Plan& p) {
    static const bool cpu =
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("gfni");
    return cpu && p.groupSize % 32 == 0;
}

MOBI_I8_TARGET void prepareInt8InputAvx512(const Plan& p, const float* x, uint8_t* out,
                                           Int8Input& in) {
    int8InputPointers(p, out, in);
    int8_t* q = const_cast<int8_t*>(in.q);
    float* d = const_cast<float*>(in.d);
    float* dsum = const_cast<float*>(in.dsum);
    const int64_t padded = p.wordsPerRow * 64;
    for (int64_t j = p.cols / 16 * 16; j < padded; j += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + j), _mm_setzero_si128());
    const __m512 lim = _mm512_set1_ps(127.0f);
    for (int64_t g = 0; g < p.groupsPerRow; ++g) {
        const int64_t c0 = g * p.groupSize, c1 = std::min<int64_t>(p.cols, c0 + p.groupSize);
        __m512 amaxv = _mm512_setzero_ps();
        for (int64_t j = c0; j < c1; j += 16) {
            const __mmask16 m =
                c1 - j >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (c1 - j)) - 1);
            amaxv = _mm512_max_ps(amaxv, _mm512_abs_ps(_mm512_maskz_loadu_ps(m, x + j)));
        }
        const float amax = _mm512_reduce_max_ps(amaxv);
        __m512i isum = _mm512_setzero_si512();
        const __m512 inv = _mm512_set1_ps(amax > 0.0f ? 127.0f / amax : 0.0f);
        for (int64_t j = c0; j < c1; j += 16) {
            const __mmask16 m =
                c1 - j >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (c1 - j)) - 1);
            __m512 v = _mm512_roundscale_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + j), inv),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            v = _mm512_min_ps(_mm512_max_ps(v, _mm512_sub_ps(_mm512_setzero_ps(), lim)), lim);
            const __m512i iv = _mm512_cvtps_epi32(v);
            isum = _mm512_add_epi32(isum, iv);
            _mm512_mask_cvtepi32_storeu_epi8(q + j, m, iv);
        }
        d[g] = amax / 127.0f;
        dsum[g] = d[g] * static_cast<float>(_mm512_reduce_add_epi32(isum));
    }
    const __m512i dup = _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3);
    for (int64_t w = 0; w < 2 * p.wordsPerRow; ++w) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32 * w));
        _mm512_storeu_si512(const_cast<int8_t*>(in.pat2) + 64 * w,
                            _mm512_permutexvar_epi64(dup, _mm512_castsi256_si512(v)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(const_cast<int8_t*>(in.pat4) + 32 * w),
                            _mm256_permute4x64_epi64(v, 0xD8));
    }
}

MOBI_I8_TARGET void rowsInt8Avx512(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n,
                                   float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    if (!int8Avx512Supported(p)) {
        rowsInt8Scalar(p, ip, in, n, Y, ldy, r0, r1);
        return;
    }
    thread_local std::vector<float> scT, offT;
    const size_t perTile = static_cast<size_t>(kRows * p.groupsPerRow);
    if (scT.size() < perTile * static_cast<size_t>(p.nScaled))
        scT.resize(perTile * static_cast<size_t>(p.nScaled));
    if (offT.size() < perTile) offT.resize(perTile);
    // Expanded codes of one group (8 vectors per word), 64-byte aligned.
    thread_local std::vector<uint8_t> eBuf;
    const size_t eBytes = static_cast<size_t>(p.groupSize / 32 * 8 * 64) + 64;
    if (eBuf.size() < eBytes) eBuf.resize(eBytes);
    __m512i* const E = reinterpret_cast<__m512i*>(
        eBuf.data() + (64 - reinterpret_cast<uintptr_t>(eBuf.data()) % 64) % 64);
    for (int64_t r = r0 / kRows * kRows; r < r1; r += kRows) {
        const int64_t ra = std::max(r, r0), rb = std::min(r + kRows, r1);
        tileCoefficients(p, r, scT.data(), offT.data());
        if (n == 1) {
            tileToken(p, ip, in[0], Y, r, ra, rb, scT.data(), offT.data());
            continue;
        }
        for (int t0 = 0; t0 < n; t0 += kMaxTokens)
            tileTokens(p, ip, in + t0, std::min(kMaxTokens, n - t0), Y + t0 * ldy, ldy, r, ra, rb,
                       scT.data(), offT.data(), E);
    }
}

} // namespace mobi::sliced_detail

#else

namespace mobi::sliced_detail {
bool int8Avx512Supported(const Plan&) {
    return false;
}
void prepareInt8InputAvx512(const Plan& p, const float* x, uint8_t* out, Int8Input& in) {
    prepareInt8Input(p, x, out, in);
}
void rowsInt8Avx512(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n, float* Y,
                    int64_t ldy, int64_t r0, int64_t r1) {
    rowsInt8Scalar(p, ip, in, n, Y, ldy, r0, r1);
}
} // namespace mobi::sliced_detail

#endif
