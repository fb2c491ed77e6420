// Google Benchmark of the MoBiSlice packed GEMV at TinyLlama-1.1B shapes:
// every level of a nested and a residual 2,1,1,1 slicing against the
// engine's F16 GEMV on the same matrix in the same run, with GB/s of plane
// traffic and the speed ratio over F16 as counters.
#include "core/Half.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "quant/SlicedKernels.h"
#include "quant/SlicedMatrix.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace mobi;

namespace {

struct Case {
    int64_t rows, cols;
    std::vector<float> w;
    Tensor f16;
    std::map<SliceMode, SlicedMatrix> sliced;
    std::vector<float> x;
};

int benchThreads() {
    const char* e = std::getenv("MOBI_BENCH_THREADS");
    return e ? std::atoi(e) : 2;
}

ThreadPool& pool() {
    static ThreadPool p(benchThreads());
    return p;
}

Case& getCase(int64_t rows, int64_t cols) {
    static std::map<std::pair<int64_t, int64_t>, std::unique_ptr<Case>> cache;
    auto& slot = cache[{rows, cols}];
    if (slot) return *slot;
    slot = std::make_unique<Case>();
    Case& c = *slot;
    c.rows = rows;
    c.cols = cols;
    std::mt19937 rng(static_cast<uint32_t>(rows * 31 + cols));
    std::normal_distribution<float> N(0.0f, 0.02f);
    c.w.resize(static_cast<size_t>(rows * cols));
    for (auto& v : c.w)
        v = N(rng);
    std::vector<uint8_t> bytes(c.w.size() * 2);
    for (size_t i = 0; i < c.w.size(); ++i) {
        const uint16_t h = f32ToF16(c.w[i]);
        bytes[2 * i] = static_cast<uint8_t>(h & 0xff);
        bytes[2 * i + 1] = static_cast<uint8_t>(h >> 8);
    }
    c.f16 = Tensor::fromBytes("w", DType::F16, {rows, cols}, std::move(bytes));
    for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual}) {
        SliceConfig cfg;
        cfg.mode = mode;
        c.sliced.emplace(
            mode, SlicedMatrix::quantize(c.w.data(), rows, cols, cfg, "w", nullptr, &pool()));
    }
    std::normal_distribution<float> X(0.0f, 1.0f);
    c.x.resize(static_cast<size_t>(cols));
    for (auto& v : c.x)
        v = X(rng);
    return c;
}

std::map<std::pair<int64_t, int64_t>, double>& f16Seconds() {
    static std::map<std::pair<int64_t, int64_t>, double> m;
    return m;
}

void BM_F16Gemv(benchmark::State& st, int64_t rows, int64_t cols) {
    Case& c = getCase(rows, cols);
    const WeightView v = weightView(c.f16);
    std::vector<float> y(static_cast<size_t>(rows));
    const KernelIsa isa = bestKernelIsa();
    for (auto _ : st) {
        matmul(pool(), v, c.x.data(), 1, y.data(), isa);
        benchmark::DoNotOptimize(y.data());
    }
    const double sec = st.iterations() > 0 ? 0.0 : 0.0;
    (void)sec;
    st.counters["GB/s"] = benchmark::Counter(static_cast<double>(c.f16.nbytes),
                                             benchmark::Counter::kIsIterationInvariantRate);
    st.counters["bits"] = 16;
    st.SetLabel(std::string(kernelIsaName(isa)) + " threads=" + std::to_string(pool().size()));
}

void BM_SlicedGemv(benchmark::State& st, int64_t rows, int64_t cols, SliceMode mode, int level,
                   KernelIsa isa) {
    Case& c = getCase(rows, cols);
    const SlicedMatrix& m = c.sliced.at(mode);
    std::vector<float> y(static_cast<size_t>(rows));
    for (auto _ : st) {
        slicedMatmul(pool(), m, level, c.x.data(), 1, y.data(), isa);
        benchmark::DoNotOptimize(y.data());
    }
    st.counters["GB/s"] = benchmark::Counter(static_cast<double>(m.levelBytes(level)),
                                             benchmark::Counter::kIsIterationInvariantRate);
    st.counters["bits"] = m.effectiveBits(level);
    st.SetLabel(std::string(kernelIsaName(isa)) + " threads=" + std::to_string(pool().size()));
}

// Reports each sliced run's speed over the F16 run of the same shape.
class RatioReporter : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run>& runs) override {
        std::vector<Run> out = runs;
        for (Run& r : out) {
            const std::string name = r.benchmark_name();
            const double t = r.GetAdjustedRealTime();
            for (auto& [shape, f16t] : f16Seconds()) {
                const std::string tag =
                    "/" + std::to_string(shape.first) + "x" + std::to_string(shape.second);
                if (name.find(tag) == std::string::npos) continue;
                if (name.rfind("F16Gemv", 0) == 0)
                    f16t = t;
                else if (f16t > 0)
                    r.counters["xF16"] = f16t / t;
            }
        }
        ConsoleReporter::ReportRuns(out);
    }
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    const std::pair<int64_t, int64_t> shapes[] = {{2048, 2048}, {5632, 2048}};
    for (auto [rows, cols] : shapes) {
        f16Seconds()[{rows, cols}] = 0.0;
        const std::string tag = "/" + std::to_string(rows) + "x" + std::to_string(cols);
        benchmark::RegisterBenchmark(("F16Gemv" + tag).c_str(), BM_F16Gemv, rows, cols)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
        for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual})
            for (KernelIsa isa : availableKernelIsas()) {
                if (isa == KernelIsa::Scalar) continue;
                for (int k = 1; k <= 4; ++k)
                    benchmark::RegisterBenchmark(
                        ("Sliced" + tag + "/" + sliceModeName(mode) + "/" + kernelIsaName(isa) +
                         "/level" + std::to_string(k) + "(" + std::to_string(k + 1) + "bit)")
                            .c_str(),
                        BM_SlicedGemv, rows, cols, mode, k, isa)
                        ->Unit(benchmark::kMicrosecond)
                        ->UseRealTime();
            }
    }
    RatioReporter rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    benchmark::Shutdown();
    return 0;
}
