// Q8_0 weights times int8-quantized activations: the classifier (and any other
// Q8_0 matrix) of a sliced model in SlicedKernelMode::Int8Act.
//
// Activations are quantized in blocks of 32 columns like llama.cpp's Q8_0
// (symmetric absmax: d_b = max|x_j| / 127, q_j = round(x_j / d_b), as the
// sliced int8 kernels do per group). For row r and block b the 32 products
// w_j q_j are summed exactly in int32 in 8 lanes of 4 columns each,
//   L_{b,l} = sum_{i<4} qw_{32b+4l+i} * qx_{32b+4l+i},
// and accumulated in four sets of 8 float lanes, block b into set k = b % 4:
// acc_{k,l} = fma(float(L_{b,l}), s_b, acc_{k,l}) with s_b = f16(d_w,b) *
// d_x,b, blocks in order; then v_l = (acc_{0,l} + acc_{1,l}) + (acc_{2,l} +
// acc_{3,l}) and the row's result is ((v0+v4)+(v2+v6)) + ((v1+v5)+(v3+v7)). The scalar reference
// and the AVX-512 (VL + VNNI) kernel compute exactly this, so they agree bit
// for bit; the result is sum_b s_b sum_j qw_j qx_j up to float rounding.
//
// The SIMD kernel uses VPDPBUSD (unsigned x signed bytes): it feeds the
// weights as qw + 128 (a sign-bit flip) and starts each lane at -128 times
// the lane's 4 activation codes (Q8Int8Input::corr), which cancels the offset
// exactly.
#pragma once

#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "kernels/Matmul.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

// One token's activations, quantized for the Q8_0 x int8 kernels.
struct Q8Int8Input {
    int64_t cols = 0;
    std::vector<int8_t> q;     // [cols]
    std::vector<float> d;      // [cols / 32] block steps
    std::vector<int32_t> corr; // [cols / 32 * 8]: -128 * (sum of q over lane l's 4 columns)
};

// Quantizes x (cols floats, cols a multiple of 32; EngineError otherwise).
void quantizeQ8Int8Input(const float* x, int64_t cols, Q8Int8Input& out);

// Whether the CPU runs q8Int8RowsAvx512's SIMD code (AVX-512 F/VL/VNNI, F16C).
bool q8Int8Avx512Supported();

// Y[t * ldy + r] = W[r] . in[t] for t < n and r in [r0, r1); W is Q8_0 with
// in[t].cols columns. The AVX-512 version runs the scalar one where the CPU
// lacks the instructions. Both give the same bits.
void q8Int8RowsScalar(const WeightView& w, const Q8Int8Input* in, int n, float* Y, int64_t ldy,
                      int64_t r0, int64_t r1);
void q8Int8RowsAvx512(const WeightView& w, const Q8Int8Input* in, int n, float* Y, int64_t ldy,
                      int64_t r0, int64_t r1);

// All rows on the pool (an even static split). isa Avx512 picks the SIMD
// kernel where supported, anything else the scalar one. Throws EngineError
// when w is not Q8_0 or its width differs from the inputs'.
void q8Int8Matmul(ThreadPool& pool, const WeightView& w, const Q8Int8Input* in, int n, float* Y,
                  int64_t ldy, KernelIsa isa);

// A Q8_0 copy of a 2-D tensor (llama.cpp's quantize_row_q8_0_ref: d =
// max|x| / 127 per block of 32, q = round(x / d)); cols must be a multiple of
// 32 (EngineError otherwise).
Tensor quantizeTensorQ8_0(const Tensor& t);

} // namespace mobi
