// Google Benchmark of MoBiRoute decode: one token at a time through a
// random LLaMA-shaped model (dim 1024, FFN 2816, 12 blocks, vocab 512, so a
// decode step is dominated by the sliced block linears, and even level 1
// (~42 MB) does not fit a 32 MB L3), sliced with the default SliceConfig
// (nested 2,1,1,1: levels of 2, 3, 4, 5 bits; short clipping search) and given
// routers calibrated on its own block errors (few epochs: router quality does
// not matter for speed, only the router's shape and thresholds from a real
// budget table). Runs, in the same process and with the same thread count:
//   Decode/uniform/levelK  every uniform level,
//   Decode/routed/bB       RouterPolicy (global allocation) at budget B,
//   Paired/bB              routed at B and every uniform level interleaved
//                          token by token (robust to a drifting machine),
//   RouterForward          one router's forward on one token,
//   BlockLinears/levelK    the seven sliced linears of one block on one token.
// Counter `bits`: the average bits of the decode steps' (token, block) level
// decisions (RoutingStats). At the end a summary compares each routed budget
// with the uniform decode at the same average bits (linear interpolation in
// bits between the two bracketing uniform levels of this run): the issue's
// target is routed / uniform <= 1.10. With --benchmark_repetitions the
// summary uses medians.
#include "core/ThreadPool.h"
#include "model/RandomModel.h"
#include "model/Transformer.h"
#include "quant/SlicedKernels.h"
#include "quant/SlicedModel.h"
#include "route/BlockErrors.h"
#include "route/RouterCalibration.h"
#include "route/RouterPolicy.h"
#include "route/RoutingStats.h"
#include "slicing/ModelSlicing.h"

#include "MedianReporter.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace mobi;

namespace {

constexpr int kThreads = 2;       // CI's cores
constexpr int kContext = 128;     // KV cache; decode runs from kPrefill to here
constexpr int kPrefill = 16;      // re-run (untimed) whenever the context is full
constexpr int kCalibTokens = 512; // block errors / router inputs
const double kBudgets[] = {2.5, 3.0, 3.5, 4.0, 4.5};

uint64_t nextRand(uint64_t& s) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return s;
}

struct Setup {
    Model sliced; // random F16 model with model.sliced and model.routers set
    std::shared_ptr<const RouterSet> routers;
    std::vector<int> levelBits;
    std::vector<float> routerInput; // one calibration router input (dim floats)
    double sliceSeconds = 0, calibSeconds = 0, meanRank = 0;
};

double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Setup& setup() {
    static std::unique_ptr<Setup> s;
    if (s) return *s;
    s = std::make_unique<Setup>();
    ModelShape shape;
    shape.name = "routed-bench";
    ModelConfig& c = shape.config;
    c.dim = 1024;
    c.hiddenDim = 2816;
    c.nLayers = 12;
    c.nHeads = 8;
    c.nKvHeads = 8;
    c.headDim = c.dim / c.nHeads;
    c.vocabSize = 512;
    c.seqLen = kContext;
    Model dense = makeRandomModel(shape, nullptr, 1, DType::F16, kThreads);

    double t0 = seconds();
    ThreadPool pool(kThreads);
    // Nested 2,1,1,1, group 128; a shorter clipping search (the values do not
    // change the speed) keeps the setup short.
    SliceConfig cfg;
    cfg.clipSteps = 4;
    auto sm = std::make_shared<SlicedModel>(sliceModel(dense, cfg, nullptr, pool));
    s->sliceSeconds = seconds() - t0;
    for (int k = 1; k <= cfg.levels(); ++k)
        s->levelBits.push_back(cfg.bitsForLevel(k));
    s->sliced = dense;
    s->sliced.sliced = sm;

    t0 = seconds();
    std::vector<int> tokens(kCalibTokens);
    uint64_t r = 12345;
    for (int& t : tokens)
        t = static_cast<int>(nextRand(r) % static_cast<uint64_t>(c.vocabSize));
    BlockErrorOptions eo;
    eo.ctx = kContext;
    eo.threads = kThreads;
    eo.keepRouterInputs = true;
    const BlockErrors e = measureBlockErrors(dense, s->sliced, tokens, eo);
    RouterCalibrationOptions ro;
    ro.train.epochs = 10;
    ro.threads = kThreads;
    RouterCalibrationReport report;
    auto routers = std::make_shared<RouterSet>(calibrateRouters(e, s->levelBits, ro, &report));
    s->calibSeconds = seconds() - t0;
    for (double rc : report.rankCorrelation)
        s->meanRank += rc / static_cast<double>(report.rankCorrelation.size());
    s->routerInput.assign(e.routerInput.begin() + c.dim, e.routerInput.begin() + 2 * c.dim);
    s->routers = routers;
    s->sliced.routers = routers;
    return *s;
}

