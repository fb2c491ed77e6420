// Cost of the CPU tracer: decode speed with tracing off and on, and one scope's cost.
#include "model/RandomModel.h"
#include "model/Transformer.h"
#include "trace/Tracer.h"

#include <benchmark/benchmark.h>

#include <memory>

using namespace mobi;

namespace {

const Model& model() {
    static const Model m = makeRandomModel(findModelShape("stories15m"), nullptr, 1, DType::F16, 2);
    return m;
}

// One decoded token per iteration at positions 0..127 (a short context).
void decode(benchmark::State& st, bool traced) {
    Transformer t(model(), static_cast<int>(st.range(0)), 128);
    Tracer::setEnabled(traced);
    int pos = 0, tok = 1;
    for (auto _ : st) {
        benchmark::DoNotOptimize(t.forward(&tok, 1, pos).data());
        tok = (tok * 7 + 3) % model().config.vocabSize;
        pos = (pos + 1) % 128;
        if (pos == 0) {
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

void BM_DecodeTraceOff(benchmark::State& st) {
    decode(st, false);
}
void BM_DecodeTraceOn(benchmark::State& st) {
    decode(st, true);
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

} // namespace

BENCHMARK(BM_DecodeTraceOff)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodeTraceOn)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScopeDisabled);
BENCHMARK(BM_ScopeEnabled);
BENCHMARK_MAIN();
