#include "GpuChecks.h"

#include "DeviceBuffer.h"
#include "DeviceTensor.h"
#include "GpuKernels.h"
#include "GpuTimer.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <random>

namespace mobi::gpu {

namespace {

std::vector<float> uniform(size_t n, float lo, float hi, std::mt19937_64& rng) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v)
        x = d(rng);
    return v;
}

std::string fmt(const char* f, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, a);
    return buf;
}

std::string gemmShape(int rows, int cols, int n) {
    return "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) +
           (n > 0 ? " n=" + std::to_string(n) : std::string());
}

// Element-wise kernels round each result a few times: a few eps of |y|.
constexpr double kElementTolerance = 16 * FLT_EPSILON;

} // namespace

double productTolerance(int64_t k) {
    return (2.0 * std::sqrt(static_cast<double>(std::max<int64_t>(k, 1))) + 16.0) * FLT_EPSILON;
}

KernelCheck compareWithReference(std::string kernel, std::string dtype, std::string shape,
                                 const std::vector<float>& gpu, const ReferenceResult& ref,
                                 double tolerance) {
    KernelCheck c;
    c.kernel = std::move(kernel);
    c.dtype = std::move(dtype);
    c.shape = std::move(shape);
    c.tolerance = tolerance;
    c.passed = gpu.size() == ref.values.size() && ref.scale.size() == ref.values.size();
    if (!c.passed) {
        c.detail = "result has " + std::to_string(gpu.size()) + " elements, expected " +
                   std::to_string(ref.values.size());
        return c;
    }
    // A floor so results that are exactly or nearly zero compare absolutely.
    double maxScale = 0;
    for (double s : ref.scale)
        maxScale = std::max(maxScale, s);
    const double floor = std::max(1e-6 * maxScale, 1e-30);
    size_t worst = 0;
    double worstRel = -1;
    for (size_t i = 0; i < gpu.size(); ++i) {
        double err = std::fabs(static_cast<double>(gpu[i]) - ref.values[i]);
        double rel = err / (ref.scale[i] + floor);
        if (std::isnan(err)) err = rel = INFINITY; // a NaN result is the worst error
        if (rel > worstRel) {
            worstRel = rel;
            worst = i;
        }
        c.maxAbsError = std::max(c.maxAbsError, err);
        if (!(rel <= tolerance)) c.passed = false;
    }
    c.maxRelError = std::max(0.0, worstRel);
    if (!c.passed)
        c.detail = "element " + std::to_string(worst) + ": gpu " + fmt("%.9g", gpu[worst]) +
                   ", reference " + fmt("%.9g", ref.values[worst]);
    return c;
}

KernelCheck checkGemv(DType dtype, int rows, int cols, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const Tensor w = encodeTensor("gemv weights", dtype, rows, cols,
                                  uniform(static_cast<size_t>(rows) * cols, -1, 1, rng));
    const std::vector<float> x = uniform(static_cast<size_t>(cols), -1, 1, rng);
    const DeviceTensor dw = DeviceTensor::upload(w);
    const DeviceBuffer dx = DeviceBuffer::fromFloats(x, "gemv x");
    DeviceBuffer dy(static_cast<size_t>(rows) * sizeof(float), "gemv y");
    gemv(dw, dx.as<float>(), dy.as<float>());
    synchronize("gemv");
    return compareWithReference("gemv", dtypeName(dtype), gemmShape(rows, cols, 0),
                                dy.toFloats(rows), referenceGemm(w, x, 1), productTolerance(cols));
}

KernelCheck checkGemm(DType dtype, int rows, int cols, int n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const Tensor w = encodeTensor("gemm weights", dtype, rows, cols,
                                  uniform(static_cast<size_t>(rows) * cols, -1, 1, rng));
    const std::vector<float> X = uniform(static_cast<size_t>(cols) * n, -1, 1, rng);
    const DeviceTensor dw = DeviceTensor::upload(w);
    const DeviceBuffer dX = DeviceBuffer::fromFloats(X, "gemm X");
    DeviceBuffer dY(static_cast<size_t>(rows) * n * sizeof(float), "gemm Y");
    gemm(dw, dX.as<float>(), n, dY.as<float>());
    synchronize("gemm");
    return compareWithReference("gemm", dtypeName(dtype), gemmShape(rows, cols, n),
                                dY.toFloats(static_cast<size_t>(rows) * n), referenceGemm(w, X, n),
                                productTolerance(cols));
}

