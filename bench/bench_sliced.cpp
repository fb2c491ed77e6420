// Google Benchmark of the MoBiSlice packed kernels against the engine's F16
// GEMV in the same run: GEMV at TinyLlama-1.1B shapes (every level of a
// nested and a residual 2,1,1,1 slicing, 1 and 2 threads) and whole-model
// decode of a TinyLlama-1.1B-shaped model (F16 vs every level, 2 threads),
// each sliced row with float and with int8 activations (SlicedKernelMode).
// Speed does not depend on the weight values, so the sliced matrices hold
// random planes and plausible random fp16 scales/mins (a valid sliced
// representation) instead of running the slow clipping quantization.
// Counters: GB/s of weight (plane + scale) traffic, bits per weight, and
// xF16 = F16 time / this time for the same shape and thread count.
// --paired_tokens=N then adds a paired decode (pairedDecode): every
// configuration decodes one token per round, rotated, so that the load of a
// shared machine hits all alike (--benchmark_filter=NONE runs it alone).
#include "core/Half.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "kernels/Q8Int8Gemv.h"
#include "model/RandomModel.h"
#include "model/Transformer.h"
#include "quant/SlicedKernels.h"
#include "quant/SlicedMatrix.h"
#include "quant/SlicedModel.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace mobi;

namespace {

ThreadPool& pool(int threads) {
    static std::map<int, std::unique_ptr<ThreadPool>> pools;
    auto& p = pools[threads];
    if (!p) p = std::make_unique<ThreadPool>(threads);
    return *p;
}

SliceConfig sliceConfig(SliceMode mode) {
    SliceConfig cfg; // 2,1,1,1, group 128
    cfg.mode = mode;
    return cfg;
}

Tensor randomBytes(const std::string& name, size_t n, std::mt19937_64& rng) {
    std::vector<uint8_t> b(n);
    for (size_t i = 0; i + 8 <= n; i += 8) {
        const uint64_t v = rng();
        for (int k = 0; k < 8; ++k)
            b[i + k] = static_cast<uint8_t>(v >> (8 * k));
    }
    return Tensor::fromBytes(name, DType::U8, {static_cast<int64_t>(n)}, std::move(b));
}

Tensor randomHalves(const std::string& name, size_t n, float lo, float hi, std::mt19937_64& rng) {
    std::uniform_real_distribution<float> U(lo, hi);
    std::vector<uint8_t> b(2 * n);
    for (size_t i = 0; i < n; ++i) {
        const uint16_t h = f32ToF16(U(rng));
        b[2 * i] = static_cast<uint8_t>(h & 0xff);
        b[2 * i + 1] = static_cast<uint8_t>(h >> 8);
    }
    return Tensor::fromBytes(name, DType::U8, {static_cast<int64_t>(2 * n)}, std::move(b));
}

// Random planes (padding bits cleared) and scales/mins of the size a 2,1,1,1
// slicing of N(0, 0.02) weights has.
SlicedMatrix randomSliced(int64_t rows, int64_t cols, const SliceConfig& cfg,
                          const std::string& name, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t wpr = (cols + 63) / 64, gpr = (cols + cfg.groupSize - 1) / cfg.groupSize;
    std::vector<Tensor> planes, scales, mins;
    for (int p = 0; p < cfg.totalBits(); ++p) {
        Tensor t = randomBytes(name, static_cast<size_t>(rows * wpr * 8), rng);
        if (cols % 64 != 0) {
            auto* w = static_cast<uint64_t*>(const_cast<void*>(t.data));
            for (int64_t r = 0; r < rows; ++r)
                w[r * wpr + wpr - 1] &= (uint64_t(1) << (cols % 64)) - 1;
        }
        planes.push_back(std::move(t));
    }
    const int nScaled = cfg.mode == SliceMode::Nested ? 1 : cfg.levels();
    for (int s = 0; s < nScaled; ++s) {
        const float shrink = static_cast<float>(1 << (cfg.bitsForLevel(s + 1) - cfg.sliceBits[0]));
        scales.push_back(randomHalves(name, static_cast<size_t>(rows * gpr), 0.015f / shrink,
                                      0.03f / shrink, rng));
        mins.push_back(randomHalves(name, static_cast<size_t>(rows * gpr), -0.06f / shrink,
                                    -0.03f / shrink, rng));
    }
    return SlicedMatrix::fromTensors(cfg, rows, cols, planes, scales, mins, name);
}

struct Case {
    Tensor f16;
    std::map<SliceMode, SlicedMatrix> sliced;
    std::vector<float> x;
};

Case& getCase(int64_t rows, int64_t cols) {
    static std::map<std::pair<int64_t, int64_t>, std::unique_ptr<Case>> cache;
    auto& slot = cache[{rows, cols}];
    if (slot) return *slot;
    slot = std::make_unique<Case>();
    Case& c = *slot;
    std::mt19937_64 rng(static_cast<uint64_t>(rows * 31 + cols));
    std::normal_distribution<float> N(0.0f, 0.02f);
    std::vector<uint8_t> bytes(static_cast<size_t>(rows * cols) * 2);
    for (size_t i = 0; i < bytes.size(); i += 2) {
        const uint16_t h = f32ToF16(N(rng));
        bytes[i] = static_cast<uint8_t>(h & 0xff);
        bytes[i + 1] = static_cast<uint8_t>(h >> 8);
    }
    c.f16 = Tensor::fromBytes("w", DType::F16, {rows, cols}, std::move(bytes));
    for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual})
        c.sliced.emplace(mode, randomSliced(rows, cols, sliceConfig(mode), "w", rng()));
    std::normal_distribution<float> X(0.0f, 1.0f);
    c.x.resize(static_cast<size_t>(cols));
    for (auto& v : c.x)
        v = X(rng);
    return c;
}

