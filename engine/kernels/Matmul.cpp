#include "kernels/Matmul.h"

#include "core/Error.h"
#include "core/Half.h"
#include "kernels/MatmulPaths.h"

#include <algorithm>
#include <atomic>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <cstdlib>
#include <cstring>
#include <string>

namespace mobi {

const char* kernelIsaName(KernelIsa isa) {
    switch (isa) {
    case KernelIsa::Scalar:
        return "scalar";
    case KernelIsa::Avx2:
        return "avx2";
    case KernelIsa::Avx512:
        return "avx512";
    }
    return "?";
}

#if defined(__x86_64__) || defined(__i386__)
// clang's __builtin_cpu_supports does not know "f16c": read CPUID leaf 1.
static bool hasF16c() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    return (c & (1u << 29)) != 0;
}
#endif

bool kernelIsaAvailable(KernelIsa isa) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    switch (isa) {
    case KernelIsa::Scalar:
        return true;
    case KernelIsa::Avx2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && hasF16c();
    case KernelIsa::Avx512:
        return kernelIsaAvailable(KernelIsa::Avx2) && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq");
    }
    return false;
#else
    return isa == KernelIsa::Scalar;
#endif
}

std::vector<KernelIsa> availableKernelIsas() {
    std::vector<KernelIsa> out;
    for (KernelIsa i : {KernelIsa::Scalar, KernelIsa::Avx2, KernelIsa::Avx512})
        if (kernelIsaAvailable(i)) out.push_back(i);
    return out;
}

KernelIsa bestKernelIsa() {
    static const KernelIsa best = [] {
        KernelIsa b = KernelIsa::Scalar;
        for (KernelIsa i : availableKernelIsas())
            b = i;
        if (const char* env = std::getenv("MOBISCOPE_ISA")) {
            const std::string s(env);
            KernelIsa want = b;
            if (s == "scalar")
                want = KernelIsa::Scalar;
            else if (s == "avx2")
                want = KernelIsa::Avx2;
            else if (s == "avx512")
                want = KernelIsa::Avx512;
            if (kernelIsaAvailable(want) && static_cast<int>(want) < static_cast<int>(b)) b = want;
        }
        return b;
    }();
    return best;
}

bool kernelSupportsDType(DType t) {
    return t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::Q8_0;
}

WeightView weightView(const Tensor& t) {
    if (!kernelSupportsDType(t.dtype))
        throw UnsupportedError(t.name, std::string("matrix dtype ") + dtypeName(t.dtype) +
                                           " is not supported by the CPU kernels");
    WeightView v;
    v.dtype = t.dtype;
    v.data = static_cast<const uint8_t*>(t.data);
    v.cols = t.cols();
    v.rows = t.rows();
    uint64_t rb = 0;
    if (v.cols <= 0 || !dtypeBytesChecked(t.dtype, static_cast<uint64_t>(v.cols), rb))
        throw EngineError(t.name, "row of " + std::to_string(v.cols) + " elements is not a whole " +
                                      "number of " + dtypeName(t.dtype) + " blocks");
    v.rowBytes = static_cast<size_t>(rb);
    if (v.data == nullptr || rb * static_cast<uint64_t>(v.rows) > t.nbytes)
        throw EngineError(t.name, "tensor data is smaller than its shape " + t.shapeString());
    return v;
}

namespace kernels_detail {

namespace {

template <DType D> float dotRow(const uint8_t* row, const float* x, int64_t K) {
    float acc = 0.0f;
    if constexpr (D == DType::F32) {
        const float* p = reinterpret_cast<const float*>(row);
        for (int64_t k = 0; k < K; ++k)
            acc += p[k] * x[k];
    } else if constexpr (D == DType::F16 || D == DType::BF16) {
        for (int64_t k = 0; k < K; ++k) {
            uint16_t h;
            std::memcpy(&h, row + 2 * k, 2);
            const float w = D == DType::F16 ? f16ToF32(h) : bf16ToF32(h);
            acc += w * x[k];
        }
    } else {
        for (int64_t b = 0; b < K / 32; ++b) {
            const uint8_t* blk = row + b * 34;
            uint16_t h;
            std::memcpy(&h, blk, 2);
            const float d = f16ToF32(h);
            const int8_t* q = reinterpret_cast<const int8_t*>(blk + 2);
            for (int i = 0; i < 32; ++i)
                acc += (static_cast<float>(q[i]) * d) * x[b * 32 + i];
        }
    }
    return acc;
}

float dotRowAny(const WeightView& w, int64_t r, const float* x) {
    switch (w.dtype) {
    case DType::F32:
        return dotRow<DType::F32>(w.row(r), x, w.cols);
    case DType::F16:
        return dotRow<DType::F16>(w.row(r), x, w.cols);
    case DType::BF16:
        return dotRow<DType::BF16>(w.row(r), x, w.cols);
    default:
        return dotRow<DType::Q8_0>(w.row(r), x, w.cols);
    }
}

} // namespace

void gemvScalar(const WeightView& w, const float* x, float* y, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
        y[r] = dotRowAny(w, r, x);
}

void gemmScalar(const WeightView& w, const float* X, int64_t ldx, int n, float* Y, int64_t ldy,
                int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
        for (int t = 0; t < n; ++t)
            Y[t * ldy + r] = dotRowAny(w, r, X + t * ldx);
}

} // namespace kernels_detail

using namespace kernels_detail;

void gemvRange(KernelIsa isa, const WeightView& w, const float* x, float* y, int64_t r0,
               int64_t r1) {
    if (r1 <= r0) return;
    switch (isa) {
    case KernelIsa::Avx512:
        gemvAvx512(w, x, y, r0, r1);
        return;
    case KernelIsa::Avx2:
        gemvAvx2(w, x, y, r0, r1);
        return;
    case KernelIsa::Scalar:
        gemvScalar(w, x, y, r0, r1);
        return;
    }
}

