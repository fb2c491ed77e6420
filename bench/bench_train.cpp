// Google Benchmark of training: optimizer steps of the agent model's shape
// (dim 256, 6 layers, 8 heads, 4 kv heads, hidden 704, vocab 1024, context
// 1024 tokens) on 2 threads, as training tokens/s and GFLOP/s of the matrix
// products against the FMA peak measured in the same run.
#include "kernels/FmaPeak.h"
#include "kernels/Matmul.h"
#include "train/Trainer.h"
#include "util/SplitMix64.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>

using namespace mobi;

namespace {

constexpr int kThreads = 2;

TrainDataset randomRecords(int vocab, int context, int records, uint64_t seed) {
    TrainDataset d;
    SplitMix64 r{seed};
    for (int i = 0; i < records; ++i) {
        TokenizedRecord t;
        for (int k = 0; k < context; ++k)
            t.tokens.push_back(int(r.below(uint64_t(vocab))));
        t.loss.assign(t.tokens.size(), 1);
        t.loss[0] = 0;
        d.tokens += context;
        d.lossTokens += context - 1;
        d.records.push_back(std::move(t));
    }
    return d;
}

TrainState agentShape(int context) {
    TrainState s;
    ModelConfig& c = s.config;
    c.dim = 256, c.nLayers = 6, c.nHeads = 8, c.nKvHeads = 4, c.headDim = 32;
    c.hiddenDim = 704, c.vocabSize = 1024, c.seqLen = context, c.tiedEmbeddings = true;
    s.hyper.batchTokens = 8192;
    s.hyper.microTokens = 4096;
    s.hyper.steps = 1000;
    Trainer::initialize(s);
    return s;
}

// Wall-clock rates depend on what else the machine runs; rates per second
// of this process's CPU time (and the FMA peak per second of each thread's
// CPU time) do not, so both are reported.
void BM_TrainStep(benchmark::State& st) {
    const int context = static_cast<int>(st.range(0));
    ThreadPool pool(kThreads);
    const KernelIsa isa = bestKernelIsa();
    const FmaPeak peak = measureFmaPeak(pool, isa);
    TrainState s = agentShape(context);
    const TrainDataset data = randomRecords(1024, context, 8 * 8192 / context, 1);
    Trainer trainer(s, data, pool, isa);
    trainer.step(); // warm-up: buffers allocated
    trainer.graph().resetStats();
    double seconds = 0, cpu = 0;
    int64_t tokens = 0;
    for (auto _ : st) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = processCpuSeconds();
        const StepResult r = trainer.step();
        cpu += processCpuSeconds() - c0;
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        tokens += r.tokens;
        benchmark::DoNotOptimize(r.loss);
    }
    const GraphStats& g = trainer.graph().stats();
    // Per CPU-second rates scaled to kThreads busy threads.
    const double allCpu = g.matmulFlops / cpu * kThreads * 1e-9;
    const double linCpu = g.linearFlops / g.linearCpuSeconds * kThreads * 1e-9;
    const double allWall = g.matmulFlops / seconds * 1e-9;
    st.counters["tok/s"] = double(tokens) / seconds;
    st.counters["tok/s_cpu"] = double(tokens) / cpu * kThreads;
    st.counters["peak_GF"] = peak.wallGflops;
    st.counters["peak_GF_cpu"] = peak.cpuGflops;
    st.counters["of_peak"] = allWall / peak.wallGflops;
    st.counters["of_peak_cpu"] = allCpu / peak.cpuGflops;
    st.counters["linear_of_peak_cpu"] = linCpu / peak.cpuGflops;
    std::printf("ctx %d, %s, %d threads\n"
                "  wall: %.0f tok/s; matrix products %.1f GFLOP/s = %.1f%% of the FMA peak %.1f\n"
                "  cpu-time: %.0f tok/s; matrix products %.1f GFLOP/s = %.1f%% of the FMA peak "
                "%.1f; inside the linears %.1f GFLOP/s = %.1f%% (%.0f%% of the CPU time); CPU "
                "use %.2f of %d threads\n",
                context, kernelIsaName(isa), kThreads, double(tokens) / seconds, allWall,
                100 * allWall / peak.wallGflops, peak.wallGflops, double(tokens) / cpu * kThreads,
                allCpu, 100 * allCpu / peak.cpuGflops, peak.cpuGflops, linCpu,
                100 * linCpu / peak.cpuGflops, 100 * g.linearCpuSeconds / cpu, cpu / seconds,
                kThreads);
}

} // namespace

BENCHMARK(BM_TrainStep)
    ->Arg(1024)
    ->Arg(512)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

BENCHMARK_MAIN();
