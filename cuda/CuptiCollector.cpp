// CUPTI activity collection: buffer callbacks, record parsing, flush and dropped counts.
#include "CuptiCollector.h"

#include "CudaDevice.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iterator>
#include <mutex>

#ifdef MOBISCOPE_WITH_CUPTI
#include <cupti.h>
#endif

namespace mobi::gpu {

struct CuptiCollector::State {
    std::mutex mutex; // guards records (filled from CUPTI's threads)
    CuptiRecords records;
};

#ifdef MOBISCOPE_WITH_CUPTI

namespace {

// The fields every device activity record shares, moved onto the CPU clock.
template <class Record> void fillSpan(CuptiDeviceSpan& o, const Record& r, int64_t off) {
    o.startNs = static_cast<int64_t>(r.start) + off;
    o.endNs = static_cast<int64_t>(r.end) + off;
    o.deviceId = r.deviceId;
    o.contextId = r.contextId;
    o.streamId = r.streamId;
    o.correlationId = r.correlationId;
}

int64_t steadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The collector that receives completed buffers; CUPTI's callbacks are
// process-wide, so there is one slot. gActiveFlag lets push/pop skip CUPTI
// entirely when nothing collects.
std::mutex gActiveMutex;
std::shared_ptr<CuptiCollector::State> gActive;
std::atomic<bool> gActiveFlag{false};

const CUpti_ActivityKind kKinds[] = {
    CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, // never KERNEL: it serializes kernels
    CUPTI_ACTIVITY_KIND_MEMCPY,
    CUPTI_ACTIVITY_KIND_MEMSET,
    CUPTI_ACTIVITY_KIND_RUNTIME,
    CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION,
};

std::string resultText(CUptiResult r) {
    const char* s = nullptr;
    if (cuptiGetResultString(r, &s) != CUPTI_SUCCESS || !s)
        return "CUPTI error " + std::to_string(static_cast<int>(r));
    return s;
}

bool check(CUptiResult r, const char* call, std::string* error) {
    if (r == CUPTI_SUCCESS) return true;
    if (error) *error = std::string(call) + ": " + resultText(r);
    return false;
}

void CUPTIAPI bufferRequested(uint8_t** buffer, size_t* size, size_t* maxNumRecords) {
    *buffer = static_cast<uint8_t*>(
        std::aligned_alloc(CuptiCollector::kBufferAlign, CuptiCollector::kBufferBytes));
    *size = *buffer ? CuptiCollector::kBufferBytes : 0;
    *maxNumRecords = 0; // as many as fit
}

std::string callbackName(uint32_t cbid) {
    const char* name = nullptr;
    if (cuptiGetCallbackName(CUPTI_CB_DOMAIN_RUNTIME_API, cbid, &name) == CUPTI_SUCCESS && name)
        return name;
    return "runtime cbid " + std::to_string(cbid);
}

void parseRecord(const CUpti_Activity* rec, int64_t off, CuptiRecords& out) {
    switch (rec->kind) {
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
        const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(rec);
        CuptiKernel o;
        o.name = k->name ? k->name : "";
        fillSpan(o, *k, off);
        o.gridX = k->gridX;
        o.gridY = k->gridY;
        o.gridZ = k->gridZ;
        o.blockX = k->blockX;
        o.blockY = k->blockY;
        o.blockZ = k->blockZ;
        o.registersPerThread = k->registersPerThread;
        o.staticSharedMemory = k->staticSharedMemory;
        o.dynamicSharedMemory = k->dynamicSharedMemory;
        out.kernels.push_back(std::move(o));
        break;
    }
    case CUPTI_ACTIVITY_KIND_MEMCPY: {
        const auto* m = reinterpret_cast<const CUpti_ActivityMemcpy6*>(rec);
        CuptiMemcpy o;
        o.copyKind = m->copyKind;
        o.srcKind = m->srcKind;
        o.dstKind = m->dstKind;
        o.bytes = m->bytes;
        fillSpan(o, *m, off);
        out.memcpys.push_back(o);
        break;
    }
    case CUPTI_ACTIVITY_KIND_MEMSET: {
        const auto* m = reinterpret_cast<const CUpti_ActivityMemset4*>(rec);
        CuptiMemset o;
        o.value = m->value;
        o.bytes = m->bytes;
        o.memoryKind = m->memoryKind;
        fillSpan(o, *m, off);
        out.memsets.push_back(o);
        break;
    }
    case CUPTI_ACTIVITY_KIND_RUNTIME: {
        const auto* a = reinterpret_cast<const CUpti_ActivityAPI*>(rec);
        CuptiApiCall o;
        o.cbid = a->cbid;
        o.name = callbackName(a->cbid);
        o.startNs = static_cast<int64_t>(a->start) + off;
        o.endNs = static_cast<int64_t>(a->end) + off;
        o.processId = a->processId;
        o.threadId = a->threadId;
        o.correlationId = a->correlationId;
        o.returnValue = a->returnValue;
        out.runtimeCalls.push_back(std::move(o));
        break;
    }
    case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION: {
        const auto* e = reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(rec);
        out.externalCorrelations.push_back(CuptiExternalCorrelation{
            static_cast<int>(e->externalKind), e->externalId, e->correlationId});
        break;
    }
    default:
        break; // kinds we did not enable
    }
}

void CUPTIAPI bufferCompleted(CUcontext ctx, uint32_t streamId, uint8_t* buffer, size_t size,
                              size_t validSize) {
    std::shared_ptr<CuptiCollector::State> st;
    {
        std::lock_guard<std::mutex> lock(gActiveMutex);
        st = gActive;
    }
    if (st && buffer) {
        std::lock_guard<std::mutex> lock(st->mutex);
        CuptiRecords& out = st->records;
        const int64_t off = out.clockOffsetNs;
        CUpti_Activity* rec = nullptr;
        while (cuptiActivityGetNextRecord(buffer, validSize, &rec) == CUPTI_SUCCESS)
            parseRecord(rec, off, out);
        size_t dropped = 0;
        if (cuptiActivityGetNumDroppedRecords(ctx, streamId, &dropped) == CUPTI_SUCCESS)
            out.droppedRecords += dropped;
        ++out.buffers;
    }
    std::free(buffer);
}

} // namespace

