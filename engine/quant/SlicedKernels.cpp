#include "quant/SlicedKernels.h"

#include "core/Error.h"
#include "core/Half.h"
#include "quant/SlicedInt8.h"
#include "quant/SlicedKernelPaths.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mobi {

namespace sliced_detail {

Plan makePlan(const SlicedMatrix& w, int level) {
    const SliceConfig& cfg = w.config();
    if (level < 1 || level > cfg.levels())
        throw EngineError(w.name(), "level " + std::to_string(level) + " out of range 1.." +
                                        std::to_string(cfg.levels()));
    Plan p;
    p.rows = w.rows();
    p.cols = w.cols();
    p.wordsPerRow = w.wordsPerRow();
    p.groupsPerRow = w.groupsPerRow();
    p.groupSize = cfg.groupSize;
    p.nPlanes = cfg.bitsForLevel(level);
    p.nested = cfg.mode == SliceMode::Nested;
    p.nScaled = p.nested ? 1 : level;
    for (int i = 0; i < p.nPlanes; ++i)
        p.planes[i] = w.tiledPlane(i);
    for (int s = 0; s < p.nScaled; ++s) {
        p.scales[s] = w.scales(s);
        p.mins[s] = w.mins(s);
    }
    const int b1 = cfg.sliceBits[0];
    for (int i = 0; i < level; ++i) {
        const int b = cfg.sliceBits[static_cast<size_t>(i)];
        const int p0 = cfg.firstPlane(i);
        for (int q = 0; q < b; ++q) {
            if (p.nested) {
                p.planeSlice[p0 + q] = 0;
                p.planeMul[p0 + q] = std::ldexp(1.0f, b1 - 1 - (p0 + q));
            } else {
                p.planeSlice[p0 + q] = i;
                p.planeMul[p0 + q] = std::ldexp(1.0f, b - 1 - q);
            }
        }
        if (p.nested && i > 0)
            p.nestedC +=
                std::ldexp(static_cast<float>((1 << b) - 1), -(cfg.bitsForLevel(i + 1) - b1) - 1);
    }
    return p;
}

// Pads x to whole words and sums each group; out must hold
// wordsPerRow * 64 + groupsPerRow floats.
static void prepareInput(const Plan& p, const float* x, float* out, Input& in) {
    const int64_t padded = p.wordsPerRow * 64;
    std::memcpy(out, x, static_cast<size_t>(p.cols) * sizeof(float));
    std::fill(out + p.cols, out + padded, 0.0f);
    float* gs = out + padded;
    for (int64_t g = 0; g < p.groupsPerRow; ++g) {
        const int64_t c0 = g * p.groupSize, c1 = std::min<int64_t>(p.cols, c0 + p.groupSize);
        float s = 0.0f;
        for (int64_t j = c0; j < c1; ++j)
            s += x[j];
        gs[g] = s;
    }
    in.x = out;
    in.groupSum = gs;
}

void rowsScalar(const Plan& p, const Input* in, int n, float* Y, int64_t ldy, int64_t r0,
                int64_t r1) {
    float sc[kMaxPlanes], mn[kMaxPlanes], coef[kMaxPlanes];
    for (int64_t r = r0; r < r1; ++r) {
        for (int t = 0; t < n; ++t) {
            const float* x = in[t].x;
            float acc = 0.0f;
            for (int64_t g = 0; g < p.groupsPerRow; ++g) {
                const size_t gi = static_cast<size_t>(r * p.groupsPerRow + g);
                for (int s = 0; s < p.nScaled; ++s) {
                    sc[s] = f16ToF32(p.scales[s][gi]);
                    mn[s] = f16ToF32(p.mins[s][gi]);
                }
                float off = 0.0f;
                if (p.nested) {
                    off = mn[0] - sc[0] * p.nestedC;
                } else {
                    for (int s = 0; s < p.nScaled; ++s)
                        off += mn[s];
                }
                for (int q = 0; q < p.nPlanes; ++q)
                    coef[q] = sc[p.planeSlice[q]] * p.planeMul[q];
                const int64_t c0 = g * p.groupSize,
                              c1 = std::min<int64_t>(p.cols, c0 + p.groupSize);
                float part = off * in[t].groupSum[g];
                for (int q = 0; q < p.nPlanes; ++q) {
                    float S = 0.0f;
                    for (int64_t j = c0; j < c1; ++j)
                        if ((*planeRowByte(p, p.planes[q], r, j >> 3) >> (j & 7)) & 1) S += x[j];
                    part += coef[q] * S;
                }
                acc += part;
            }
            Y[t * ldy + r] = acc;
        }
    }
}

} // namespace sliced_detail

using namespace sliced_detail;

