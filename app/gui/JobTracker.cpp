#include "JobTracker.h"

namespace mobi {

quint64 JobTracker::start(JobKind kind) {
    const quint64 id = next_++;
    current_[index(kind)] = id;
    cancelBelow_[index(kind)].store(id, std::memory_order_relaxed);
    return id;
}

bool JobTracker::isCurrent(JobKind kind, quint64 job) const {
    return job == current_[index(kind)] && !isCancelled(kind, job);
}

void JobTracker::cancel(JobKind kind) {
    cancelBelow_[index(kind)].store(current_[index(kind)] + 1, std::memory_order_relaxed);
}

void JobTracker::cancelAll() {
    for (size_t k = 0; k < current_.size(); ++k)
        cancelBelow_[k].store(next_, std::memory_order_relaxed);
}

} // namespace mobi