// The ISA whose int8 kernel runs for `isa` on matrices sliced with cfg.
KernelIsa int8PathRun(KernelIsa isa, const SliceConfig& cfg) {
    const std::vector<float> w(16 * 256, 0.25f);
    return slicedInt8KernelIsa(isa, SlicedMatrix::quantize(w.data(), 16, 256, cfg));
}

void BM_F16Gemv(benchmark::State& st, int64_t rows, int64_t cols, int threads) {
    Case& c = getCase(rows, cols);
    const WeightView v = weightView(c.f16);
    std::vector<float> y(static_cast<size_t>(rows));
    const KernelIsa isa = bestKernelIsa();
    for (auto _ : st) {
        matmul(pool(threads), v, c.x.data(), 1, y.data(), isa);
        benchmark::DoNotOptimize(y.data());
    }
    st.counters["GB/s"] = benchmark::Counter(static_cast<double>(c.f16.nbytes),
                                             benchmark::Counter::kIsIterationInvariantRate);
    st.counters["bits"] = 16;
    st.SetLabel(kernelIsaName(isa));
}

void BM_SlicedGemv(benchmark::State& st, int64_t rows, int64_t cols, int threads, SliceMode mode,
                   int level, KernelIsa isa, SlicedKernelMode act) {
    Case& c = getCase(rows, cols);
    const SlicedMatrix& m = c.sliced.at(mode);
    std::vector<float> y(static_cast<size_t>(rows));
    for (auto _ : st) {
        slicedMatmul(pool(threads), m, level, c.x.data(), 1, y.data(), isa, act);
        benchmark::DoNotOptimize(y.data());
    }
    st.counters["GB/s"] = benchmark::Counter(static_cast<double>(m.levelBytes(level)),
                                             benchmark::Counter::kIsIterationInvariantRate);
    st.counters["bits"] = m.effectiveBits(level);
    // The path that ran: an int8 request falls back to the scalar reference
    // where the CPU (or the group size) does not allow the SIMD kernel.
    st.SetLabel(act == SlicedKernelMode::Int8Act
                    ? std::string(kernelIsaName(slicedInt8KernelIsa(isa, m))) + "-int8"
                    : std::string(kernelIsaName(isa)));
}

// TinyLlama-1.1B-shaped F16 random model and the same model with random
// nested 2,1,1,1 slices of every block linear.
struct Models {
    Model f16, sliced;
    Model slicedQ8; // sliced, classifier (and tied embeddings) in Q8_0; built on first use
};

Models& models() {
    static std::unique_ptr<Models> m;
    if (m) return *m;
    m = std::make_unique<Models>();
    const ModelShape& shape = findModelShape("tinyllama-1.1b");
    m->f16 = makeRandomModel(shape, nullptr, 1, DType::F16, 2);
    m->sliced = m->f16;
    auto sm = std::make_shared<SlicedModel>();
    sm->config = sliceConfig(SliceMode::Nested);
    uint64_t seed = 7;
    for (const LayerWeights& L : m->f16.weights.layers) {
        SlicedLayer S;
        auto mk = [&](const Tensor& t) {
            return randomSliced(t.rows(), t.cols(), sm->config, t.name, seed++);
        };
        S.wq = mk(L.wq);
        S.wk = mk(L.wk);
        S.wv = mk(L.wv);
        S.wo = mk(L.wo);
        S.wGate = mk(L.wGate);
        S.wUp = mk(L.wUp);
        S.wDown = mk(L.wDown);
        sm->layers.push_back(std::move(S));
    }
    m->sliced.sliced = sm;
    return *m;
}

