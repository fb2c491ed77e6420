#include "trace/Tracer.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>

namespace mobi {

std::atomic<bool> Tracer::enabled_{false};

namespace {

// A thread's ranges. The mutex is only contended while drain() runs.
struct ThreadBuffer {
    std::mutex mutex;
    std::vector<TraceRange> ranges;
    uint32_t id = 0;
    int32_t depth = 0;
};

struct Registry {
    std::mutex mutex;
    // shared_ptr: a buffer outlives its thread until drained.
    std::vector<std::shared_ptr<ThreadBuffer>> buffers;
    uint32_t nextId = 1;
};

Registry& registry() {
    static Registry* r = new Registry; // never destroyed: threads may trace during exit
    return *r;
}

ThreadBuffer& local() {
    thread_local std::shared_ptr<ThreadBuffer> buf = [] {
        auto b = std::make_shared<ThreadBuffer>();
        b->ranges.reserve(8192); // no reallocation inside a traced decode loop
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        b->id = r.nextId++;
        r.buffers.push_back(b);
        return b;
    }();
    return *buf;
}

} // namespace

int64_t Tracer::nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

uint32_t Tracer::threadId() {
    return local().id;
}

int32_t Tracer::enter() {
    return local().depth++;
}

void Tracer::leave() {
    ThreadBuffer& b = local();
    if (b.depth > 0) --b.depth;
}

void Tracer::record(const TraceRange& r) {
    ThreadBuffer& b = local();
    TraceRange copy = r;
    copy.threadId = b.id;
    std::lock_guard<std::mutex> lock(b.mutex);
    b.ranges.push_back(copy);
}

std::vector<TraceRange> Tracer::drain() {
    std::vector<std::shared_ptr<ThreadBuffer>> buffers;
    {
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        buffers = r.buffers;
    }
    std::vector<TraceRange> out;
    for (const auto& b : buffers) {
        std::lock_guard<std::mutex> lock(b->mutex);
        out.insert(out.end(), b->ranges.begin(), b->ranges.end());
        b->ranges.clear();
    }
    std::stable_sort(out.begin(), out.end(), [](const TraceRange& a, const TraceRange& b) {
        return a.startNs < b.startNs || (a.startNs == b.startNs && a.depth < b.depth);
    });
    return out;
}

void Tracer::clear() {
    (void)drain();
}

} // namespace mobi