bool CuptiCollector::compiledIn() {
    return true;
}

bool CuptiCollector::available(std::string* why) {
    const DeviceQuery q = queryDevices();
    if (q.devices.empty()) {
        if (why) *why = q.whyNone.empty() ? "no CUDA device" : q.whyNone;
        return false;
    }
    uint32_t version = 0;
    std::string err;
    if (!check(cuptiGetVersion(&version), "cuptiGetVersion", &err)) {
        if (why) *why = "CUPTI unusable: " + err;
        return false;
    }
    uint64_t ts = 0;
    if (!check(cuptiGetTimestamp(&ts), "cuptiGetTimestamp", &err)) {
        if (why) *why = "CUPTI unusable: " + err;
        return false;
    }
    return true;
}

bool CuptiCollector::start(std::string* error) {
    if (active_) return true;
    std::string why;
    if (!available(&why)) {
        if (error) *error = why;
        return false;
    }
    {
        std::lock_guard<std::mutex> lock(gActiveMutex);
        if (gActive) {
            if (error) *error = "another CuptiCollector is already collecting";
            return false;
        }
        // Offset between the clocks, taken around the CUPTI read to halve the error.
        uint64_t cupti = 0;
        const int64_t before = steadyNowNs();
        if (!check(cuptiGetTimestamp(&cupti), "cuptiGetTimestamp", error)) return false;
        const int64_t after = steadyNowNs();
        {
            std::lock_guard<std::mutex> sl(state_->mutex);
            state_->records.clockOffsetNs =
                before + (after - before) / 2 - static_cast<int64_t>(cupti);
        }
        gActive = state_;
        gActiveFlag = true;
    }
    auto undo = [&](size_t enabled) {
        for (size_t i = 0; i < enabled; ++i)
            cuptiActivityDisable(kKinds[i]);
        std::lock_guard<std::mutex> lock(gActiveMutex);
        gActive.reset();
        gActiveFlag = false;
    };
    // The callbacks are the same functions for every collector: register once.
    static std::atomic<bool> registered{false};
    if (!registered) {
        if (!check(cuptiActivityRegisterCallbacks(bufferRequested, bufferCompleted),
                   "cuptiActivityRegisterCallbacks", error)) {
            undo(0);
            return false;
        }
        registered = true;
    }
    for (size_t i = 0; i < std::size(kKinds); ++i) {
        if (!check(cuptiActivityEnable(kKinds[i]), "cuptiActivityEnable", error)) {
            if (error) *error += " (activity kind " + std::to_string(int(kKinds[i])) + ")";
            undo(i);
            return false;
        }
    }
    active_ = true;
    return true;
}

bool CuptiCollector::stop(std::string* error) {
    if (!active_) return true;
    // The completion callback takes gActiveMutex: flush without holding it.
    bool ok = check(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED),
                    "cuptiActivityFlushAll", error);
    for (CUpti_ActivityKind k : kKinds) {
        std::string e;
        if (!check(cuptiActivityDisable(k), "cuptiActivityDisable", &e) && ok) {
            ok = false;
            if (error) *error = e;
        }
    }
    // Whatever completed between the flush and the disables.
    cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    {
        std::lock_guard<std::mutex> lock(gActiveMutex);
        gActive.reset();
        gActiveFlag = false;
    }
    active_ = false;
    return ok;
}

bool CuptiCollector::pushExternalId(uint64_t id) {
    if (!gActiveFlag) return false;
    return cuptiActivityPushExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, id) ==
           CUPTI_SUCCESS;
}

bool CuptiCollector::popExternalId(uint64_t* lastId) {
    if (!gActiveFlag) return false;
    uint64_t last = 0;
    const bool ok = cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0,
                                                          &last) == CUPTI_SUCCESS;
    if (ok && lastId) *lastId = last;
    return ok;
}

#else // built without CUPTI: the API stays, every entry point says why.

namespace {
const char* kNoCupti = "built without CUPTI (libcupti not found in the CUDA toolkit)";
}

bool CuptiCollector::compiledIn() {
    return false;
}

bool CuptiCollector::available(std::string* why) {
    if (why) *why = kNoCupti;
    return false;
}

bool CuptiCollector::start(std::string* error) {
    if (error) *error = kNoCupti;
    return false;
}

bool CuptiCollector::stop(std::string*) {
    return true;
}

bool CuptiCollector::pushExternalId(uint64_t) {
    return false;
}

bool CuptiCollector::popExternalId(uint64_t*) {
    return false;
}

#endif

CuptiCollector::CuptiCollector() : state_(std::make_shared<State>()) {}

CuptiCollector::~CuptiCollector() {
    if (active_) stop(nullptr);
}

bool CuptiCollector::active() const {
    return active_;
}

std::string CuptiCollector::deviceName() {
    const DeviceQuery q = queryDevices();
    return q.devices.empty() ? std::string() : q.devices.front().name;
}

CuptiRecords CuptiCollector::takeRecords() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    CuptiRecords out = std::move(state_->records);
    state_->records = CuptiRecords{};
    state_->records.clockOffsetNs = out.clockOffsetNs;
    return out;
}

uint64_t CuptiCollector::droppedRecords() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->records.droppedRecords;
}

} // namespace mobi::gpu