// The sliced model with its classifier quantized to Q8_0 in memory (the F16
// baseline stays all F16).
const Model& slicedQ8Model() {
    Models& m = models();
    if (m.slicedQ8.sliced) return m.slicedQ8;
    m.slicedQ8 = m.sliced;
    ModelWeights& w = m.slicedQ8.weights;
    if (w.output.empty())
        w.tokEmbeddings = quantizeTensorQ8_0(w.tokEmbeddings);
    else
        w.output = quantizeTensorQ8_0(w.output);
    return m.slicedQ8;
}

// The classifier alone (32000 x 2048 of the random TinyLlama): kind 0 the
// F16 matrix (engine GEMV), 1 its Q8_0 copy with float activations (engine
// GEMV), 2 the Q8_0 copy with int8 activations (Q8Int8Gemv, quantizing x
// every call as the decode does).
void BM_ClassifierGemv(benchmark::State& st, int kind, int threads) {
    const Tensor& w =
        kind == 0 ? models().f16.weights.classifier() : slicedQ8Model().weights.classifier();
    const WeightView v = weightView(w);
    std::vector<float> x(static_cast<size_t>(v.cols)), y(static_cast<size_t>(v.rows));
    std::mt19937_64 rng(5);
    std::normal_distribution<float> N(0.0f, 1.0f);
    for (auto& e : x)
        e = N(rng);
    const KernelIsa isa = bestKernelIsa();
    Q8Int8Input in;
    for (auto _ : st) {
        if (kind == 2) {
            quantizeQ8Int8Input(x.data(), v.cols, in);
            q8Int8Matmul(pool(threads), v, &in, 1, y.data(), v.rows, isa);
        } else {
            matmul(pool(threads), v, x.data(), 1, y.data(), isa);
        }
        benchmark::DoNotOptimize(y.data());
    }
    st.counters["GB/s"] = benchmark::Counter(static_cast<double>(w.nbytes),
                                             benchmark::Counter::kIsIterationInvariantRate);
    st.counters["bits"] = kind == 0 ? 16.0 : 8.5;
    // q8Int8Matmul runs its VNNI kernel only with AVX-512 VNNI, else the scalar one.
    st.SetLabel(kind != 2                                             ? kernelIsaName(isa)
                : isa == KernelIsa::Avx512 && q8Int8Avx512Supported() ? "avx512-vnni"
                                                                      : "scalar-int8");
}

constexpr int kDecodeContext = 128;

// One decoded token per iteration; positions wrap within kDecodeContext so
// the attention cost stays that of a short context.
void runDecode(benchmark::State& st, Transformer& t) {
    int pos = 0, tok = 1;
    for (auto _ : st) {
        const std::vector<float>& logits = t.forward(&tok, 1, pos);
        benchmark::DoNotOptimize(logits.data());
        tok = (tok * 7 + 3) % 32000;
        pos = (pos + 1) % kDecodeContext;
    }
    st.counters["tok/s"] =
        benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_DecodeF16(benchmark::State& st, int threads) {
    const Model& m = models().f16;
    Transformer t(m, threads, kDecodeContext);
    runDecode(st, t);
    uint64_t bytes = 0;
    for (const LayerWeights& L : m.weights.layers)
        for (const Tensor* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown})
            bytes += w->nbytes;
    st.counters["GB/s"] = benchmark::Counter(static_cast<double>(bytes),
                                             benchmark::Counter::kIsIterationInvariantRate);
    st.counters["bits"] = 16;
}

void BM_DecodeSliced(benchmark::State& st, int threads, int level, SlicedKernelMode act) {
    const Model& m = models().sliced;
    Transformer t(m, threads, kDecodeContext);
    t.setLevel(level);
    t.setSlicedKernelMode(act);
    runDecode(st, t);
    st.counters["GB/s"] = benchmark::Counter(static_cast<double>(m.sliced->levelBytes(level)),
                                             benchmark::Counter::kIsIterationInvariantRate);
    st.counters["bits"] = m.sliced->effectiveBits(level);
}

// Names are "<kind>/<key>[/...]"; the F16 run of a key is its reference.
std::string keyOf(const std::string& name) {
    const size_t a = name.find('/');
    if (a == std::string::npos) return "";
    const size_t b = name.find('/', a + 1);
    const size_t c = b == std::string::npos ? b : name.find('/', b + 1);
    return name.substr(a + 1, c == std::string::npos ? std::string::npos : c - a - 1);
}

