// AVX2 int8-activation sliced kernel (CPUs with AVX2, GFNI and AVX-VNNI but
// no AVX-512, e.g. Alder Lake): the AVX-512 kernel's arithmetic
// (SlicedInt8Avx512.cpp) on 8-row halves of the 16-row tiles, 256-bit
// vectors. The unpack / GF2P8AFFINEQB / VPDPBUSD steps work within 128-bit
// lanes, so each half behaves like two of the AVX-512 kernel's four lanes.
// Per tile, the scales and offsets are gathered group-major by scalar F16C
// conversions instead of register transposes. Compiled for any x86-64,
// called only when the CPU has those extensions.
#include "quant/SlicedInt8.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <vector>

#define MOBI_V8_TARGET __attribute__((target("avx2,fma,f16c,gfni,avxvnni")))
#define MOBI_INLINE inline __attribute__((always_inline))

namespace mobi::sliced_detail {

namespace {

constexpr int kRows = 16; // tile rows (SlicedMatrix::kTileRows)
constexpr int kHalf = 8;  // rows per 256-bit vector

MOBI_V8_TARGET MOBI_INLINE __m256i selector() {
    return _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
}

MOBI_V8_TARGET MOBI_INLINE __m256i bcast16(const int8_t* p) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Word w of the tile's half h (rows 8h..8h+7) of plane k (zero past np).
MOBI_V8_TARGET MOBI_INLINE __m256i plane(const uint32_t* const* tq, int k, int np, int64_t w,
                                         int h) {
    return k < np ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tq[k] + w * 16 + 8 * h))
                  : _mm256_setzero_si256();
}

MOBI_V8_TARGET MOBI_INLINE __m256i reduce4(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i ab = _mm256_add_epi32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
    const __m256i cd = _mm256_add_epi32(_mm256_unpacklo_epi32(c, d), _mm256_unpackhi_epi32(c, d));
    return _mm256_add_epi32(_mm256_unpacklo_epi64(ab, cd), _mm256_unpackhi_epi64(ab, cd));
}

MOBI_V8_TARGET MOBI_INLINE __m256i fold(const __m256i* v) {
    return _mm256_add_epi32(
        _mm256_add_epi32(_mm256_srai_epi32(v[0], 6), _mm256_srai_epi32(v[1], 4)),
        _mm256_add_epi32(_mm256_srai_epi32(v[2], 2), v[3]));
}

// Same layouts as the AVX-512 kernel's expand, per 128-bit lane.
template <int W, int NP>
MOBI_V8_TARGET MOBI_INLINE void expand(const uint32_t* const* tq, int64_t w, int h, __m256i* E) {
    const __m256i sel = selector();
    if constexpr (W == 2) {
        const __m256i p0 = plane(tq, 0, NP, w, h), p1 = plane(tq, 1, NP, w, h);
        const __m256i gl = _mm256_gf2p8affine_epi64_epi8(sel, _mm256_unpacklo_epi8(p0, p1), 0);
        const __m256i gh = _mm256_gf2p8affine_epi64_epi8(sel, _mm256_unpackhi_epi8(p0, p1), 0);
#pragma GCC unroll 4
        for (int f = 0; f < 4; ++f) {
            const __m256i m = _mm256_set1_epi8(static_cast<char>(0xC0 >> (2 * f)));
            E[f] = _mm256_and_si256(gl, m);
            E[4 + f] = _mm256_and_si256(gh, m);
        }
    } else if constexpr (W == 4) {
        const __m256i mh = _mm256_set1_epi8(static_cast<char>(0xF0));
        const __m256i ml = _mm256_set1_epi8(0x0F);
        const __m256i p0 = plane(tq, 0, NP, w, h), p1 = plane(tq, 1, NP, w, h);
        const __m256i p2 = plane(tq, 2, NP, w, h), p3 = plane(tq, 3, NP, w, h);
        const __m256i u01l = _mm256_unpacklo_epi8(p0, p1), u01h = _mm256_unpackhi_epi8(p0, p1);
        const __m256i u23l = _mm256_unpacklo_epi8(p2, p3), u23h = _mm256_unpackhi_epi8(p2, p3);
        __m256i V[4];
        V[0] = _mm256_unpacklo_epi16(u01l, u23l);
        V[1] = _mm256_unpackhi_epi16(u01l, u23l);
        V[2] = _mm256_unpacklo_epi16(u01h, u23h);
        V[3] = _mm256_unpackhi_epi16(u01h, u23h);
#pragma GCC unroll 4
        for (int x = 0; x < 4; ++x) {
            const __m256i g = _mm256_gf2p8affine_epi64_epi8(sel, V[x], 0);
            E[x] = _mm256_and_si256(g, mh);
            E[4 + x] = _mm256_and_si256(g, ml);
        }
    } else {
        __m256i u[8];
#pragma GCC unroll 4
        for (int k = 0; k < 8; k += 2) {
            const __m256i a = plane(tq, k, NP, w, h), b = plane(tq, k + 1, NP, w, h);
            u[k] = _mm256_unpacklo_epi8(a, b);
            u[k + 1] = _mm256_unpackhi_epi8(a, b);
        }
        __m256i v0[4], v1[4];
        v0[0] = _mm256_unpacklo_epi16(u[0], u[2]);
        v0[1] = _mm256_unpackhi_epi16(u[0], u[2]);
        v0[2] = _mm256_unpacklo_epi16(u[1], u[3]);
        v0[3] = _mm256_unpackhi_epi16(u[1], u[3]);
        v1[0] = _mm256_unpacklo_epi16(u[4], u[6]);
        v1[1] = _mm256_unpackhi_epi16(u[4], u[6]);
        v1[2] = _mm256_unpacklo_epi16(u[5], u[7]);
        v1[3] = _mm256_unpackhi_epi16(u[5], u[7]);
#pragma GCC unroll 4
        for (int x = 0; x < 4; ++x) {
            E[x] = _mm256_gf2p8affine_epi64_epi8(sel, _mm256_unpacklo_epi32(v0[x], v1[x]), 0);
            E[4 + x] = _mm256_gf2p8affine_epi64_epi8(sel, _mm256_unpackhi_epi32(v0[x], v1[x]), 0);
        }
    }
}