namespace {

void runRows(KernelIsa isa, const Plan& p, const Input* in, int n, float* Y, int64_t ldy,
             int64_t r0, int64_t r1) {
    switch (isa) {
    case KernelIsa::Avx512:
        rowsAvx512(p, in, n, Y, ldy, r0, r1);
        return;
    case KernelIsa::Avx2:
        rowsAvx2(p, in, n, Y, ldy, r0, r1);
        return;
    case KernelIsa::Scalar:
        rowsScalar(p, in, n, Y, ldy, r0, r1);
        return;
    }
}

// Token block of the GEMM: keeps the prepared inputs of one block in L2
// while a tile of plane rows is reused across them.
constexpr int kTokenBlock = 32;

// kernelIsaAvailable runs CPUID, which traps to the hypervisor in a VM (about
// 15 us, as much as a small GEMV): asked once per ISA.
bool isaAvailable(KernelIsa isa) {
    static const bool avail[3] = {kernelIsaAvailable(KernelIsa::Scalar),
                                  kernelIsaAvailable(KernelIsa::Avx2),
                                  kernelIsaAvailable(KernelIsa::Avx512)};
    const int i = static_cast<int>(isa);
    return i >= 0 && i < 3 && avail[i];
}

void gemmPlanInt8(KernelIsa isa, const Plan& p, const float* X, int64_t ldx, int n, float* Y,
                  int64_t ldy, int64_t r0, int64_t r1) {
    const Int8Plan ip = makeInt8Plan(p);
    const bool simd = isa == KernelIsa::Avx512 && int8Avx512Supported(p);
    const size_t stride = int8InputBytes(p);
    thread_local std::vector<uint8_t> buf;
    thread_local std::vector<Int8Input> inputs;
    const int nb = std::min(n, kTokenBlock);
    if (buf.size() < stride * static_cast<size_t>(nb) + 64)
        buf.resize(stride * static_cast<size_t>(nb) + 64);
    uint8_t* const base0 = buf.data() + (64 - reinterpret_cast<uintptr_t>(buf.data()) % 64) % 64;
    if (inputs.size() < static_cast<size_t>(nb)) inputs.resize(static_cast<size_t>(nb));
    for (int t0 = 0; t0 < n; t0 += kTokenBlock) {
        const int m = std::min(kTokenBlock, n - t0);
        for (int t = 0; t < m; ++t) {
            uint8_t* b = base0 + stride * static_cast<size_t>(t);
            if (simd)
                prepareInt8InputAvx512(p, X + (t0 + t) * ldx, b, inputs[static_cast<size_t>(t)]);
            else
                prepareInt8Input(p, X + (t0 + t) * ldx, b, inputs[static_cast<size_t>(t)]);
        }
        if (simd)
            rowsInt8Avx512(p, ip, inputs.data(), m, Y + t0 * ldy, ldy, r0, r1);
        else if (isa == KernelIsa::Avx2)
            rowsInt8Avx2(p, ip, inputs.data(), m, Y + t0 * ldy, ldy, r0, r1);
        else
            rowsInt8Scalar(p, ip, inputs.data(), m, Y + t0 * ldy, ldy, r0, r1);
    }
}

void gemmPlan(KernelIsa isa, const Plan& p, const float* X, int64_t ldx, int n, float* Y,
              int64_t ldy, int64_t r0, int64_t r1, SlicedKernelMode mode) {
    if (r1 <= r0 || n <= 0) return;
    if (r0 < 0 || r1 > p.rows) throw EngineError("sliced matmul", "row range out of bounds");
    if (!isaAvailable(isa))
        throw UnsupportedError("sliced matmul",
                               std::string("this CPU has no ") + kernelIsaName(isa) + " support");
    if (mode == SlicedKernelMode::Int8Act) {
        gemmPlanInt8(isa, p, X, ldx, n, Y, ldy, r0, r1);
        return;
    }
    const bool lut = isa == KernelIsa::Avx512 && avx512UsesLut(p);
    const size_t base = static_cast<size_t>(p.wordsPerRow * 64 + p.groupsPerRow);
    // 16-float (64-byte) aligned tables after x and the group sums.
    const size_t lutAt = (base + 15) / 16 * 16;
    const size_t stride = lut ? lutAt + static_cast<size_t>(p.wordsPerRow * 64 * 4) : base;
    thread_local std::vector<float> buf;
    thread_local std::vector<Input> inputs;
    const int nb = std::min(n, kTokenBlock);
    // +16: room to start at a 64-byte boundary, so that tables are cache lines.
    if (buf.size() < stride * static_cast<size_t>(nb) + 16)
        buf.resize(stride * static_cast<size_t>(nb) + 16);
    float* const base0 =
        buf.data() + (16 - (reinterpret_cast<uintptr_t>(buf.data()) / 4) % 16) % 16;
    if (inputs.size() < static_cast<size_t>(nb)) inputs.resize(static_cast<size_t>(nb));
    for (int t0 = 0; t0 < n; t0 += kTokenBlock) {
        const int m = std::min(kTokenBlock, n - t0);
        for (int t = 0; t < m; ++t) {
            float* b = base0 + stride * static_cast<size_t>(t);
            Input& in = inputs[static_cast<size_t>(t)];
            prepareInput(p, X + (t0 + t) * ldx, b, in);
            in.lut = nullptr;
            if (lut) {
                buildLutAvx512(p, b, b + lutAt);
                in.lut = b + lutAt;
            }
        }
        runRows(isa, p, inputs.data(), m, Y + t0 * ldy, ldy, r0, r1);
    }
}

} // namespace

