// CPU range tracer: scoped, per-thread ranges with correlation ids, ~free when off.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

namespace mobi {

// One closed range. Names are string literals (static storage), so recording
// one never allocates a string.
struct TraceRange {
    const char* name = "";
    int64_t startNs = 0; // steady clock
    int64_t endNs = 0;
    uint32_t threadId = 0; // small sequential id, 1 = first thread that traced
    int32_t depth = 0;     // nesting on its thread, 0 = top level
    int32_t position = -1; // token position (first of a batch), -1 = none
    int32_t layer = -1;
    int32_t step = -1; // agent step, -1 = none
};

// Process-wide switch and collector. Ranges go to a buffer owned by the
// recording thread (registered once), so threads never contend on a hot path.
class Tracer {
  public:
    static void setEnabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }
    static bool enabled() { return enabled_.load(std::memory_order_relaxed); }
    static int64_t nowNs();
    // The calling thread's tracer id (assigned on first use).
    static uint32_t threadId();

    // Moves every thread's closed ranges out, ordered by start time.
    static std::vector<TraceRange> drain();
    // Discards everything recorded so far.
    static void clear();

    // Used by TraceScope.
    static void record(const TraceRange& r);
    static int32_t enter();
    static void leave();

  private:
    static std::atomic<bool> enabled_;
};

// RAII range: records [construction, end()/destruction) when tracing was on
// at construction.
class TraceScope {
  public:
    explicit TraceScope(const char* name, int32_t position = -1, int32_t layer = -1,
                        int32_t step = -1) {
        if (!Tracer::enabled()) return;
        r_.name = name;
        r_.position = position;
        r_.layer = layer;
        r_.step = step;
        r_.depth = Tracer::enter();
        r_.startNs = Tracer::nowNs();
        active_ = true;
    }
    ~TraceScope() { end(); }
    TraceScope(const TraceScope&) = delete;
    TraceScope& operator=(const TraceScope&) = delete;

    void end() {
        if (!active_) return;
        active_ = false;
        r_.endNs = Tracer::nowNs();
        Tracer::leave();
        Tracer::record(r_);
    }

  private:
    TraceRange r_;
    bool active_ = false;
};

} // namespace mobi