template <int W> MOBI_V8_TARGET MOBI_INLINE __m256i pattern(const Int8Input& in, int64_t w, int k) {
    if constexpr (W == 2)
        return bcast16(in.pat2 + 64 * w + 16 * (k & 3));
    else if constexpr (W == 4)
        return bcast16(in.pat4 + 32 * w + (k < 4 ? 0 : 16));
    else
        return bcast16(in.q + 32 * w + (k < 4 ? 0 : 16));
}

template <int W> MOBI_V8_TARGET MOBI_INLINE __m256i finish(__m256i* A) {
    if constexpr (W == 2) {
        __m256i l = fold(A), h = fold(A + 4);
        l = _mm256_add_epi32(l, _mm256_shuffle_epi32(l, _MM_SHUFFLE(2, 3, 0, 1)));
        h = _mm256_add_epi32(h, _mm256_shuffle_epi32(h, _MM_SHUFFLE(2, 3, 0, 1)));
        return _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(l), _mm256_castsi256_ps(h),
                                                     _MM_SHUFFLE(2, 0, 2, 0)));
    } else {
        for (int x = 0; x < 4; ++x)
            A[x] = W == 4 ? _mm256_add_epi32(A[4 + x], _mm256_srai_epi32(A[x], 4))
                          : _mm256_add_epi32(A[x], A[4 + x]);
        return reduce4(A[0], A[1], A[2], A[3]);
    }
}

constexpr int widthOf(int np) {
    return np <= 2 ? 2 : np <= 4 ? 4 : 8;
}

// acc += sum_g cvt(idot_g) * scale * mul * d_g for one chunk, one half tile.
template <int NP>
MOBI_V8_TARGET __m256 chunkGroups(const Plan& p, const Int8Chunk& ch, const uint32_t* const* tq,
                                  int h, const Int8Input& in, const float* sT, __m256 acc) {
    constexpr int W = widthOf(NP);
    const int64_t G = p.groupsPerRow;
    const int64_t W32 = 2 * p.wordsPerRow;
    const int wpg = p.groupSize / 32;
    for (int64_t g = 0; g < G; ++g) {
        const int64_t w0 = g * wpg, w1 = std::min<int64_t>(W32, w0 + wpg);
        __m256i A[8];
        for (int k = 0; k < 8; ++k)
            A[k] = _mm256_setzero_si256();
        for (int64_t w = w0; w < w1; ++w) {
            __m256i E[8];
            expand<W, NP>(tq, w, h, E);
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k)
                A[k] = _mm256_dpbusd_avx_epi32(A[k], E[k], pattern<W>(in, w, k));
        }
        const __m256 cf =
            _mm256_mul_ps(_mm256_loadu_ps(sT + g * kHalf), _mm256_set1_ps(ch.mul * in.d[g]));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(finish<W>(A)), cf, acc);
    }
    return acc;
}

MOBI_V8_TARGET __m256 chunkAll(const Plan& p, const Int8Chunk& ch, const uint32_t* const* tq, int h,
                               const Int8Input& in, const float* sT, __m256 acc) {
    switch (ch.count) {
    case 1:
        return chunkGroups<1>(p, ch, tq, h, in, sT, acc);
    case 2:
        return chunkGroups<2>(p, ch, tq, h, in, sT, acc);
    case 3:
        return chunkGroups<3>(p, ch, tq, h, in, sT, acc);
    case 4:
        return chunkGroups<4>(p, ch, tq, h, in, sT, acc);
    case 5:
        return chunkGroups<5>(p, ch, tq, h, in, sT, acc);
    case 6:
        return chunkGroups<6>(p, ch, tq, h, in, sT, acc);
    case 7:
        return chunkGroups<7>(p, ch, tq, h, in, sT, acc);
    default:
        return chunkGroups<8>(p, ch, tq, h, in, sT, acc);
    }
}

