#include "kernels/MemoryBandwidth.h"

#include "core/ThreadPool.h"
#include "kernels/Matmul.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mobi {

namespace {

uint64_t readScalar(const uint64_t* p, size_t n) {
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a0 ^= p[i];
        a1 ^= p[i + 1];
        a2 ^= p[i + 2];
        a3 ^= p[i + 3];
    }
    for (; i < n; ++i)
        a0 ^= p[i];
    return a0 ^ a1 ^ a2 ^ a3;
}

#if defined(__x86_64__)
// Four 256-bit loads per iteration: two cache lines, as a GEMV streams them.
__attribute__((target("avx2"))) uint64_t readAvx2(const uint64_t* p, size_t n) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_xor_si256(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
        a1 = _mm256_xor_si256(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
        a2 = _mm256_xor_si256(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
        a3 = _mm256_xor_si256(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
    }
    a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    alignas(32) uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), a0);
    return lanes[0] ^ lanes[1] ^ lanes[2] ^ lanes[3] ^ readScalar(p + i, n - i);
}
#endif

} // namespace

double measureStreamingReadGBs(int threads, size_t bytes, int repeats) {
    ThreadPool pool(threads);
    const size_t n = std::max<size_t>(bytes / sizeof(uint64_t), 1024);
    std::unique_ptr<uint64_t[]> buf(new uint64_t[n]);
    // Each thread first touches the part it will read.
    pool.run([&](int t, int nt) {
        for (size_t i = n * t / nt, e = n * (t + 1) / nt; i < e; ++i)
            buf[i] = i * 0x9e3779b97f4a7c15ull;
    });
    const bool simd = kernelIsaAvailable(KernelIsa::Avx2);
    std::vector<uint64_t> sinks(static_cast<size_t>(pool.size()) * 8, 0);
    double best = 0;
    for (int r = 0; r < std::max(1, repeats); ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        pool.run([&](int t, int nt) {
            const size_t b = n * t / nt, e = n * (t + 1) / nt;
#if defined(__x86_64__)
            sinks[static_cast<size_t>(t) * 8] ^=
                simd ? readAvx2(buf.get() + b, e - b) : readScalar(buf.get() + b, e - b);
#else
            sinks[static_cast<size_t>(t) * 8] ^= readScalar(buf.get() + b, e - b);
#endif
        });
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / s / 1e9);
    }
    volatile uint64_t keep = 0;
    for (uint64_t v : sinks)
        keep = keep ^ v;
    (void)keep;
    return best;
}

} // namespace mobi
