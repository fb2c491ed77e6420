// Ids for background jobs, per kind: a newer job supersedes the older one, whose
// results are dropped instead of shown (hotspot's jobtracker pattern).
#pragma once

#include <QtGlobal>

#include <array>
#include <atomic>

namespace mobi {

enum class JobKind { Load, Run, Stats, Score, Count };

class JobTracker {
public:
    // A new current job of this kind; every older one of the kind is cancelled.
    quint64 start(JobKind kind);
    bool isCurrent(JobKind kind, quint64 job) const;
    quint64 current(JobKind kind) const { return current_[index(kind)]; }
    // Cancels the current job of this kind (results dropped, worker told to stop).
    void cancel(JobKind kind);
    void cancelAll();
    // Thread-safe: the worker polls this between steps.
    bool isCancelled(JobKind kind, quint64 job) const {
        return job < cancelBelow_[index(kind)].load(std::memory_order_relaxed);
    }

private:
    static size_t index(JobKind k) { return static_cast<size_t>(k); }
    quint64 next_ = 1;
    std::array<quint64, static_cast<size_t>(JobKind::Count)> current_{};
    std::array<std::atomic<quint64>, static_cast<size_t>(JobKind::Count)> cancelBelow_{};
};

} // namespace mobi