KernelCheck checkRmsNorm(int rows, int n, float eps, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const std::vector<float> x = uniform(static_cast<size_t>(rows) * n, -2, 2, rng);
    const std::vector<float> weight = uniform(static_cast<size_t>(n), 0.5f, 1.5f, rng);
    const DeviceBuffer dx = DeviceBuffer::fromFloats(x, "rmsnorm x");
    const DeviceBuffer dw = DeviceBuffer::fromFloats(weight, "rmsnorm weight");
    DeviceBuffer dout(x.size() * sizeof(float), "rmsnorm out");
    rmsNorm(dout.as<float>(), dx.as<float>(), dw.as<float>(), rows, n, eps);
    synchronize("rmsNorm");
    // The sum of squares adds n terms in FP32, as a product does.
    return compareWithReference(
        "rmsnorm", "F32", "rows=" + std::to_string(rows) + " n=" + std::to_string(n),
        dout.toFloats(x.size()), referenceRmsNorm(x, weight, rows, n, eps), productTolerance(n));
}

KernelCheck checkSwiglu(int64_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const std::vector<float> gate = uniform(static_cast<size_t>(n), -8, 8, rng);
    const std::vector<float> up = uniform(static_cast<size_t>(n), -2, 2, rng);
    const DeviceBuffer dg = DeviceBuffer::fromFloats(gate, "swiglu gate");
    const DeviceBuffer du = DeviceBuffer::fromFloats(up, "swiglu up");
    DeviceBuffer dout(gate.size() * sizeof(float), "swiglu out");
    swiglu(dout.as<float>(), dg.as<float>(), du.as<float>(), n);
    synchronize("swiglu");
    return compareWithReference("swiglu", "F32", "n=" + std::to_string(n),
                                dout.toFloats(gate.size()), referenceSwiglu(gate, up),
                                kElementTolerance);
}

KernelCheck checkRope(RopeStyle style, int nTokens, int nHeads, int headDim, int pos0, float theta,
                      float scale, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const std::vector<float> v =
        uniform(static_cast<size_t>(nTokens) * nHeads * headDim, -1, 1, rng);
    DeviceBuffer dv = DeviceBuffer::fromFloats(v, "rope vectors");
    rope(dv.as<float>(), nTokens, nHeads, headDim, pos0, theta, scale, style);
    synchronize("rope");
    char shape[160];
    std::snprintf(shape, sizeof shape,
                  "%s tokens=%d heads=%d head_dim=%d pos0=%d theta=%g scale=%g",
                  style == RopeStyle::Interleaved ? "interleaved" : "half", nTokens, nHeads,
                  headDim, pos0, theta, scale);
    return compareWithReference(
        "rope", "F32", shape, dv.toFloats(v.size()),
        referenceRope(v, nTokens, nHeads, headDim, pos0, theta, scale, style), kElementTolerance);
}

GemvBenchmark benchmarkGemv(DType dtype, int rows, int cols, int iterations, size_t l2Bytes,
                            double peakGbPerSecond, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const Tensor w = encodeTensor("benchmark weights", dtype, rows, cols,
                                  uniform(static_cast<size_t>(rows) * cols, -1, 1, rng));
    const std::vector<float> x = uniform(static_cast<size_t>(cols), -1, 1, rng);
    GemvBenchmark b;
    b.dtype = dtypeName(dtype);
    b.rows = rows;
    b.cols = cols;
    b.iterations = std::max(1, iterations);
    b.peakGbPerSecond = peakGbPerSecond;
    std::vector<DeviceTensor> copies;
    copies.push_back(DeviceTensor::upload(w));
    const size_t matrixBytes = copies[0].bytes();
    b.copies = static_cast<int>(
        std::clamp<size_t>((2 * l2Bytes + matrixBytes - 1) / matrixBytes + 1, 1, 16));
    while (static_cast<int>(copies.size()) < b.copies)
        copies.push_back(DeviceTensor::upload(w));
    const DeviceBuffer dx = DeviceBuffer::fromFloats(x, "benchmark x");
    DeviceBuffer dy(static_cast<size_t>(rows) * sizeof(float), "benchmark y");
    for (int i = 0; i < b.copies; ++i)
        gemv(copies[i], dx.as<float>(), dy.as<float>()); // warm-up
    synchronize("gemv benchmark warm-up");
    GpuTimer timer;
    timer.start();
    for (int i = 0; i < b.iterations; ++i)
        gemv(copies[i % b.copies], dx.as<float>(), dy.as<float>());
    const double seconds = timer.stopSeconds();
    synchronize("gemv benchmark");
    b.secondsPerCall = seconds / b.iterations;
    b.bytesPerCall = static_cast<double>(matrixBytes) + (static_cast<double>(cols) + rows) * 4;
    b.gbPerSecond = b.secondsPerCall > 0 ? b.bytesPerCall / b.secondsPerCall / 1e9 : 0;
    b.result =
        compareWithReference("gemv", b.dtype, gemmShape(rows, cols, 0) + " (benchmark)",
                             dy.toFloats(rows), referenceGemm(w, x, 1), productTolerance(cols));
    b.ran = true;
    return b;
}

} // namespace mobi::gpu
