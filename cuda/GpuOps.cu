// Element-wise and per-row kernels of the decoder: RMSNorm, SwiGLU, RoPE.
#include "GpuKernels.h"

#include "CudaCheck.h"

#include <algorithm>
#include <string>

namespace mobi::gpu {

namespace {

constexpr int kNormThreads = 256;

__global__ void __launch_bounds__(kNormThreads)
    rmsNormKernel(float* out, const float* x, const float* __restrict__ weight, int n, float eps) {
    const float* xr = x + static_cast<size_t>(blockIdx.x) * n;
    float* outr = out + static_cast<size_t>(blockIdx.x) * n;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += kNormThreads)
        ss += xr[i] * xr[i];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        ss += __shfl_xor_sync(0xffffffffu, ss, o);
    __shared__ float partial[kNormThreads / 32];
    __shared__ float scale;
    if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = ss;
    __syncthreads();
    if (threadIdx.x == 0) {
        float total = 0.0f;
        for (int w = 0; w < kNormThreads / 32; ++w)
            total += partial[w];
        scale = 1.0f / sqrtf(total / static_cast<float>(n) + eps);
    }
    __syncthreads();
    // Each element is read and written by the same thread, so out may alias x.
    for (int i = threadIdx.x; i < n; i += kNormThreads)
        outr[i] = weight[i] * (xr[i] * scale);
}

__global__ void swigluKernel(float* out, const float* gate, const float* up, int64_t n) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

__global__ void ropeKernel(float* vec, int nTokens, int nHeads, int headDim, int pos0, double theta,
                           double scale, bool interleaved) {
    const int half = headDim / 2;
    const int64_t total = static_cast<int64_t>(nTokens) * nHeads * half;
    for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
         idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int i = static_cast<int>(idx % half);
        const int64_t th = idx / half; // token * nHeads + head
        const int t = static_cast<int>(th / nHeads);
        float* hv = vec + th * headDim;
        const double angle = (static_cast<double>(pos0) + t) / scale *
                             pow(theta, -2.0 * i / static_cast<double>(headDim));
        double s, c;
        sincos(angle, &s, &c);
        const int a = interleaved ? 2 * i : i;
        const int b = interleaved ? 2 * i + 1 : i + half;
        const float v0 = hv[a], v1 = hv[b];
        hv[a] = static_cast<float>(v0 * c - v1 * s);
        hv[b] = static_cast<float>(v0 * s + v1 * c);
    }
}

int gridFor(int64_t n, int threads) {
    // Grid-stride loops: enough blocks to fill any GPU, never past the limit.
    return static_cast<int>(
        std::max<int64_t>(1, std::min<int64_t>((n + threads - 1) / threads, 65536)));
}

} // namespace

void rmsNorm(float* out, const float* x, const float* weight, int rows, int n, float eps) {
    if (rows <= 0 || n <= 0)
        throw EngineError("rmsNorm", std::to_string(rows) + " rows of " + std::to_string(n) +
                                         " elements: both must be positive");
    rmsNormKernel<<<rows, kNormThreads>>>(out, x, weight, n, eps);
    cudaCheckLaunch("rmsNorm");
}

void swiglu(float* out, const float* gate, const float* up, int64_t n) {
    if (n <= 0) throw EngineError("swiglu", std::to_string(n) + " elements: must be positive");
    swigluKernel<<<gridFor(n, 256), 256>>>(out, gate, up, n);
    cudaCheckLaunch("swiglu");
}

void rope(float* vec, int nTokens, int nHeads, int headDim, int pos0, float theta, float scale,
          RopeStyle style) {
    if (nTokens <= 0 || nHeads <= 0 || headDim <= 0 || headDim % 2 != 0 || pos0 < 0)
        throw EngineError("rope", std::to_string(nTokens) + " tokens, " + std::to_string(nHeads) +
                                      " heads of " + std::to_string(headDim) + " at position " +
                                      std::to_string(pos0) +
                                      ": counts must be positive and the head dimension even");
    if (!(theta > 0.0f) || !(scale > 0.0f))
        throw EngineError("rope", "theta and scale must be positive");
    const int64_t pairs = static_cast<int64_t>(nTokens) * nHeads * (headDim / 2);
    ropeKernel<<<gridFor(pairs, 256), 256>>>(vec, nTokens, nHeads, headDim, pos0, theta, scale,
                                             style == RopeStyle::Interleaved);
    cudaCheckLaunch("rope");
}

void synchronize(const char* what) {
    cudaCheck(cudaDeviceSynchronize(), what);
}

} // namespace mobi::gpu
