#include "CudaDevice.h"

#include "CudaCheck.h"

#include <cuda_runtime.h>

namespace mobi::gpu {

DeviceQuery queryDevices() {
    DeviceQuery q;
    cudaRuntimeGetVersion(&q.runtimeVersion);
    cudaDriverGetVersion(&q.driverVersion);
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        q.whyNone = std::string("no usable CUDA device: ") + cudaGetErrorString(err);
        cudaGetLastError(); // clear the sticky error
        return q;
    }
    if (n == 0) {
        q.whyNone = "no CUDA device present";
        return q;
    }
    for (int i = 0; i < n; ++i) {
        cudaDeviceProp p{};
        if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
        DeviceInfo d;
        d.index = i;
        d.name = p.name;
        d.ccMajor = p.major;
        d.ccMinor = p.minor;
        d.totalMemory = p.totalGlobalMem;
        d.multiprocessors = p.multiProcessorCount;
        int clk = 0, bus = 0, l2 = 0;
        cudaDeviceGetAttribute(&clk, cudaDevAttrMemoryClockRate, i);
        cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, i);
        cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, i);
        d.l2CacheBytes = l2;
        d.memoryClockKHz = clk;
        d.busWidthBits = bus;
        q.devices.push_back(d);
    }
    if (q.devices.empty()) q.whyNone = "CUDA devices could not be queried";
    return q;
}

void selectDevice(int index) {
    cudaCheck(cudaSetDevice(index), "cudaSetDevice(" + std::to_string(index) + ")");
}

} // namespace mobi::gpu