void gemmRange(KernelIsa isa, const WeightView& w, const float* X, int64_t ldx, int n, float* Y,
               int64_t ldy, int64_t r0, int64_t r1) {
    if (r1 <= r0 || n <= 0) return;
    // Token blocks keep the activations of one block in L2 while a converted
    // weight tile is reused across them.
    constexpr int kTokenBlock = 64;
    for (int t0 = 0; t0 < n; t0 += kTokenBlock) {
        const int nb = std::min(kTokenBlock, n - t0);
        const float* Xb = X + static_cast<int64_t>(t0) * ldx;
        float* Yb = Y + static_cast<int64_t>(t0) * ldy;
        switch (isa) {
        case KernelIsa::Avx512:
            gemmAvx512(w, Xb, ldx, nb, Yb, ldy, r0, r1);
            break;
        case KernelIsa::Avx2:
            gemmAvx2(w, Xb, ldx, nb, Yb, ldy, r0, r1);
            break;
        case KernelIsa::Scalar:
            gemmScalar(w, Xb, ldx, nb, Yb, ldy, r0, r1);
            break;
        }
    }
}

void matmulGroup(ThreadPool& pool, const MatmulJob* jobs, int nJobs, const float* X, int64_t ldx,
                 int n, KernelIsa isa) {
    // Work is split in units of 4 rows (one register tile) across all jobs,
    // so q/k/v or gate/up run in a single parallel region.
    constexpr int64_t kUnit = 4;
    std::vector<int64_t> firstUnit(static_cast<size_t>(nJobs) + 1, 0);
    for (int j = 0; j < nJobs; ++j)
        firstUnit[j + 1] = firstUnit[j] + (jobs[j].w.rows + kUnit - 1) / kUnit;
    const int64_t units = firstUnit[nJobs];
    if (units == 0) return;
    // Prefill on AVX-512: the tokens are packed once, by blocks that fit in
    // L2 (packedTokenBlock), for all jobs and threads.
    const bool packed = n > 1 && isa == KernelIsa::Avx512;
    int kBlock = 64;
    thread_local std::vector<float> Xp;
    size_t blockFloats = 0;
    if (packed) {
        const int64_t K = jobs[0].w.cols;
        for (int j = 1; j < nJobs; ++j)
            if (jobs[j].w.cols != K)
                throw EngineError("matmul", "jobs of a group must have the same width");
        kBlock = packedTokenBlock(K);
        blockFloats = packedTokensSize(kBlock, K);
        Xp.resize(blockFloats * static_cast<size_t>((n + kBlock - 1) / kBlock));
        for (int t0 = 0; t0 < n; t0 += kBlock)
            packTokensAvx512(X + static_cast<int64_t>(t0) * ldx, ldx, std::min(kBlock, n - t0), K,
                             Xp.data() + blockFloats * static_cast<size_t>(t0 / kBlock));
    }
    // A thread_local is not captured: workers get the caller's buffer.
    const float* xp = Xp.data();
    auto work = [&](int64_t u0, int64_t u1) {
        for (int j = 0; j < nJobs && u0 < u1; ++j) {
            const int64_t a = std::max(u0, firstUnit[j]), b = std::min(u1, firstUnit[j + 1]);
            if (a >= b) continue;
            const MatmulJob& job = jobs[j];
            const int64_t r0 = (a - firstUnit[j]) * kUnit;
            const int64_t r1 = std::min(job.w.rows, (b - firstUnit[j]) * kUnit);
            if (n == 1) {
                gemvRange(isa, job.w, X, job.y, r0, r1);
            } else if (packed) {
                for (int t0 = 0; t0 < n; t0 += kBlock)
                    gemmPackedAvx512(job.w, xp + blockFloats * static_cast<size_t>(t0 / kBlock),
                                     std::min(kBlock, n - t0),
                                     job.y + static_cast<int64_t>(t0) * job.ldy, job.ldy, r0, r1);
            } else {
                gemmRange(isa, job.w, X, ldx, n, job.y, job.ldy, r0, r1);
            }
        }
    };
    const int nt = static_cast<int>(std::min<int64_t>(pool.size(), units));
    if (nt <= 1) {
        work(0, units);
        return;
    }
    if (n == 1) { // GEMV: streaming-bound, an even static split
        pool.run([&](int t, int) {
            if (t >= nt) return;
            work(units * t / nt, units * (t + 1) / nt);
        });
        return;
    }
    // GEMM (prefill): compute-bound, and on a shared machine one thread may
    // start late or be preempted, so threads claim runs of units from a
    // shared counter, long at first and shorter towards the end (guided).
    // Runs are whole 16-row panels. Which thread computes a row does not
    // change its value.
    constexpr int64_t kClaimUnits = 4;
    std::atomic<int64_t> next{0};
    pool.run([&](int, int nth) {
        for (;;) {
            int64_t u0 = next.load(std::memory_order_relaxed), u1 = 0;
            do {
                const int64_t left = units - u0;
                if (left <= 0) return;
                int64_t take = std::max<int64_t>(kClaimUnits, left / (2 * int64_t(nth)));
                take = (take + kClaimUnits - 1) / kClaimUnits * kClaimUnits;
                u1 = std::min(units, u0 + take);
            } while (!next.compare_exchange_weak(u0, u1, std::memory_order_relaxed));
            work(u0, u1);
        }
    });
}

void matmul(ThreadPool& pool, const WeightView& w, const float* X, int n, float* Y, KernelIsa isa) {
    MatmulJob job{w, Y, w.rows};
    matmulGroup(pool, &job, 1, X, w.cols, n, isa);
}

} // namespace mobi