// One decoded token per iteration at a growing position; when the context is
// full the prompt is prefilled again outside the timing. Only single-token
// route events are counted, so `bits` is what the decode steps used.
void runDecode(benchmark::State& st, Transformer& t) {
    const Setup& s = setup();
    const int vocab = s.sliced.config.vocabSize;
    RoutingStats stats(s.levelBits, s.sliced.config.nLayers);
    t.setObserver([&](const LayerEvent& e) {
        if (e.nTokens == 1) stats.observe(e);
    });
    uint64_t r = 99;
    std::vector<int> prompt(kPrefill);
    for (int& id : prompt)
        id = static_cast<int>(nextRand(r) % static_cast<uint64_t>(vocab));
    t.forward(prompt.data(), kPrefill, 0);
    int pos = kPrefill;
    for (auto _ : st) {
        if (pos == kContext) {
            st.PauseTiming();
            t.forward(prompt.data(), kPrefill, 0);
            pos = kPrefill;
            st.ResumeTiming();
        }
        const int tok = static_cast<int>(nextRand(r) % static_cast<uint64_t>(vocab));
        const std::vector<float>& logits = t.forward(&tok, 1, pos++);
        benchmark::DoNotOptimize(logits.data());
    }
    t.setObserver({});
    st.counters["bits"] = stats.averageBits();
    st.counters["tok/s"] =
        benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_DecodeUniform(benchmark::State& st, int level) {
    Transformer t(setup().sliced, kThreads, kContext);
    t.setLevel(level);
    runDecode(st, t);
}

// Piecewise linear through (bits[i], ms[i]) (bits increasing); 0 outside.
double interpolate(const std::vector<double>& bits, const std::vector<double>& ms, double b) {
    for (size_t i = 0; i + 1 < bits.size(); ++i)
        if (b >= bits[i] - 1e-9 && b <= bits[i + 1] + 1e-9) {
            const double w = (b - bits[i]) / (bits[i + 1] - bits[i]);
            return ms[i] + w * (ms[i + 1] - ms[i]);
        }
    return 0.0;
}

// Routed at `budget` and every uniform level, interleaved token by token (the
// order rotating every iteration), each decoder timed on its own: on a shared
// machine whose speed drifts, load and bandwidth changes hit all alike, and
// no decoder keeps the weights in cache for itself. Counters: ms per token of
// the routed decoder and of the uniform decode interpolated at its achieved
// bits, and their ratio.
void BM_Paired(benchmark::State& st, double budget) {
    const Setup& s = setup();
    const int K = static_cast<int>(s.levelBits.size());
    const int vocab = s.sliced.config.vocabSize;
    struct Decoder {
        std::unique_ptr<Transformer> t;
        int pos = kContext;
        double seconds = 0;
    };
    std::vector<Decoder> d(size_t(K + 1));
    RoutingStats stats(s.levelBits, s.sliced.config.nLayers);
    for (int i = 0; i <= K; ++i) {
        d[size_t(i)].t = std::make_unique<Transformer>(s.sliced, kThreads, kContext);
        if (i < K)
            d[size_t(i)].t->setLevel(i + 1);
        else {
            d[size_t(i)].t->setLevelPolicy(
                std::make_shared<RouterPolicy>(s.routers, budget, BudgetAllocation::Global));
            d[size_t(i)].t->setObserver([&](const LayerEvent& e) {
                if (e.nTokens == 1) stats.observe(e);
            });
        }
    }
    uint64_t r = 99;
    std::vector<int> prompt(kPrefill);
    for (int& id : prompt)
        id = static_cast<int>(nextRand(r) % static_cast<uint64_t>(vocab));
    int64_t iter = 0;
    for (auto _ : st) {
        for (int j = 0; j <= K; ++j) {
            Decoder& dec = d[size_t((iter + j) % (K + 1))];
            if (dec.pos == kContext) {
                dec.t->forward(prompt.data(), kPrefill, 0);
                dec.pos = kPrefill;
            }
            const int tok = static_cast<int>(nextRand(r) % static_cast<uint64_t>(vocab));
            const double t0 = seconds();
            const std::vector<float>& logits = dec.t->forward(&tok, 1, dec.pos++);
            benchmark::DoNotOptimize(logits.data());
            dec.seconds += seconds() - t0;
        }
        ++iter;
    }
    const double n = static_cast<double>(std::max<int64_t>(iter, 1));
    std::vector<double> bits, ms;
    for (int k = 1; k <= K; ++k) {
        bits.push_back(s.levelBits[size_t(k - 1)]);
        ms.push_back(d[size_t(k - 1)].seconds * 1e3 / n);
        std::string name = "u";
        name += std::to_string(k);
        name += "_ms";
        st.counters[name] = ms.back();
    }
    const double routed = d[size_t(K)].seconds * 1e3 / n;
    const double uniform = interpolate(bits, ms, stats.averageBits());
    // What the routed decode would cost if each (token, block) took exactly
    // the uniform time of its level: the level mix alone, no routing overhead.
    double mix = 0;
    for (int k = 1; k <= K; ++k)
        mix += ms[size_t(k - 1)] * static_cast<double>(stats.levelCount(k)) /
               static_cast<double>(std::max<int64_t>(stats.decisions(), 1));
    st.counters["mix_ms"] = mix;
    st.counters["bits"] = stats.averageBits();
    st.counters["routed_ms"] = routed;
    st.counters["uniform_ms"] = uniform;
    st.counters["ratio"] = uniform > 0 ? routed / uniform : 0.0;
}

void BM_DecodeRouted(benchmark::State& st, double budget) {
    const Setup& s = setup();
    Transformer t(s.sliced, kThreads, kContext);
    t.setLevelPolicy(std::make_shared<RouterPolicy>(s.routers, budget, BudgetAllocation::Global));
    runDecode(st, t);
}

// What RouterPolicy::choose adds per token and block: the router's forward.
void BM_RouterForward(benchmark::State& st) {
    const Setup& s = setup();
    const RouterMlp& m = s.routers->routers.front();
    std::vector<float> logits(static_cast<size_t>(m.out));
    for (auto _ : st) {
        m.forward(s.routerInput.data(), 1, logits.data());
        benchmark::DoNotOptimize(logits.data());
    }
    st.counters["hidden"] = m.hidden;
}

// Moving the budget slider: RouterPolicy::setBudget looks up every router's
// threshold in the calibrated tables (no recalibration).
void BM_SetBudget(benchmark::State& st) {
    const Setup& s = setup();
    RouterPolicy policy(s.routers, 3.0, BudgetAllocation::Global);
    double b = 2.0;
    for (auto _ : st) {
        b += 0.0137;
        if (b > 5.0) b -= 3.0;
        policy.setBudget(b, (int(b * 100) & 1) ? BudgetAllocation::Global
                                               : BudgetAllocation::PerLayer);
        benchmark::DoNotOptimize(policy.thresholds().data());
    }
    st.counters["routers"] = static_cast<double>(s.routers->routers.size());
}

// The seven sliced linears of one block at one level on one token (what a
// decode step runs per block), cycling over the blocks so that, as in a
// decode step, the weights are not in cache from the previous iteration.
void BM_BlockLinears(benchmark::State& st, int level) {
    const Setup& s = setup();
    const ModelConfig& c = s.sliced.config;
    static ThreadPool pool(kThreads);
    std::vector<float> x(static_cast<size_t>(std::max(c.dim, c.hiddenDim)), 0.1f);
    std::vector<float> q(size_t(c.qDim())), k(size_t(c.kvDim())), v(size_t(c.kvDim()));
    std::vector<float> o(size_t(c.dim)), g(size_t(c.hiddenDim)), u(size_t(c.hiddenDim));
    std::vector<float> d(size_t(c.dim));
    size_t l = 0;
    for (auto _ : st) {
        const SlicedLayer& S = s.sliced.sliced->layers[l];
        l = (l + 1) % s.sliced.sliced->layers.size();
        const SlicedJob qkv[3] = {{&S.wq, level, q.data(), c.qDim()},
                                  {&S.wk, level, k.data(), c.kvDim()},
                                  {&S.wv, level, v.data(), c.kvDim()}};
        slicedMatmulGroup(pool, qkv, 3, x.data(), c.dim, 1);
        const SlicedJob wo{&S.wo, level, o.data(), c.dim};
        slicedMatmulGroup(pool, &wo, 1, x.data(), c.qDim(), 1);
        const SlicedJob gu[2] = {{&S.wGate, level, g.data(), c.hiddenDim},
                                 {&S.wUp, level, u.data(), c.hiddenDim}};
        slicedMatmulGroup(pool, gu, 2, x.data(), c.dim, 1);
        const SlicedJob dn{&S.wDown, level, d.data(), c.dim};
        slicedMatmulGroup(pool, &dn, 1, x.data(), c.hiddenDim, 1);
        benchmark::DoNotOptimize(d.data());
    }
    st.counters["bits"] = s.levelBits[size_t(level - 1)];
}

std::string uniformName(int level, int bits) {
    return "Decode/uniform/level" + std::to_string(level) + "(" + std::to_string(bits) + "bit)";
}

std::string budgetText(double b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", b);
    return buf;
}

// Prints every run as usual, then (Finalize, after the whole run, so that
// --benchmark_enable_random_interleaving may reorder reports) the routed vs
// uniform summary and the router's cost. Times in ms.
class RoutedReporter : public MedianReporter {
  public:
    void Finalize() override {
        ConsoleReporter::Finalize();
        const Setup& s = setup();
        const int K = static_cast<int>(s.levelBits.size());
        std::vector<double> ubits, ums;
        for (int k = 1; k <= K; ++k) {
            const Row* u = find(uniformName(k, s.levelBits[size_t(k - 1)]));
            if (!u) continue;
            ubits.push_back(u->counter("bits"));
            ums.push_back(u->ms());
        }
        std::printf(
            "\nSeparate runs: routed vs uniform decode (%d threads, %d blocks, dim %d, FFN %d; "
            "uniform interpolated linearly in bits between the bracketing levels)\n",
            kThreads, s.sliced.config.nLayers, s.sliced.config.dim, s.sliced.config.hiddenDim);
        std::printf("%-7s %9s %12s %13s %7s %7s\n", "budget", "achieved", "routed ms/tok",
                    "uniform ms/tok", "ratio", "<=1.10");
        for (double b : kBudgets) {
            const Row* it = find("Decode/routed/b" + budgetText(b));
            if (!it) continue;
            const double bits = it->counter("bits"), routed = it->ms();
            const double uniform = interpolate(ubits, ums, bits);
            const double ratio = uniform > 0 ? routed / uniform : 0.0;
            std::printf("%-7.2f %9.3f %12.3f %13.3f %7.3f %7s\n", b, bits, routed, uniform, ratio,
                        uniform <= 0    ? "n/a"
                        : ratio <= 1.10 ? "yes"
                                        : "NO");
        }
        std::printf("\nPaired: routed and every uniform level interleaved token by token "
                    "(the table to trust on a loaded machine); mix = the uniform times of the "
                    "levels routing chose, weighted by how often (routed / mix = routing "
                    "overhead)\n");
        std::printf("%-7s %9s %12s %13s %7s %7s %11s %10s\n", "budget", "achieved", "routed ms/tok",
                    "uniform ms/tok", "ratio", "<=1.10", "mix ms/tok", "routed/mix");
        for (double b : kBudgets) {
            const Row* p = find("Paired/b" + budgetText(b));
            if (!p) continue;
            const double routed = p->counter("routed_ms"), uniform = p->counter("uniform_ms");
            const double mix = p->counter("mix_ms");
            const double ratio = uniform > 0 ? routed / uniform : 0.0;
            const char* ok = uniform <= 0 ? "n/a" : ratio <= 1.10 ? "yes" : "NO";
            std::printf("%-7.2f %9.3f %12.3f %13.3f %7.3f %7s %11.3f %10.3f\n", b,
                        p->counter("bits"), routed, uniform, ratio, ok, mix,
                        mix > 0 ? routed / mix : 0.0);
        }
        const Row* budget = find("SetBudget");
        if (budget)
            std::printf("\nChanging the budget (RouterPolicy::setBudget, table lookups for all "
                        "routers): %.3f us = %.6f ms\n",
                        budget->ms() * 1e3, budget->ms());
        const Row* router = find("RouterForward");
        if (!router) return;
        const double rUs = router->ms() * 1e3;
        std::printf("\nRouter cost per token and block: RouterMlp::forward %.2f us "
                    "(in %d, hidden %d, out %d)\n",
                    rUs, s.routers->routers.front().in, s.routers->routers.front().hidden,
                    s.routers->routers.front().out);
        std::printf("%-7s %16s %14s\n", "level", "block linears us", "router/block");
        for (int k = 1; k <= K; ++k) {
            const Row* it = find("BlockLinears/level" + std::to_string(k) + "(" +
                                 std::to_string(s.levelBits[size_t(k - 1)]) + "bit)");
            if (!it) continue;
            const double bUs = it->ms() * 1e3;
            std::printf("%-7d %16.1f %14.4f\n", k, bUs, bUs > 0 ? rUs / bUs : 0.0);
        }
    }
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    {
        const Setup& s = setup();
        std::printf("setup: slicing %.1f s, block errors + router calibration %.1f s (%d tokens, "
                    "10 epochs, mean rank correlation %.3f)\n",
                    s.sliceSeconds, s.calibSeconds, kCalibTokens, s.meanRank);
        for (double b : kBudgets) {
            const std::vector<float> thr = s.routers->thresholds(b, BudgetAllocation::Global);
            std::printf("  budget %.1f: threshold %.4g\n", b, thr.front());
        }
    }
    const Setup& s = setup();
    for (int k = 1; k <= static_cast<int>(s.levelBits.size()); ++k)
        benchmark::RegisterBenchmark(uniformName(k, s.levelBits[size_t(k - 1)]).c_str(),
                                     BM_DecodeUniform, k)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->MinTime(1.0);
    for (double b : kBudgets)
        benchmark::RegisterBenchmark(("Decode/routed/b" + budgetText(b)).c_str(), BM_DecodeRouted,
                                     b)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->MinTime(1.0);
    for (double b : kBudgets)
        benchmark::RegisterBenchmark(("Paired/b" + budgetText(b)).c_str(), BM_Paired, b)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->MinTime(2.0);
    benchmark::RegisterBenchmark("SetBudget", BM_SetBudget)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("RouterForward", BM_RouterForward)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    for (int k = 1; k <= static_cast<int>(s.levelBits.size()); ++k)
        benchmark::RegisterBenchmark(("BlockLinears/level" + std::to_string(k) + "(" +
                                      std::to_string(s.levelBits[size_t(k - 1)]) + "bit)")
                                         .c_str(),
                                     BM_BlockLinears, k)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
    RoutedReporter rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    benchmark::Shutdown();
    return 0;
}
