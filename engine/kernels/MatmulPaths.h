// Per-instruction-set entry points behind Matmul.h's dispatch (internal).
#pragma once

#include "kernels/Matmul.h"

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

} // namespace mobi::kernels_detail
