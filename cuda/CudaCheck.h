// Checking of CUDA runtime calls; included only by .cu files (it pulls in cuda_runtime.h).
#pragma once

#include "CudaError.h"

#include <cuda_runtime.h>

#include <string>

namespace mobi::gpu {

// Throws CudaError for anything but cudaSuccess. Non-sticky errors are
// cleared first so the next call does not report this one again.
inline void cudaCheck(cudaError_t err, const std::string& where) {
    if (err == cudaSuccess) return;
    cudaGetLastError();
    throw CudaError(where, std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err),
                    static_cast<int>(err));
}

// After a kernel launch: reports bad launch configurations at once (errors
// inside the kernel surface at the next synchronising call).
inline void cudaCheckLaunch(const char* kernel) {
    cudaCheck(cudaGetLastError(), std::string("launch of ") + kernel);
}

} // namespace mobi::gpu
