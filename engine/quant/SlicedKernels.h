// Decode (GEMV) and prefill (GEMM) products that compute directly on the
// packed bit-planes of the first k slices of a SlicedMatrix.
#pragma once

#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "quant/SlicedKernelMode.h"
#include "quant/SlicedMatrix.h"

#include <cstdint>
#include <string>

namespace mobi {

// Per (row, group), level k of the weights is off + sum_p coef_p * bit_p(j),
// so  y_r = sum_g [ off_{r,g} * sum_{j in g} x_j + sum_p coef_{r,g,p} * S_{g,p} ]
// with S_{g,p} = sum of x_j over the set bits of plane p in the group. The
// kernels read only planes [0, B_k) and the scale/min arrays they need; the
// SIMD paths sum x under 16-bit (AVX-512 mask registers) or 8-bit (AVX2
// mask table) chunks of each plane word. Results agree with a dense product
// on dequantizeLevel(k) to float rounding (the summation order differs).
//
// mode == Int8Act (SlicedKernelMode.h, SlicedInt8.h): activations quantized
// to int8 per weight group and integer dot products with the weight codes
// (AVX-512: GFNI bit transposes + VNNI; Avx2: the same on 256-bit vectors
// when the CPU has GFNI and AVX-VNNI; otherwise, and for group sizes that are
// not multiples of 32, the scalar int8 reference).

// The ISA whose int8 kernel really runs when `isa` is asked for with
// Int8Act on w: `isa` itself when its SIMD kernel can run here (CPU features
// and group size), else Scalar (the scalar int8 reference runs instead).
// Tests skip and benchmarks label by this, so a fallback is never reported
// as the SIMD path.
KernelIsa slicedInt8KernelIsa(KernelIsa isa, const SlicedMatrix& w);
// Why the int8 kernel of `isa` cannot run on w here ("" when it runs).
std::string slicedInt8Unavailable(KernelIsa isa, const SlicedMatrix& w);

// y[r] = W_k[r] . x for r in [r0, r1); x has w.cols() floats.
void slicedGemvRange(KernelIsa isa, const SlicedMatrix& w, int level, const float* x, float* y,
                     int64_t r0, int64_t r1, SlicedKernelMode mode = SlicedKernelMode::Float);

// Y[t * ldy + r] = W_k[r] . X[t * ldx ...] for t < n, r in [r0, r1). Each
// (row, token) result is bit-identical to slicedGemvRange on the same ISA.
void slicedGemmRange(KernelIsa isa, const SlicedMatrix& w, int level, const float* X, int64_t ldx,
                     int n, float* Y, int64_t ldy, int64_t r0, int64_t r1,
                     SlicedKernelMode mode = SlicedKernelMode::Float);

// One product of a group sharing the same input (e.g. q/k/v), rows landing
// in Y[t * ldy + r].
struct SlicedJob {
    const SlicedMatrix* w = nullptr;
    int level = 1;
    float* y = nullptr;
    int64_t ldy = 0;
};

// Runs all jobs in one parallel region, rows split between the pool's
// threads in tiles of 16; n == 1 is a GEMV. Throws EngineError for a level
// out of range or a job whose cols differ from the others.
void slicedMatmulGroup(ThreadPool& pool, const SlicedJob* jobs, int nJobs, const float* X,
                       int64_t ldx, int n, KernelIsa isa = bestKernelIsa(),
                       SlicedKernelMode mode = SlicedKernelMode::Float);

// Y (n x rows, row stride w.rows()) = X (n x cols, row stride w.cols()) W_k^T.
void slicedMatmul(ThreadPool& pool, const SlicedMatrix& w, int level, const float* X, int n,
                  float* Y, KernelIsa isa = bestKernelIsa(),
                  SlicedKernelMode mode = SlicedKernelMode::Float);

} // namespace mobi
