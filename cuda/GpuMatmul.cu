// GEMV and tiled GEMM over stored weight rows, instantiated once per supported dtype.
#include "GpuKernels.h"

#include "CudaCheck.h"

#include <cuda_fp16.h>

#include <cstdint>
#include <string>

namespace mobi::gpu {

namespace {

constexpr int kGemvWarps = 8; // rows per block, one warp each

__device__ __forceinline__ float f16Bits(uint16_t h) {
    return __half2float(__ushort_as_half(h));
}
__device__ __forceinline__ float bf16Bits(uint32_t h) {
    return __uint_as_float(h << 16);
}

// Element k of a stored row, decoded to float.
template <DType D> __device__ __forceinline__ float loadElem(const uint8_t* row, int k) {
    if constexpr (D == DType::F32) {
        return reinterpret_cast<const float*>(row)[k];
    } else if constexpr (D == DType::F16) {
        return f16Bits(reinterpret_cast<const uint16_t*>(row)[k]);
    } else if constexpr (D == DType::BF16) {
        return bf16Bits(reinterpret_cast<const uint16_t*>(row)[k]);
    } else { // Q8_0: blocks of an f16 scale and 32 int8
        const uint8_t* blk = row + static_cast<size_t>(k >> 5) * 34;
        const float d = f16Bits(*reinterpret_cast<const uint16_t*>(blk));
        return d * static_cast<float>(reinterpret_cast<const int8_t*>(blk)[2 + (k & 31)]);
    }
}

// Sum of lane's share of row . x (the warp adds the shares).
template <DType D>
__device__ __forceinline__ float rowDot(const uint8_t* __restrict__ row,
                                        const float* __restrict__ x, int cols, int lane) {
    float acc = 0.0f;
    if constexpr (D == DType::Q8_0) {
        // One 34-byte block per lane; only 2-byte alignment is guaranteed.
        const int nb = cols >> 5;
        for (int b = lane; b < nb; b += 32) {
            const uint8_t* blk = row + static_cast<size_t>(b) * 34;
            const float d = f16Bits(*reinterpret_cast<const uint16_t*>(blk));
            const uint16_t* q2 = reinterpret_cast<const uint16_t*>(blk + 2);
            const float* xb = x + b * 32;
            float s = 0.0f;
#pragma unroll
            for (int i = 0; i < 16; ++i) {
                const uint32_t v = q2[i];
                s += static_cast<float>(static_cast<int8_t>(v & 0xffu)) * xb[2 * i];
                s += static_cast<float>(static_cast<int8_t>(v >> 8)) * xb[2 * i + 1];
            }
            acc += d * s;
        }
    } else {
        // 16-byte loads when the row and x allow them (rows of odd length
        // do not), then the tail element by element.
        constexpr int V = D == DType::F32 ? 4 : 8;
        int done = 0;
        if (((reinterpret_cast<uintptr_t>(row) | reinterpret_cast<uintptr_t>(x)) & 15u) == 0) {
            const int nv = cols / V;
            const uint4* rv = reinterpret_cast<const uint4*>(row);
            const float4* xv = reinterpret_cast<const float4*>(x);
#pragma unroll 4
            for (int c = lane; c < nv; c += 32) {
                const uint4 w = __ldg(rv + c);
                if constexpr (D == DType::F32) {
                    const float4 a = __ldg(xv + c);
                    acc += __uint_as_float(w.x) * a.x + __uint_as_float(w.y) * a.y +
                           __uint_as_float(w.z) * a.z + __uint_as_float(w.w) * a.w;
                } else {
                    const float4 a = __ldg(xv + 2 * c), b = __ldg(xv + 2 * c + 1);
                    const uint32_t u[4] = {w.x, w.y, w.z, w.w};
                    const float xs[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
#pragma unroll
                    for (int j = 0; j < 4; ++j) {
                        float lo, hi; // element 2j is the low half (little endian)
                        if constexpr (D == DType::F16) {
                            lo = f16Bits(static_cast<uint16_t>(u[j] & 0xffffu));
                            hi = f16Bits(static_cast<uint16_t>(u[j] >> 16));
                        } else {
                            lo = __uint_as_float(u[j] << 16);
                            hi = __uint_as_float(u[j] & 0xffff0000u);
                        }
                        acc += lo * xs[2 * j] + hi * xs[2 * j + 1];
                    }
                }
            }
            done = nv * V;
        }
        for (int k = done + lane; k < cols; k += 32)
            acc += loadElem<D>(row, k) * x[k];
    }
    return acc;
}

template <DType D>
__global__ void __launch_bounds__(kGemvWarps * 32)
    gemvKernel(const uint8_t* __restrict__ w, size_t rowBytes, int rows, int cols,
               const float* __restrict__ x, float* __restrict__ y) {
    const int lane = threadIdx.x & 31;
    const int r = blockIdx.x * kGemvWarps + (threadIdx.x >> 5);
    if (r >= rows) return; // whole warps leave together
    float acc = rowDot<D>(w + static_cast<size_t>(r) * rowBytes, x, cols, lane);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        acc += __shfl_xor_sync(0xffffffffu, acc, o);
    if (lane == 0) y[r] = acc;
}

// Y tile of kTileT tokens x kTileR weight rows per block; 256 threads each
// own a 4x4 sub-tile strided by 16 so shared-memory reads do not conflict.
constexpr int kTileT = 64, kTileR = 64, kTileK = 32, kGemmThreads = 256;
static_assert(kTileT == kTileR, "one loop loads both tiles");
static_assert(kTileK % 32 == 0, "tiles must hold whole Q8_0 blocks");

template <DType D>
__global__ void __launch_bounds__(kGemmThreads)
    gemmKernel(const uint8_t* __restrict__ w, size_t rowBytes, int rows, int cols,
               const float* __restrict__ X, int n, float* __restrict__ Y) {
    __shared__ float xs[kTileK][kTileT + 1];
    __shared__ float ws[kTileK][kTileR + 1];
    const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    const int r0 = blockIdx.x * kTileR, t0 = blockIdx.y * kTileT;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < cols; k0 += kTileK) {
        // kTileK is a multiple of the Q8_0 block, so a tile never splits one.
        for (int idx = threadIdx.x; idx < kTileT * kTileK; idx += kGemmThreads) {
            const int i = idx / kTileK, k = idx % kTileK;
            const int t = t0 + i, r = r0 + i, kk = k0 + k;
            const bool inK = kk < cols;
            xs[k][i] = (t < n && inK) ? X[static_cast<size_t>(t) * cols + kk] : 0.0f;
            ws[k][i] =
                (r < rows && inK) ? loadElem<D>(w + static_cast<size_t>(r) * rowBytes, kk) : 0.0f;
        }
        __syncthreads();
#pragma unroll 8
        for (int k = 0; k < kTileK; ++k) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i)
                a[i] = xs[k][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; ++j)
                b[j] = ws[k][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j)
                    acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int t = t0 + ty + 16 * i;
        if (t >= n) continue;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int r = r0 + tx + 16 * j;
            if (r < rows) Y[static_cast<size_t>(t) * rows + r] = acc[i][j];
        }
    }
}