// Group-major scales and offsets of rows r0 .. r0+7: offT[g * 8 + i],
// scT[(s * G + g) * 8 + i] (zero past the matrix).
MOBI_V8_TARGET void halfCoefficients(const Plan& p, int64_t r0, float* scT, float* offT) {
    const int64_t G = p.groupsPerRow;
    for (int i = 0; i < kHalf; ++i) {
        const bool in = r0 + i < p.rows;
        const size_t base = static_cast<size_t>((r0 + i) * G);
        for (int64_t g = 0; g < G; ++g) {
            float off = 0.0f, sc0 = 0.0f;
            for (int s = 0; s < p.nScaled; ++s) {
                const float sc = in ? _cvtsh_ss(p.scales[s][base + g]) : 0.0f;
                const float mn = in ? _cvtsh_ss(p.mins[s][base + g]) : 0.0f;
                if (s == 0) sc0 = sc;
                off = p.nested ? mn - sc0 * p.nestedC : off + mn;
                scT[(s * G + g) * kHalf + i] = sc;
            }
            offT[g * kHalf + i] = off;
        }
    }
}

} // namespace

// Older compilers' __builtin_cpu_supports (clang 14) know neither "gfni" nor
// "avxvnni": read CPUID leaf 7 (GFNI: subleaf 0 ECX bit 8; AVX-VNNI:
// subleaf 1 EAX bit 4).
static bool hasGfniAndAvxVnni() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(c & (1u << 8))) return false;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return false;
    return (a & (1u << 4)) != 0;
}

bool int8Avx2Supported(const Plan& p) {
    static const bool cpu =
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && hasGfniAndAvxVnni();
    return cpu && p.groupSize % 32 == 0;
}

MOBI_V8_TARGET void rowsInt8Avx2(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n,
                                 float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    if (!int8Avx2Supported(p)) {
        rowsInt8Scalar(p, ip, in, n, Y, ldy, r0, r1);
        return;
    }
    const int64_t G = p.groupsPerRow;
    const int64_t W32 = 2 * p.wordsPerRow;
    thread_local std::vector<float> scT, offT;
    const size_t perHalf = static_cast<size_t>(kHalf * G);
    if (scT.size() < perHalf * static_cast<size_t>(p.nScaled))
        scT.resize(perHalf * static_cast<size_t>(p.nScaled));
    if (offT.size() < perHalf) offT.resize(perHalf);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const uint32_t* tq[kMaxPlanes];
    for (int64_t r = r0 / kRows * kRows; r < r1; r += kRows)
        for (int h = 0; h < 2; ++h) {
            const int64_t rh = r + kHalf * h;
            if (rh >= r1 || rh + kHalf <= r0) continue;
            halfCoefficients(p, rh, scT.data(), offT.data());
            // rows [max(rh, r0), min(rh + 8, r1)) of this half
            const __m256i lo = _mm256_set1_epi32(static_cast<int>(std::max<int64_t>(r0 - rh, 0)));
            const __m256i hi = _mm256_set1_epi32(static_cast<int>(std::min<int64_t>(r1 - rh, 8)));
            const __m256i keep =
                _mm256_andnot_si256(_mm256_cmpgt_epi32(lo, lane), _mm256_cmpgt_epi32(hi, lane));
            for (int t = 0; t < n; ++t) {
                __m256 acc = _mm256_setzero_ps();
                for (int64_t g = 0; g < G; ++g)
                    acc = _mm256_fmadd_ps(_mm256_loadu_ps(offT.data() + g * kHalf),
                                          _mm256_set1_ps(in[t].dsum[g]), acc);
                for (int c = 0; c < ip.nChunks; ++c) {
                    const Int8Chunk& ch = ip.chunks[c];
                    for (int k = 0; k < ch.count; ++k)
                        tq[k] = p.planes[ch.first + k] + r * W32;
                    acc = chunkAll(p, ch, tq, h, in[t], scT.data() + ch.slice * G * kHalf, acc);
                }
                _mm256_maskstore_ps(Y + t * ldy + rh, keep, acc);
            }
        }
}

} // namespace mobi::sliced_detail

#else

namespace mobi::sliced_detail {
bool int8Avx2Supported(const Plan&) {
    return false;
}
void rowsInt8Avx2(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n, float* Y,
                  int64_t ldy, int64_t r0, int64_t r1) {
    rowsInt8Scalar(p, ip, in, n, Y, ldy, r0, r1);
}
} // namespace mobi::sliced_detail

#endif
