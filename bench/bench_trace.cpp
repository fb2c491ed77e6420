// Cost of the CPU tracer on whole decode steps (issue 5: tracing off costs
// less than 2% of decode speed, on less than 10%), and one scope's cost.
//
//   Decode/off, Decode/on   separate runs, one token per iteration
//   Paired                  off and on alternating token by token in one run,
//                           each timed on its own (robust on a loaded VM)
//   Scope/disabled|enabled  one TraceScope
//
// The summary printed at the end gives on/off from the paired run, and the
// cost of tracing *off* against no tracer at all, which one binary cannot
// time directly: scopes per decoded token (counted from an enabled run) x
// the disabled scope's cost / the untraced step time, all from this run.
#include "model/RandomModel.h"
#include "model/Transformer.h"
#include "trace/Tracer.h"

#include "MedianReporter.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

using namespace mobi;

namespace {

constexpr int kThreads = 2;
constexpr int kContext = 128;

const Model& model() {
    static const Model m =
        makeRandomModel(findModelShape("stories15m"), nullptr, 1, DType::F16, kThreads);
    return m;
}

double nowNs() {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Advances a decode over positions 0..kContext-1, wrapping around.
struct Decoder {
    Transformer t{model(), kThreads, kContext};
    int pos = 0, tok = 1;
    void step() {
        benchmark::DoNotOptimize(t.forward(&tok, 1, pos).data());
        tok = (tok * 7 + 3) % model().config.vocabSize;
        pos = (pos + 1) % kContext;
    }
};

void decode(benchmark::State& st, bool traced) {
    Decoder d;
    Tracer::setEnabled(traced);
    for (auto _ : st) {
        d.step();
        if (d.pos == 0) {
            st.PauseTiming();
            Tracer::clear(); // as a profile drains per token
            st.ResumeTiming();
        }
    }
    Tracer::setEnabled(false);
    Tracer::clear();
    st.counters["tok/s"] =
        benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_DecodeOff(benchmark::State& st) {
    decode(st, false);
}
void BM_DecodeOn(benchmark::State& st) {
    decode(st, true);
}

// Tokens alternate off / on; each step is timed alone and summed per mode.
void BM_Paired(benchmark::State& st) {
    Decoder d;
    double offNs = 0, onNs = 0;
    int64_t offN = 0, onN = 0, ranges = 0;
    bool on = false;
    for (auto _ : st) {
        Tracer::setEnabled(on);
        const double t0 = nowNs();
        d.step();
        const double dt = nowNs() - t0;
        Tracer::setEnabled(false);
        (on ? onNs : offNs) += dt;
        ++(on ? onN : offN);
        st.PauseTiming();
        if (on) ranges += static_cast<int64_t>(Tracer::drain().size());
        st.ResumeTiming();
        on = !on;
    }
    st.counters["off_us"] = offN ? offNs / offN / 1e3 : 0;
    st.counters["on_us"] = onN ? onNs / onN / 1e3 : 0;
    st.counters["ranges_per_token"] = onN ? double(ranges) / double(onN) : 0;
}

void BM_ScopeDisabled(benchmark::State& st) {
    Tracer::setEnabled(false);
    for (auto _ : st) {
        TraceScope s("x", 1, 2);
        benchmark::ClobberMemory();
    }
}

void BM_ScopeEnabled(benchmark::State& st) {
    Tracer::setEnabled(true);
    int64_t n = 0;
    for (auto _ : st) {
        { TraceScope s("x", 1, 2); }
        if (++n % 4096 == 0) {
            st.PauseTiming();
            Tracer::clear();
            st.ResumeTiming();
        }
    }
    Tracer::setEnabled(false);
    Tracer::clear();
}

// Keeps the median (or the only) run of each benchmark and prints the
// verdicts after the console output.
class TraceReporter : public MedianReporter {
  public:
    void Finalize() override {
        ConsoleReporter::Finalize();
        auto row = [&](const char* n) { return find(n); };
        const Row* paired = row("Paired");
        const Row* off = row("Decode/off");
        const Row* on = row("Decode/on");
        const Row* scopeOff = row("Scope/disabled");
        std::printf("\nTracing cost on whole decode steps (stories15M shape, F16, %d threads)\n",
                    kThreads);
        if (off && on)
            std::printf("  separate runs: off %.1f us/token, on %.1f us/token, on/off %.4f\n",
                        off->ns / 1e3, on->ns / 1e3, on->ns / off->ns);
        if (!paired) return;
        const double offUs = paired->counters.at("off_us"), onUs = paired->counters.at("on_us");
        const double ranges = paired->counters.at("ranges_per_token");
        std::printf("  paired: off %.1f us/token, on %.1f us/token, on/off %.4f  (target < 1.10: "
                    "%s)\n",
                    offUs, onUs, onUs / offUs, onUs / offUs < 1.10 ? "met" : "NOT met");
        if (scopeOff) {
            const double cost = ranges * scopeOff->ns / (offUs * 1e3);
            std::printf("  off vs no tracer: %.0f scopes/token x %.2f ns = %.3f us, %.4f%% of a "
                        "step  (target < 2%%: %s)\n",
                        ranges, scopeOff->ns, ranges * scopeOff->ns / 1e3, 100 * cost,
                        cost < 0.02 ? "met" : "NOT met");
        }
    }
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    model();
    benchmark::RegisterBenchmark("Decode/off", BM_DecodeOff)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("Decode/on", BM_DecodeOn)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("Paired", BM_Paired)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
    benchmark::RegisterBenchmark("Scope/disabled", BM_ScopeDisabled);
    benchmark::RegisterBenchmark("Scope/enabled", BM_ScopeEnabled);
    TraceReporter rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    benchmark::Shutdown();
    return 0;
}
