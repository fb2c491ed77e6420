#include "kernels/FmaPeak.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>

#if defined(__x86_64__)
// GCC 12's AVX-512 headers trip -Wuninitialized on _mm512_undefined_*.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif

namespace mobi {

namespace {

constexpr int64_t kIters = 20'000'000;

#if defined(__x86_64__)
// 12 independent accumulators cover the FMA latency x throughput product.
__attribute__((target("avx512f"))) double fmaLoopAvx512(int64_t iters) {
    __m512 acc[12];
    for (int i = 0; i < 12; ++i)
        acc[i] = _mm512_set1_ps(0.001f * float(i));
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int64_t it = 0; it < iters; ++it)
#pragma GCC unroll 12
        for (int i = 0; i < 12; ++i)
            acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    float sink = 0;
    for (int i = 0; i < 12; ++i)
        sink += _mm512_reduce_add_ps(acc[i]);
    asm volatile("" : : "x"(sink));
    return double(iters) * 12 * 16 * 2;
}
#endif

double fmaLoopScalar(int64_t iters) {
    float acc[8] = {};
    for (int64_t it = 0; it < iters; ++it)
        for (int i = 0; i < 8; ++i)
            acc[i] = acc[i] * 0.999999f + 1e-7f;
    float sink = 0;
    for (float v : acc)
        sink += v;
    asm volatile("" : : "g"(sink));
    return double(iters) * 8 * 2;
}

} // namespace

double threadCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

double processCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

FmaPeak measureFmaPeak(ThreadPool& pool, KernelIsa isa) {
    FmaPeak best;
    for (int rep = 0; rep < 3; ++rep) {
        std::mutex mu;
        double flops = 0, cpuRate = 0;
        const auto t0 = std::chrono::steady_clock::now();
        pool.run([&](int, int) {
            const double c0 = threadCpuSeconds();
            double f = 0;
#if defined(__x86_64__)
            if (isa == KernelIsa::Avx512)
                f = fmaLoopAvx512(kIters / 4);
            else
#endif
                f = fmaLoopScalar(kIters);
            const double c = threadCpuSeconds() - c0;
            std::lock_guard<std::mutex> lock(mu);
            flops += f;
            cpuRate += c > 0 ? f / c : 0;
        });
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best.wallGflops = std::max(best.wallGflops, flops / s * 1e-9);
        best.cpuGflops = std::max(best.cpuGflops, cpuRate * 1e-9);
    }
    return best;
}

} // namespace mobi
