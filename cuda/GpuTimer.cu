#include "GpuTimer.h"

#include "CudaCheck.h"

namespace mobi::gpu {

GpuTimer::GpuTimer() {
    cudaEvent_t b = nullptr, e = nullptr;
    cudaCheck(cudaEventCreate(&b), "cudaEventCreate");
    if (cudaError_t err = cudaEventCreate(&e); err != cudaSuccess) {
        cudaEventDestroy(b);
        cudaCheck(err, "cudaEventCreate");
    }
    begin_ = b;
    end_ = e;
}

GpuTimer::~GpuTimer() {
    cudaEventDestroy(static_cast<cudaEvent_t>(begin_));
    cudaEventDestroy(static_cast<cudaEvent_t>(end_));
}

void GpuTimer::start() {
    cudaCheck(cudaEventRecord(static_cast<cudaEvent_t>(begin_)), "cudaEventRecord");
}

double GpuTimer::stopSeconds() {
    cudaCheck(cudaEventRecord(static_cast<cudaEvent_t>(end_)), "cudaEventRecord");
    cudaCheck(cudaEventSynchronize(static_cast<cudaEvent_t>(end_)), "cudaEventSynchronize");
    float ms = 0;
    cudaCheck(
        cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(begin_), static_cast<cudaEvent_t>(end_)),
        "cudaEventElapsedTime");
    return ms / 1e3;
}

} // namespace mobi::gpu
