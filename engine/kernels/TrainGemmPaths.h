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

} // namespace mobi::kernels_detail