// Prints every run as usual, then (Finalize) a summary with xF16 = F16 time /
// this time for the same shape and thread count, computed after the whole run
// so that --benchmark_enable_random_interleaving (repetitions spread over the
// run, so that bandwidth drift hits all alike) can reorder the reports. With
// --benchmark_repetitions the summary uses medians.
class RatioReporter : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type == Run::RT_Aggregate && !median) continue;
            const std::string name = r.run_name.function_name;
            Row& row = rows_[name];
            if (row.median && !median) continue;
            row.median = median;
            row.unit = r.time_unit;
            row.time = r.GetAdjustedRealTime();
            row.bits = r.counters.count("bits") ? double(r.counters.at("bits")) : 0.0;
            row.gbs = r.counters.count("GB/s") ? double(r.counters.at("GB/s")) : 0.0;
            if (std::find(order_.begin(), order_.end(), name) == order_.end())
                order_.push_back(name);
        }
        ConsoleReporter::ReportRuns(runs);
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        std::printf("\nSummary (xF16 = F16 time / time, same shape and threads)\n");
        std::printf("%-58s %10s %6s %8s %7s\n", "benchmark", "time", "bits", "GB/s", "xF16");
        // Sorted by name: the kinds, shapes and levels in order whatever the
        // (interleaved) run order was.
        std::sort(order_.begin(), order_.end());
        for (const std::string& name : order_) {
            const Row& row = rows_.at(name);
            double f16 = 0.0;
            for (const auto& [other, o] : rows_)
                if ((other.rfind("F16", 0) == 0 || other.rfind("DecodeF16", 0) == 0) &&
                    keyOf(other) == keyOf(name) && o.unit == row.unit)
                    f16 = o.time;
            std::printf("%-58s %7.1f %-2s %6.2f %8.2f %7.2f\n", name.c_str(), row.time,
                        benchmark::GetTimeUnitString(row.unit), row.bits, row.gbs / 1e9,
                        f16 > 0 && row.time > 0 ? f16 / row.time : 0.0);
        }
    }

  private:
    struct Row {
        bool median = false;
        double time = 0, bits = 0, gbs = 0;
        benchmark::TimeUnit unit = benchmark::kMicrosecond;
    };
    std::map<std::string, Row> rows_;
    std::vector<std::string> order_;
};

std::string bitsName(int level) {
    return "level" + std::to_string(level) + "(" + std::to_string(level + 1) + "bit)";
}

