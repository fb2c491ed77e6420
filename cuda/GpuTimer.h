// Elapsed GPU time between two points of the default stream (CUDA events).
#pragma once

namespace mobi::gpu {

class GpuTimer {
  public:
    GpuTimer(); // throws CudaError when events cannot be created
    ~GpuTimer();
    GpuTimer(const GpuTimer&) = delete;
    GpuTimer& operator=(const GpuTimer&) = delete;

    void start();
    // Waits for the work queued since start() and returns its duration.
    double stopSeconds();

  private:
    void* begin_ = nullptr; // cudaEvent_t, kept opaque so callers need no CUDA headers
    void* end_ = nullptr;
};

} // namespace mobi::gpu
