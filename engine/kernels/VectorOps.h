// Small FP32 vector primitives of the attention inner loops, SIMD-dispatched.
#pragma once

#include <cstdint>

namespace mobi {

// sum_i a[i] * b[i]
float dotF32(const float* a, const float* b, int64_t n);
// y[i] += alpha * x[i]
void axpyF32(float alpha, const float* x, float* y, int64_t n);

} // namespace mobi
