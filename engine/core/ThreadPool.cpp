#include "core/ThreadPool.h"

#include <algorithm>

namespace mobi {

int ThreadPool::hardwareThreads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::ThreadPool(int nThreads) : nThreads_(nThreads <= 0 ? hardwareThreads() : nThreads) {
    for (int i = 1; i < nThreads_; ++i) workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::workerLoop(int index) {
    uint64_t seen = 0;
    for (;;) {
        const std::function<void(int, int)>* job;
        {
            std::unique_lock<std::mutex> lk(mu_);
            cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            job = job_;
        }
        (*job)(index, nThreads_);
        {
            std::lock_guard<std::mutex> lk(mu_);
            if (--pending_ == 0) doneCv_.notify_one();
        }
    }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (nThreads_ == 1) {
        fn(0, 1);
        return;
    }
    {
        std::lock_guard<std::mutex> lk(mu_);
        job_ = &fn;
        pending_ = nThreads_ - 1;
        ++generation_;
    }
    cv_.notify_all();
    fn(0, nThreads_);
    std::unique_lock<std::mutex> lk(mu_);
    doneCv_.wait(lk, [&] { return pending_ == 0; });
    job_ = nullptr;
}

void ThreadPool::parallelFor(int64_t begin, int64_t end,
                             const std::function<void(int64_t, int64_t)>& fn, int64_t align) {
    const int64_t n = end - begin;
    if (n <= 0) return;
    align = std::max<int64_t>(1, align);
    const int64_t units = (n + align - 1) / align;
    const int64_t nt = std::min<int64_t>(nThreads_, units);
    if (nt <= 1) {
        fn(begin, end);
        return;
    }
    run([&](int t, int) {
        if (t >= nt) return;
        const int64_t u0 = units * t / nt, u1 = units * (t + 1) / nt;
        const int64_t b = begin + u0 * align, e = std::min(end, begin + u1 * align);
        if (b < e) fn(b, e);
    });
}

} // namespace mobi
