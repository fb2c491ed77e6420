// Straightforward CPU references of the GPU kernels (double precision, engine types only).
#pragma once

#include "core/Tensor.h"
#include "model/ModelConfig.h"

#include <cstdint>
#include <vector>

namespace mobi::gpu {

// A reference result and, per element, the magnitude its rounding error
// scales with: sum |w_k x_k| for products (the condition of the dot), |y|
// for element-wise results, the pair's norm for RoPE.
struct ReferenceResult {
    std::vector<double> values;
    std::vector<double> scale;
};

// Y[t * rows + r] = W[r] . X[t * cols ...], rows decoded with Tensor::rowToF32.
ReferenceResult referenceGemm(const Tensor& w, const std::vector<float>& X, int n);
ReferenceResult referenceRmsNorm(const std::vector<float>& x, const std::vector<float>& weight,
                                 int rows, int n, float eps);
ReferenceResult referenceSwiglu(const std::vector<float>& gate, const std::vector<float>& up);
ReferenceResult referenceRope(const std::vector<float>& vec, int nTokens, int nHeads, int headDim,
                              int pos0, float theta, float scale, RopeStyle style);

// The stored form of `values` ([rows x cols]) in `dtype`: F32/F16/BF16
// rounded to nearest even, Q8_0 as ggml quantizes it (per block of 32,
// d = amax / 127 stored as f16, q = round(x / d)).
Tensor encodeTensor(const std::string& name, DType dtype, int64_t rows, int64_t cols,
                    const std::vector<float>& values);

} // namespace mobi::gpu
