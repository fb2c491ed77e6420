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
    float nestedC = 0.0f; // nested: off = min_1 - scale_1 * nestedC
    const uint64_t* planes[kMaxPlanes] = {};
    const uint16_t* scales[kMaxPlanes] = {};
    const uint16_t* mins[kMaxPlanes] = {};
    int planeSlice[kMaxPlanes] = {}; // which scaled slice's scale multiplies plane p
    float planeMul[kMaxPlanes] = {}; // power of two of plane p within that scale
};

Plan makePlan(const SlicedMatrix& w, int level);

// An input vector prepared for the kernels: x zero-padded to wordsPerRow*64
// floats and the sum of x over each group.
struct Input {
    const float* x = nullptr;
    const float* groupSum = nullptr;
};

// Y[t * ldy + r] for t < n tokens (inputs in[t]) and rows [r0, r1).
void rowsScalar(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                int64_t r1);
void rowsAvx2(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0, int64_t r1);
void rowsAvx512(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                int64_t r1);

} // namespace mobi::sliced_detail
