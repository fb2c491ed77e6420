// Per-instruction-set entry points behind Matmul.h's dispatch (internal).
#pragma once

#include "kernels/Matmul.h"

#include <cstddef>

namespace mobi::kernels_detail {

void gemvScalar(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1);
void gemmScalar(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
                int64_t r0, int64_t r1);
void gemvAvx2(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1);
void gemmAvx2(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
              int64_t r0, int64_t r1);
void gemvAvx512(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1);
void gemmAvx512(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
                int64_t r0, int64_t r1);

// The AVX-512 GEMM on tokens packed once for every matrix and thread that
// shares them: n <= 64 tokens of width K packed by packTokensAvx512 into
// packedTokensSize(n, K) floats.
size_t packedTokensSize(int n, int64_t K);
// Tokens per packed block (<= 64): all 64 when their activations fit in
// L2, fewer for wide inputs (36 for the FFN down projection, K = 5632).
int packedTokenBlock(int64_t K);
void packTokensAvx512(const float* X, int64_t ldx, int n, int64_t K, float* Xp);
void gemmPackedAvx512(const WeightView& w, const float* Xp, int n, float* Y, int64_t ldy,
                      int64_t r0, int64_t r1);

} // namespace mobi::kernels_detail
