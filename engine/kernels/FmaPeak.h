// The machine's FP32 fused multiply-add peak, measured: independent FMA
// chains in registers on every thread of a pool (AVX-512 where the CPU has
// it, else the portable path), for comparing kernels against the hardware.
#pragma once

#include "core/ThreadPool.h"
#include "kernels/Matmul.h"

namespace mobi {

struct FmaPeak {
    double wallGflops = 0; // all threads' FMAs over the wall time
    // Sum over threads of FMAs per second of that thread's CPU time: the
    // peak as if no other process shared the cores (robust to a busy machine).
    double cpuGflops = 0;
};

// GFLOP/s (2 per FMA lane), best of a few timed runs on all the pool's threads.
FmaPeak measureFmaPeak(ThreadPool& pool, KernelIsa isa);

// Seconds of CPU time used by the calling thread / the whole process.
double threadCpuSeconds();
double processCpuSeconds();

} // namespace mobi
