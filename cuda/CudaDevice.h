// What CUDA devices this process can use, or why it can use none.
#pragma once

#include <string>
#include <vector>

namespace mobi::gpu {

struct DeviceInfo {
    int index = 0;
    std::string name;
    int ccMajor = 0, ccMinor = 0;
    size_t totalMemory = 0;
    int multiprocessors = 0;
    double memoryClockKHz = 0;
    int busWidthBits = 0;
    int l2CacheBytes = 0;

    // Theoretical DRAM bandwidth from clock and bus width (0 when unknown).
    double peakBandwidthGBs() const {
        return 2.0 * memoryClockKHz * 1e3 * (busWidthBits / 8.0) / 1e9;
    }
};

struct DeviceQuery {
    std::vector<DeviceInfo> devices;
    std::string whyNone; // set when devices is empty ("no CUDA driver", ...)
    int runtimeVersion = 0;
    int driverVersion = 0;
};

// Never throws; a machine without a GPU or driver yields an empty list.
DeviceQuery queryDevices();

// Makes `index` the current device of this thread; throws CudaError on failure.
void selectDevice(int index);

} // namespace mobi::gpu