// Paired decode (--paired_tokens=N): one Transformer per configuration (F16,
// every level with float and with int8 activations, and with int8 activations
// plus a Q8_0 classifier), and N rounds in which
// each decodes one token, in an order rotated every round, timed one by one.
// Load drift on a shared machine then hits all configurations alike; xF16 is
// the median over rounds of (F16 time / this time) within the round.
void pairedDecode(int rounds, int threads) {
    struct Config {
        std::string name;
        std::unique_ptr<Transformer> t;
        std::vector<double> ms;
        double bits = 16;
        uint64_t bytes = 0;
    };
    std::vector<Config> cs;
    {
        Config c;
        c.name = "F16";
        c.t = std::make_unique<Transformer>(models().f16, threads, kDecodeContext);
        for (const LayerWeights& L : models().f16.weights.layers)
            for (const Tensor* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown})
                c.bytes += w->nbytes;
        cs.push_back(std::move(c));
    }
    const Model& sm = models().sliced;
    for (SlicedKernelMode act : {SlicedKernelMode::Float, SlicedKernelMode::Int8Act})
        for (int k = 1; k <= sm.sliced->levels(); ++k) {
            Config c;
            c.name = std::string(slicedKernelModeName(act)) + " " + bitsName(k);
            c.t = std::make_unique<Transformer>(sm, threads, kDecodeContext);
            c.t->setLevel(k);
            c.t->setSlicedKernelMode(act);
            c.bits = sm.sliced->effectiveBits(k);
            c.bytes = sm.sliced->levelBytes(k);
            cs.push_back(std::move(c));
        }
    // Int8 activations with the Q8_0 classifier (Q8Int8Gemv) as well.
    const Model& q8 = slicedQ8Model();
    for (int k = 1; k <= q8.sliced->levels(); ++k) {
        Config c;
        c.name = "int8+Q8cls " + bitsName(k);
        c.t = std::make_unique<Transformer>(q8, threads, kDecodeContext);
        c.t->setLevel(k);
        c.t->setSlicedKernelMode(SlicedKernelMode::Int8Act);
        c.bits = q8.sliced->effectiveBits(k);
        c.bytes = q8.sliced->levelBytes(k);
        cs.push_back(std::move(c));
    }
    const size_t n = cs.size();
    int tok = 1;
    for (int r = -2; r < rounds; ++r) { // two warm-up rounds
        const int pos = (r + 2) % kDecodeContext;
        for (size_t i = 0; i < n; ++i) {
            Config& c = cs[(i + static_cast<size_t>(r + 2)) % n];
            const auto t0 = std::chrono::steady_clock::now();
            const std::vector<float>& logits = c.t->forward(&tok, 1, pos);
            benchmark::DoNotOptimize(logits.data());
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count();
            if (r >= 0) c.ms.push_back(ms);
        }
        tok = (tok * 7 + 3) % 32000;
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v[v.size() / 2];
    };
    std::printf("\nPaired decode, tinyllama-1.1b, %d threads, %d rounds (medians)\n", threads,
                rounds);
    std::printf("%-30s %9s %8s %6s %9s %7s\n", "config", "ms/token", "tok/s", "bits", "GB/s",
                "xF16");
    for (Config& c : cs) {
        std::vector<double> ratio;
        for (size_t r = 0; r < c.ms.size(); ++r)
            ratio.push_back(cs[0].ms[r] / c.ms[r]);
        const double ms = median(c.ms);
        std::printf("%-30s %9.2f %8.2f %6.2f %9.2f %7.2f\n", c.name.c_str(), ms, 1e3 / ms, c.bits,
                    static_cast<double>(c.bytes) / ms / 1e6, median(ratio));
    }
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    int pairedRounds = 0;
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--paired_tokens=", 16) == 0)
            pairedRounds = std::atoi(argv[i] + 16);
    const std::pair<int64_t, int64_t> shapes[] = {{2048, 2048}, {5632, 2048}};
    for (int threads : {1, 2})
        for (auto [rows, cols] : shapes) {
            const std::string key =
                std::to_string(rows) + "x" + std::to_string(cols) + "/t" + std::to_string(threads);
            benchmark::RegisterBenchmark(("F16Gemv/" + key).c_str(), BM_F16Gemv, rows, cols,
                                         threads)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
            for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual})
                for (KernelIsa isa : availableKernelIsas())
                    for (SlicedKernelMode act :
                         {SlicedKernelMode::Float, SlicedKernelMode::Int8Act}) {
                        if (isa == KernelIsa::Scalar) continue;
                        if (isa != bestKernelIsa() && mode != SliceMode::Nested) continue;
                        // Named by the path that runs, not the one asked for.
                        const std::string kernel =
                            act == SlicedKernelMode::Int8Act
                                ? std::string(kernelIsaName(int8PathRun(isa, sliceConfig(mode)))) +
                                      "-int8"
                                : std::string(kernelIsaName(isa));
                        for (int k = 1; k <= 4; ++k)
                            benchmark::RegisterBenchmark(
                                ("SlicedGemv/" + key + "/" + sliceModeName(mode) + "/" + kernel +
                                 "/" + bitsName(k))
                                    .c_str(),
                                BM_SlicedGemv, rows, cols, threads, mode, k, isa, act)
                                ->Unit(benchmark::kMicrosecond)
                                ->UseRealTime();
                    }
        }
    for (int threads : {1, 2}) {
        const std::string key = "32000x2048/t" + std::to_string(threads);
        const char* names[] = {"F16Gemv/", "Q8Gemv/", "Q8Gemv/"};
        const char* tails[] = {"", "/float", "/int8"};
        for (int kind = 0; kind < 3; ++kind)
            benchmark::RegisterBenchmark((names[kind] + key + tails[kind]).c_str(),
                                         BM_ClassifierGemv, kind, threads)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
    }
    const int threads = 2;
    const std::string key = "tinyllama-1.1b/t" + std::to_string(threads);
    benchmark::RegisterBenchmark(("DecodeF16/" + key).c_str(), BM_DecodeF16, threads)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(2.0);
    for (SlicedKernelMode act : {SlicedKernelMode::Float, SlicedKernelMode::Int8Act})
        for (int k = 1; k <= 4; ++k)
            benchmark::RegisterBenchmark(
                ("DecodeSliced/" + key + "/nested/" + slicedKernelModeName(act) + "/" + bitsName(k))
                    .c_str(),
                BM_DecodeSliced, threads, k, act)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime()
                ->MinTime(2.0);
    RatioReporter rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    if (pairedRounds > 0) pairedDecode(pairedRounds, threads);
    benchmark::Shutdown();
    return 0;
}
