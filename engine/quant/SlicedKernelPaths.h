// Internal: what the per-ISA sliced kernels get (a level's plan and one or
// more prepared inputs).
#pragma once

#include "quant/SlicedMatrix.h"

#include <cstdint>

namespace mobi::sliced_detail {

constexpr int kMaxPlanes = 16;

// Level k of a matrix as the kernels see it.
struct Plan {
    int64_t rows = 0, cols = 0, wordsPerRow = 0, groupsPerRow = 0;
    int groupSize = 0;
    int nPlanes = 0; // B_k
    int nScaled = 0; // scale/min arrays read (1 nested, k residual)
    bool nested = true;
    float nestedC = 0.0f;                    // nested: off = min_1 - scale_1 * nestedC
    const uint32_t* planes[kMaxPlanes] = {}; // tiled (SlicedMatrix::tiledPlane)
    const uint16_t* scales[kMaxPlanes] = {};
    const uint16_t* mins[kMaxPlanes] = {};
    int planeSlice[kMaxPlanes] = {}; // which scaled slice's scale multiplies plane p
    float planeMul[kMaxPlanes] = {}; // power of two of plane p within that scale
};

Plan makePlan(const SlicedMatrix& w, int level);

// Address of byte b (columns [8b, 8b+8)) of row r of a tiled plane; bytes
// 4k..4k+3 of a row are one 32-bit word, so a 16-bit load at an even b stays
// inside it.
inline const uint8_t* planeRowByte(const Plan& p, const uint32_t* plane, int64_t r, int64_t b) {
    return reinterpret_cast<const uint8_t*>(plane + ((r >> 4) * 2 * p.wordsPerRow + (b >> 2)) * 16 +
                                            (r & 15)) +
           (b & 3);
}

// An input vector prepared for the kernels: x zero-padded to wordsPerRow*64
// floats and the sum of x over each group.
// lut (AVX-512 lookup-table kernel only, else null): for every 4-column chunk
// c of the padded x, 16 floats: entry e = sum of x[4c + j] over the set bits j
// of e.
struct Input {
    const float* x = nullptr;
    const float* groupSum = nullptr;
    const float* lut = nullptr;
};

// Whether rowsAvx512 runs the lookup-table kernel on this plan (and so wants
// Input::lut): groups must be whole 32-column words.
inline bool avx512UsesLut(const Plan& p) {
    return p.groupSize % 32 == 0;
}
// Fills lut (wordsPerRow * 64 / 4 * 16 floats) from the padded x.
void buildLutAvx512(const Plan& p, const float* x, float* lut);

// Y[t * ldy + r] for t < n tokens (inputs in[t]) and rows [r0, r1).
void rowsScalar(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                int64_t r1);
void rowsAvx2(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0, int64_t r1);
void rowsAvx512(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                int64_t r1);

} // namespace mobi::sliced_detail
