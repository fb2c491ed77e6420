// CUPTI activity collector: kernels, copies, memsets, runtime calls and external ids of a run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mobi::gpu {

// The records below are plain copies of CUPTI activity records. Times are
// steady_clock nanoseconds (the clock of the engine's CPU ranges): CUPTI's
// timestamps shifted by the offset measured when the collector started.
// Where and when a device activity ran (times on the CPU ranges' clock).
struct CuptiDeviceSpan {
    int64_t startNs = 0, endNs = 0;
    uint32_t deviceId = 0, contextId = 0, streamId = 0, correlationId = 0;
};

struct CuptiKernel : CuptiDeviceSpan {
    std::string name;
    int gridX = 1, gridY = 1, gridZ = 1, blockX = 1, blockY = 1, blockZ = 1;
    int registersPerThread = 0, staticSharedMemory = 0, dynamicSharedMemory = 0;
};

struct CuptiMemcpy : CuptiDeviceSpan {
    int copyKind = 0; // CUpti_ActivityMemcpyKind (1 HtoD, 2 DtoH, 8 DtoD, ...)
    int srcKind = 0, dstKind = 0;
    uint64_t bytes = 0;
};

struct CuptiMemset : CuptiDeviceSpan {
    uint32_t value = 0;
    uint64_t bytes = 0;
    int memoryKind = 0;
};

// One CUDA runtime API call (CUPTI_ACTIVITY_KIND_RUNTIME).
struct CuptiApiCall {
    std::string name; // cuptiGetCallbackName of cbid ("cudaLaunchKernel_v7000", ...)
    uint32_t cbid = 0;
    int64_t startNs = 0, endNs = 0;
    uint32_t processId = 0, threadId = 0, correlationId = 0, returnValue = 0;
};

// Ties a CUPTI correlation id to an id pushed with pushExternalId().
struct CuptiExternalCorrelation {
    int externalKind = 0; // CUpti_ExternalCorrelationKind; ours is CUSTOM0 (3)
    uint64_t externalId = 0;
    uint32_t correlationId = 0;
};

struct CuptiRecords {
    std::vector<CuptiKernel> kernels;
    std::vector<CuptiMemcpy> memcpys;
    std::vector<CuptiMemset> memsets;
    std::vector<CuptiApiCall> runtimeCalls;
    std::vector<CuptiExternalCorrelation> externalCorrelations;
    uint64_t droppedRecords = 0; // reported by CUPTI for the completed buffers
    uint64_t buffers = 0;        // completed buffers parsed
    int64_t clockOffsetNs = 0;   // steady_clock ns - CUPTI ns, added to every time above
};

// Collects CONCURRENT_KERNEL (never the serializing KERNEL kind), MEMCPY,
// MEMSET, RUNTIME and EXTERNAL_CORRELATION activity into 4 MiB buffers that
// CUPTI hands back from its own threads; completed buffers are parsed into
// the plain records above under a mutex. CUPTI's callbacks are process-wide,
// so at most one collector is active at a time.
//
// Without a CUDA driver or device (or in a build without CUPTI) available()
// says why and start() fails with that reason; nothing crashes.
class CuptiCollector {
  public:
    static constexpr size_t kBufferBytes = size_t{4} << 20;
    static constexpr size_t kBufferAlign = 8;

    CuptiCollector();
    ~CuptiCollector(); // stops collection if still active
    CuptiCollector(const CuptiCollector&) = delete;
    CuptiCollector& operator=(const CuptiCollector&) = delete;

    // True when CUDA lists a device and CUPTI answers; else false with the reason.
    static bool available(std::string* why = nullptr);
    // The name of the device CUDA calls 0 ("" when there is none).
    static std::string deviceName();
    // Whether this build has the CUPTI collector at all.
    static bool compiledIn();

    // Registers the buffer callbacks and enables the activity kinds. False
    // with *error set when no device/driver, another collector is active, or
    // CUPTI refuses.
    bool start(std::string* error = nullptr);
    // Flushes every buffer (cuptiActivityFlushAll(1)), disables the kinds and
    // totals the dropped records. False with *error when a CUPTI call failed
    // (the records collected so far stay). Calling it when inactive is a no-op.
    bool stop(std::string* error = nullptr);
    bool active() const;

    // Moves the collected records out (safe while active: takes what has completed).
    CuptiRecords takeRecords();
    uint64_t droppedRecords() const;

    // Attaches `id` (a token, layer or step id) to the CUDA API calls this
    // thread makes until pop (CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0).
    // False when no collector is compiled in or CUPTI refuses.
    static bool pushExternalId(uint64_t id);
    static bool popExternalId(uint64_t* lastId = nullptr);

    struct State; // process-wide callback state (defined in the .cpp)

  private:
    std::shared_ptr<State> state_;
    bool active_ = false;
};

// RAII pushExternalId/popExternalId for a scope.
class CuptiExternalIdScope {
  public:
    explicit CuptiExternalIdScope(uint64_t id) : pushed_(CuptiCollector::pushExternalId(id)) {}
    ~CuptiExternalIdScope() {
        if (pushed_) CuptiCollector::popExternalId();
    }
    CuptiExternalIdScope(const CuptiExternalIdScope&) = delete;
    CuptiExternalIdScope& operator=(const CuptiExternalIdScope&) = delete;

  private:
    bool pushed_;
};

} // namespace mobi::gpu
