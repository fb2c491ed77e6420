// Micro-kernels behind TrainGemm.h (internal): C[mr x nr] (+)= Ap Bp over kc,
// Ap packed as kc groups of kGemmMr floats, Bp as kc groups of kGemmNr.
#pragma once

#include <cstdint>

namespace mobi::kernels_detail {

constexpr int kGemmMr = 12;
constexpr int kGemmNr = 32;

void gemmMicroScalar(int kc, const float* Ap, const float* Bp, float* C, int64_t ldc,
                     bool accumulate, int mr, int nr);
void gemmMicroAvx512(int kc, const float* Ap, const float* Bp, float* C, int64_t ldc,
                     bool accumulate, int mr, int nr);

// The same tile read straight from A and B (no packing) for products too
// small to amortise it: A element (r, k) at A[r * ars + k * aks], B rows
// at stride ldb (B not transposed). Rows past mr are never read.
void gemmDirectAvx512(int kc, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb,
                      float* C, int64_t ldc, bool accumulate, int mr, int nr);

} // namespace mobi::kernels_detail