void checkWeights(const DeviceTensor& w, const char* op) {
    if (w.rows <= 0 || w.cols <= 0 || w.data() == nullptr)
        throw EngineError(w.name, std::string(op) + ": weights are empty or not uploaded");
    if (!gpuSupportsDType(w.dtype))
        throw UnsupportedError(w.name, std::string(op) + ": dtype " + dtypeName(w.dtype) +
                                           " is not supported by the CUDA kernels");
}

} // namespace

void gemv(const DeviceTensor& w, const float* x, float* y) {
    checkWeights(w, "gemv");
    const int rows = static_cast<int>(w.rows), cols = static_cast<int>(w.cols);
    const dim3 grid((rows + kGemvWarps - 1) / kGemvWarps), block(kGemvWarps * 32);
    switch (w.dtype) {
    case DType::F32:
        gemvKernel<DType::F32><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, x, y);
        break;
    case DType::F16:
        gemvKernel<DType::F16><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, x, y);
        break;
    case DType::BF16:
        gemvKernel<DType::BF16><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, x, y);
        break;
    default:
        gemvKernel<DType::Q8_0><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, x, y);
        break;
    }
    cudaCheckLaunch("gemv");
}

void gemm(const DeviceTensor& w, const float* X, int n, float* Y) {
    checkWeights(w, "gemm");
    const int maxTokens = 65535 * kTileT; // gridDim.y limit
    if (n <= 0 || n > maxTokens)
        throw EngineError(w.name, "gemm: " + std::to_string(n) + " tokens, expected 1.." +
                                      std::to_string(maxTokens));
    const int rows = static_cast<int>(w.rows), cols = static_cast<int>(w.cols);
    const dim3 grid((rows + kTileR - 1) / kTileR, (n + kTileT - 1) / kTileT), block(kGemmThreads);
    switch (w.dtype) {
    case DType::F32:
        gemmKernel<DType::F32><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, X, n, Y);
        break;
    case DType::F16:
        gemmKernel<DType::F16><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, X, n, Y);
        break;
    case DType::BF16:
        gemmKernel<DType::BF16><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, X, n, Y);
        break;
    default:
        gemmKernel<DType::Q8_0><<<grid, block>>>(w.data(), w.rowBytes, rows, cols, X, n, Y);
        break;
    }
    cudaCheckLaunch("gemm");
}

} // namespace mobi::gpu
