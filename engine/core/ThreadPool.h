// Fixed pool of worker threads with a blocking parallel-for.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mobi {

class ThreadPool {
public:
    // nThreads <= 0 means all hardware threads. The calling thread takes part,
    // so a pool of n runs n-1 workers.
    explicit ThreadPool(int nThreads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return nThreads_; }
    // Calls fn(thread_index, n_threads) on every thread and waits for all.
    void run(const std::function<void(int, int)>& fn);
    // Splits [begin, end) into contiguous chunks, one per thread, rounded to
    // multiples of `align` so SIMD rows stay together.
    void parallelFor(int64_t begin, int64_t end,
                     const std::function<void(int64_t, int64_t)>& fn, int64_t align = 1);

    static int hardwareThreads();

private:
    void workerLoop(int index);
    int nThreads_;
    std::vector<std::thread> workers_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::condition_variable doneCv_;
    const std::function<void(int, int)>* job_ = nullptr;
    uint64_t generation_ = 0;
    int pending_ = 0;
    bool stop_ = false;
};

} // namespace mobi
