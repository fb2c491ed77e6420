// The GPU self-test: every kernel and dtype against the CPU reference, plus GEMV bandwidth.
#pragma once

#include "CudaDevice.h"
#include "GpuChecks.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mobi::gpu {

struct SelfTestOptions {
    int device = 0;
    uint64_t seed = 0x6d6f6269; // shapes and data are reproducible for a seed
    bool benchmark = true;      // time the 4096x4096 F16 GEMV
    int benchmarkIterations = 200;
};

struct SelfTestReport {
    // "passed", "failed" (a check failed or CUDA raised an error), or
    // "skipped" (no usable device; reason says why).
    std::string status;
    std::string reason;
    std::string device; // name and compute capability of the device used
    std::vector<KernelCheck> checks;
    GemvBenchmark benchmark;

    int failures() const;
    std::string toJson() const;
    std::string toText() const;
};

// Runs on options.device when queryDevices() finds one, else "skipped"
// with its reason. Never throws for CUDA failures: they make the report
// "failed" with the CUDA error as reason.
SelfTestReport runSelfTest(const SelfTestOptions& options = {});
// The same against a given query (how tests reach the no-device path on a
// machine that has a device); CUDA is not touched when it lists none.
SelfTestReport runSelfTest(const DeviceQuery& query, const SelfTestOptions& options);

} // namespace mobi::gpu