KernelIsa slicedInt8KernelIsa(KernelIsa isa, const SlicedMatrix& w) {
    return slicedInt8Unavailable(isa, w).empty() ? isa : KernelIsa::Scalar;
}

std::string slicedInt8Unavailable(KernelIsa isa, const SlicedMatrix& w) {
    if (isa == KernelIsa::Scalar) return "";
    if (!isaAvailable(isa)) return std::string("this CPU has no ") + kernelIsaName(isa);
    const Plan p = makePlan(w, 1);
    if (p.groupSize % 32 != 0)
        return "group size " + std::to_string(p.groupSize) + " is not a multiple of 32";
    if (isa == KernelIsa::Avx512 && !int8Avx512Supported(p))
        return "this CPU lacks AVX-512 BW/VL/DQ/VNNI or GFNI";
    if (isa == KernelIsa::Avx2 && !int8Avx2Supported(p))
        return "this CPU lacks AVX-VNNI or GFNI (the AVX2 int8 kernel needs both)";
    return "";
}

void slicedGemvRange(KernelIsa isa, const SlicedMatrix& w, int level, const float* x, float* y,
                     int64_t r0, int64_t r1, SlicedKernelMode mode) {
    const Plan p = makePlan(w, level);
    gemmPlan(isa, p, x, 0, 1, y, 0, r0, r1, mode);
}

void slicedGemmRange(KernelIsa isa, const SlicedMatrix& w, int level, const float* X, int64_t ldx,
                     int n, float* Y, int64_t ldy, int64_t r0, int64_t r1, SlicedKernelMode mode) {
    const Plan p = makePlan(w, level);
    gemmPlan(isa, p, X, ldx, n, Y, ldy, r0, r1, mode);
}

void slicedMatmulGroup(ThreadPool& pool, const SlicedJob* jobs, int nJobs, const float* X,
                       int64_t ldx, int n, KernelIsa isa, SlicedKernelMode mode) {
    if (nJobs <= 0 || n <= 0) return;
    constexpr int64_t kUnit = 16; // the AVX-512 lookup kernel's row tile
    std::vector<Plan> plans;
    std::vector<int64_t> firstUnit(static_cast<size_t>(nJobs) + 1, 0);
    for (int j = 0; j < nJobs; ++j) {
        if (jobs[j].w == nullptr) throw EngineError("sliced matmul", "job without a matrix");
        plans.push_back(makePlan(*jobs[j].w, jobs[j].level));
        if (plans.back().cols != plans.front().cols)
            throw EngineError(jobs[j].w->name(), "input width differs from the group's");
        firstUnit[j + 1] = firstUnit[j] + (plans.back().rows + kUnit - 1) / kUnit;
    }
    const int64_t units = firstUnit[static_cast<size_t>(nJobs)];
    auto work = [&](int64_t u0, int64_t u1) {
        for (int j = 0; j < nJobs && u0 < u1; ++j) {
            const int64_t a = std::max(u0, firstUnit[j]), b = std::min(u1, firstUnit[j + 1]);
            if (a >= b) continue;
            const int64_t r0 = (a - firstUnit[j]) * kUnit;
            const int64_t r1 = std::min(plans[j].rows, (b - firstUnit[j]) * kUnit);
            gemmPlan(isa, plans[j], X, ldx, n, jobs[j].y, jobs[j].ldy, r0, r1, mode);
        }
    };
    if (pool.size() <= 1 || units <= 1)
        work(0, units);
    else
        pool.parallelFor(0, units, work);
}

void slicedMatmul(ThreadPool& pool, const SlicedMatrix& w, int level, const float* X, int n,
                  float* Y, KernelIsa isa, SlicedKernelMode mode) {
    SlicedJob job;
    job.w = &w;
    job.level = level;
    job.y = Y;
    job.ldy = w.rows();
    slicedMatmulGroup(pool, &job, 1, X, w.cols(), n, isa, mode);
}

} // namespace mobi
