// One GPU-versus-CPU-reference check per kernel, on random data of a given shape.
#pragma once

#include "CpuReference.h"

#include "core/DType.h"
#include "model/ModelConfig.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mobi::gpu {

// Element i passes when |gpu_i - ref_i| <= tolerance * scale_i, scale_i
// being the magnitude its rounding error is proportional to (see
// ReferenceResult); maxRelError is the largest |gpu_i - ref_i| / scale_i.
struct KernelCheck {
    std::string kernel; // gemv, gemm, rmsnorm, swiglu, rope
    std::string dtype;  // stored weight dtype (F32 for the activation kernels)
    std::string shape;  // e.g. "rows=257 cols=4099"
    double maxAbsError = 0;
    double maxRelError = 0;
    double tolerance = 0;
    bool passed = false;
    std::string detail; // the worst element, for a failing check
};

// FP32 accumulation over k terms: a bound with ample margin over the usual
// error (about eps relative to sum |w x|) yet far below any indexing or
// decoding mistake, which errs by O(1) relative to it.
double productTolerance(int64_t k);

KernelCheck compareWithReference(std::string kernel, std::string dtype, std::string shape,
                                 const std::vector<float>& gpu, const ReferenceResult& ref,
                                 double tolerance);

// Each draws its inputs from `seed`, runs the kernel on the current device
// and compares with the CPU reference. Throws CudaError when CUDA fails.
KernelCheck checkGemv(DType dtype, int rows, int cols, uint64_t seed);
KernelCheck checkGemm(DType dtype, int rows, int cols, int n, uint64_t seed);
KernelCheck checkRmsNorm(int rows, int n, float eps, uint64_t seed);
KernelCheck checkSwiglu(int64_t n, uint64_t seed);
KernelCheck checkRope(RopeStyle style, int nTokens, int nHeads, int headDim, int pos0, float theta,
                      float scale, uint64_t seed);

// Decode-style GEMV bandwidth: enough copies of the matrix are cycled that
// none is still in L2 when it is read again, so the figure is DRAM traffic.
struct GemvBenchmark {
    bool ran = false;
    std::string dtype;
    int rows = 0, cols = 0;
    int copies = 0;
    int iterations = 0;
    double secondsPerCall = 0;
    double bytesPerCall = 0;    // weights + x + y
    double gbPerSecond = 0;     // bytesPerCall / secondsPerCall / 1e9
    double peakGbPerSecond = 0; // from the device's clock and bus width, 0 when unknown
    KernelCheck result;         // the benchmark's own output against the reference
};

GemvBenchmark benchmarkGemv(DType dtype, int rows, int cols, int iterations, size_t l2Bytes,
                            double peakGbPerSecond, uint64_t seed);

} // namespace mobi::gpu
