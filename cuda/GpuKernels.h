// GPU kernels of the decoder on device pointers: matmuls of stored weights, RMSNorm, SwiGLU, RoPE.
#pragma once

#include "DeviceTensor.h"

#include "model/ModelConfig.h"

#include <cstdint>

namespace mobi::gpu {

// All pointers are device pointers to FP32 activations; every product
// accumulates in FP32. Launches are asynchronous on the default stream and
// throw CudaError at once for a bad launch; errors inside a kernel surface
// at the next synchronize() or copy. Sizes are validated before launching
// (EngineError for shapes the kernels cannot take).

// y[r] = W[r] . x for r < W.rows; x has W.cols floats.
void gemv(const DeviceTensor& w, const float* x, float* y);

// Y[t * W.rows + r] = W[r] . X[t * W.cols ...] for t < n: Y = X W^T.
void gemm(const DeviceTensor& w, const float* X, int n, float* Y);

// out[t*n + i] = weight[i] * x[t*n + i] / rms(x[t]) for `rows` rows of n.
// out may equal x.
void rmsNorm(float* out, const float* x, const float* weight, int rows, int n, float eps);

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + e^-g). out may alias either input.
void swiglu(float* out, const float* gate, const float* up, int64_t n);

// Rotates, in place, nHeads heads of headDim for each of nTokens rows of
// vec (row stride nHeads * headDim); token t is at position pos0 + t.
// Pair i turns by ((pos0 + t) / scale) * theta^(-2i/headDim); the pairs are
// (2i, 2i+1) for Interleaved and (i, i + headDim/2) for Half. Angles are
// computed in double so large positions keep full float accuracy.
void rope(float* vec, int nTokens, int nHeads, int headDim, int pos0, float theta, float scale,
          RopeStyle style);

// Waits for the device; throws CudaError for any failure of earlier work.
void synchronize(const char* what);

} // namespace mobi::gpu
