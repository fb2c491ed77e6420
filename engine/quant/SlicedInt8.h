// Internal: the int8-activation sliced kernels (SlicedKernelMode::Int8Act).
//
// Arithmetic. The planes of level k split into chunks: runs of at most 8
// consecutive planes that share one scaled slice (nested: planes [0, B_k) in
// runs of 8; residual: each slice's planes). A chunk of `count` planes is
// computed as `width` planes (2, 4 or 8; the missing low planes are zero), so
// its integer code per weight is u_j = sum_q bit_q(j) 2^(width-1-q) (plane
// first+q, MSB first), 0 <= u_j < 256, and the chunk's weight contribution is
// scale_s * mul * u_j with mul = planeMul[first + count - 1] / 2^(width -
// count) (a power of two).
// The activations of group g are d_g * q_j (SlicedKernelMode.h). Then
//   y_r = sum_g [ off_{r,g} * (d_g * isum_g)
//                 + sum_c (scale_{c,r,g} * mul_c) * d_g * idot_{c,r,g} ]
// with isum_g = sum_{j in g} q_j and idot = sum_{j in g} u_j q_j computed
// exactly in int32. Every path computes these same integers; only the order
// of the float sums differs (float rounding).
#pragma once

#include "quant/SlicedKernelPaths.h"

#include <cstdint>

namespace mobi::sliced_detail {

struct Int8Chunk {
    int first = 0; // first plane
    int count = 0; // planes read
    int width = 0; // 2, 4 or 8
    int slice = 0; // scaled slice whose scale multiplies it
    float mul = 0.0f;
};

struct Int8Plan {
    int nChunks = 0;
    Int8Chunk chunks[kMaxPlanes];
};

Int8Plan makeInt8Plan(const Plan& p);

// One token's activations prepared for the int8 kernels.
//  q:    wordsPerRow * 64 int8, zero past cols;
//  d, dsum: per group, the step d_g and d_g * isum_g (float);
//  pat2: per 32-column word w, 4 x 16 bytes: for f < 4, q[32w+8f .. +8] twice
//        (the 2-plane kernel's dot operand for bit field f);
//  pat4: per word, 2 x 16 bytes: q[32w+0..8], q[32w+16..24] then
//        q[32w+8..16], q[32w+24..32] (the 4-plane kernel's high and low
//        nibbles); the 8-plane kernel reads q itself.
struct Int8Input {
    const int8_t* q = nullptr;
    const float* d = nullptr;
    const float* dsum = nullptr;
    const int8_t* pat2 = nullptr;
    const int8_t* pat4 = nullptr;
};

// Bytes of the prepared input of one token (q, pat2, pat4, d, dsum), each part
// 64-byte aligned when `out` is.
size_t int8InputBytes(const Plan& p);
// Points in's parts into out (int8InputBytes(p) bytes).
void int8InputPointers(const Plan& p, uint8_t* out, Int8Input& in);
// Quantizes x (p.cols floats) into out (int8InputBytes(p) bytes). The AVX-512
// version (only where int8Avx512Supported) writes the same bytes.
void prepareInt8Input(const Plan& p, const float* x, uint8_t* out, Int8Input& in);
void prepareInt8InputAvx512(const Plan& p, const float* x, uint8_t* out, Int8Input& in);

// Whether rowsInt8Avx512 runs the SIMD kernel (groups of whole 32-column
// words, CPU with AVX-512 BW/VNNI and GFNI); otherwise it runs the scalar one.
bool int8Avx512Supported(const Plan& p);

// Whether rowsInt8Avx2 runs its SIMD kernel (same group condition, CPU with
// AVX2, FMA, GFNI and AVX-VNNI); otherwise it runs the scalar one.
bool int8Avx2Supported(const Plan& p);

// Y[t * ldy + r] for t < n tokens and rows [r0, r1).
void rowsInt8Scalar(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n, float* Y,
                    int64_t ldy, int64_t r0, int64_t r1);
void rowsInt8Avx512(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n, float* Y,
                    int64_t ldy, int64_t r0, int64_t r1);
void rowsInt8Avx2(const Plan& p, const Int8Plan& ip, const Int8Input* in, int n, float* Y,
                  int64_t ldy, int64_t r0, int64_t r1);

} // namespace mobi::sliced_detail
