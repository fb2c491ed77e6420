#include "quant/SlicedInt8.h"

#include "core/Half.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mobi::sliced_detail {

Int8Plan makeInt8Plan(const Plan& p) {
    Int8Plan ip;
    int q = 0;
    while (q < p.nPlanes) {
        int count = 1;
        while (q + count < p.nPlanes && count < 8 && p.planeSlice[q + count] == p.planeSlice[q])
            ++count;
        Int8Chunk& c = ip.chunks[ip.nChunks++];
        c.first = q;
        c.count = count;
        c.width = count <= 2 ? 2 : count <= 4 ? 4 : 8;
        c.slice = p.planeSlice[q];
        c.mul = std::ldexp(p.planeMul[q + count - 1], -(c.width - count));
        q += count;
    }
    return ip;
}

namespace {
constexpr size_t align64(size_t n) {
    return (n + 63) / 64 * 64;
}
} // namespace

size_t int8InputBytes(const Plan& p) {
    const size_t cols = static_cast<size_t>(p.wordsPerRow * 64);
    const size_t groups = static_cast<size_t>(p.groupsPerRow);
    return align64(cols) + align64(2 * cols) + align64(cols) + 2 * align64(groups * 4);
}

void int8InputPointers(const Plan& p, uint8_t* out, Int8Input& in) {
    const size_t cols = static_cast<size_t>(p.wordsPerRow * 64);
    const size_t groups = static_cast<size_t>(p.groupsPerRow);
    int8_t* q = reinterpret_cast<int8_t*>(out);
    in.q = q;
    in.pat2 = q + align64(cols);
    in.pat4 = in.pat2 + align64(2 * cols);
    in.d = reinterpret_cast<const float*>(in.pat4 + align64(cols));
    in.dsum = in.d + align64(groups * 4) / 4;
}

void prepareInt8Input(const Plan& p, const float* x, uint8_t* out, Int8Input& in) {
    const size_t cols = static_cast<size_t>(p.wordsPerRow * 64);
    int8InputPointers(p, out, in);
    int8_t* q = const_cast<int8_t*>(in.q);
    int8_t* pat2 = const_cast<int8_t*>(in.pat2);
    int8_t* pat4 = const_cast<int8_t*>(in.pat4);
    float* d = const_cast<float*>(in.d);
    float* dsum = const_cast<float*>(in.dsum);
    std::memset(q, 0, cols);
    for (int64_t g = 0; g < p.groupsPerRow; ++g) {
        const int64_t c0 = g * p.groupSize, c1 = std::min<int64_t>(p.cols, c0 + p.groupSize);
        float amax = 0.0f;
        for (int64_t j = c0; j < c1; ++j)
            amax = std::max(amax, std::fabs(x[j]));
        int32_t isum = 0;
        if (amax > 0.0f) {
            const float inv = 127.0f / amax;
            for (int64_t j = c0; j < c1; ++j) {
                const float v = std::clamp(std::nearbyint(x[j] * inv), -127.0f, 127.0f);
                q[j] = static_cast<int8_t>(v);
                isum += q[j];
            }
        }
        d[g] = amax / 127.0f;
        dsum[g] = d[g] * static_cast<float>(isum);
    }
    const int64_t W32 = 2 * p.wordsPerRow;
    for (int64_t w = 0; w < W32; ++w) {
        const int8_t* s = q + 32 * w;
        int8_t* t2 = pat2 + 64 * w;
        for (int f = 0; f < 4; ++f) {
            std::memcpy(t2 + 16 * f, s + 8 * f, 8);
            std::memcpy(t2 + 16 * f + 8, s + 8 * f, 8);
        }
        int8_t* t4 = pat4 + 32 * w;
        std::memcpy(t4, s, 8);
        std::memcpy(t4 + 8, s + 16, 8);
        std::memcpy(t4 + 16, s + 8, 8);
        std::memcpy(t4 + 24, s + 24, 8);
    }
}

void rowsInt8Scalar(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n, float* Y,
                    int64_t ldy, int64_t r0, int64_t r1) {
    float sc[kMaxPlanes];
    for (int64_t r = r0; r < r1; ++r) {
        for (int t = 0; t < n; ++t) {
            const int8_t* q = in[t].q;
            float acc = 0.0f;
            for (int64_t g = 0; g < p.groupsPerRow; ++g) {
                const size_t gi = static_cast<size_t>(r * p.groupsPerRow + g);
                float off = 0.0f;
                for (int s = 0; s < p.nScaled; ++s) {
                    sc[s] = f16ToF32(p.scales[s][gi]);
                    const float mn = f16ToF32(p.mins[s][gi]);
                    off = p.nested ? mn - sc[0] * p.nestedC : off + mn;
                }
                const int64_t c0 = g * p.groupSize,
                              c1 = std::min<int64_t>(p.cols, c0 + p.groupSize);
                float part = off * in[t].dsum[g];
                for (int c = 0; c < ip.nChunks; ++c) {
                    const Int8Chunk& ch = ip.chunks[c];
                    int32_t idot = 0;
                    for (int64_t j = c0; j < c1; ++j) {
                        int u = 0;
                        for (int k = 0; k < ch.count; ++k)
                            u |= ((*planeRowByte(p, p.planes[ch.first + k], r, j >> 3) >> (j & 7)) &
                                  1)
                                 << (ch.width - 1 - k);
                        idot += u * q[j];
                    }
                    part += (sc[ch.slice] * ch.mul) * (in[t].d[g] * static_cast<float>(idot));
                }
                acc += part;
            }
            Y[t * ldy + r] = acc;
        }
    }
}

} // namespace mobi::sliced_detail
