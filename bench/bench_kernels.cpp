// Google Benchmark of the CPU matmul kernels at TinyLlama-1.1B shapes and of
// the whole forward pass on a TinyLlama-shaped random F16 model, with the
// machine's streaming read bandwidth measured in the same run.
#include "core/Half.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "kernels/MemoryBandwidth.h"
#include "model/Model.h"
#include "model/Transformer.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

using namespace mobi;

namespace {

const DType kTypes[] = {DType::F32, DType::F16, DType::BF16, DType::Q8_0};

double bandwidthGBs(int threads) {
    static std::map<int, double> cache;
    auto it = cache.find(threads);
    if (it != cache.end()) return it->second;
    const double gbs = measureStreamingReadGBs(threads);
    cache[threads] = gbs;
    return gbs;
}

uint64_t nextRand(uint64_t& s) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return s;
}

// Random weights of std ~0.02 in the given dtype.
Tensor randomMatrix(const std::string& name, DType dt, int64_t rows, int64_t cols, uint64_t seed) {
    uint64_t bytes = 0;
    dtypeBytesChecked(dt, static_cast<uint64_t>(rows * cols), bytes);
    std::vector<uint8_t> buf(bytes);
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    if (dt == DType::Q8_0) {
        for (size_t b = 0; b < bytes; b += 34) {
            const uint16_t d = f32ToF16(0.0003f);
            std::memcpy(&buf[b], &d, 2);
            for (int i = 0; i < 32; ++i)
                buf[b + 2 + i] = static_cast<uint8_t>(nextRand(s));
        }
    } else {
        const size_t esz = dt == DType::F32 ? 4 : 2;
        for (size_t i = 0; i < bytes / esz; ++i) {
            const float v = (static_cast<float>(nextRand(s) >> 40) / 16777216.0f - 0.5f) * 0.07f;
            if (dt == DType::F32)
                std::memcpy(&buf[i * 4], &v, 4);
            else {
                const uint16_t h = dt == DType::F16 ? f32ToF16(v) : f32ToBf16(v);
                std::memcpy(&buf[i * 2], &h, 2);
            }
        }
    }
    return Tensor::fromBytes(name, dt, {rows, cols}, std::move(buf));
}

// Enough copies of a matrix to overflow the last-level cache, so a GEMV
// benchmark measures DRAM and not L3.
struct MatrixSet {
    std::vector<Tensor> copies;
    size_t bytes = 0;
};

const MatrixSet& matrices(DType dt, int64_t rows, int64_t cols) {
    static std::map<std::tuple<int, int64_t, int64_t>, MatrixSet> cache;
    auto key = std::make_tuple(static_cast<int>(dt), rows, cols);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    cache.clear(); // keep memory bounded
    MatrixSet set;
    const Tensor first = randomMatrix("w", dt, rows, cols, 1);
    set.bytes = first.nbytes;
    const size_t copies = std::max<size_t>(1, (size_t(256) << 20) / set.bytes + 1);
    set.copies.push_back(first);
    for (size_t i = 1; i < copies; ++i)
        set.copies.push_back(randomMatrix("w", dt, rows, cols, i + 1));
    return cache.emplace(key, std::move(set)).first->second;
}

void BM_Gemv(benchmark::State& st) {
    const DType dt = kTypes[st.range(0)];
    const int64_t rows = st.range(1), cols = st.range(2);
    const int threads = static_cast<int>(st.range(3));
    const MatrixSet& set = matrices(dt, rows, cols);
    ThreadPool pool(threads);
    std::vector<float> x(cols, 0.5f), y(rows);
    size_t i = 0;
    for (auto _ : st) {
        matmul(pool, weightView(set.copies[i++ % set.copies.size()]), x.data(), 1, y.data(),
               bestKernelIsa());
        benchmark::DoNotOptimize(y.data());
    }
    const double bw = bandwidthGBs(threads);
    st.counters["GB/s"] =
        benchmark::Counter(double(set.bytes) * st.iterations(), benchmark::Counter::kIsRate,
                           benchmark::Counter::kIs1000);
    st.counters["GFLOP/s"] =
        benchmark::Counter(2.0 * rows * cols * st.iterations() / 1e9, benchmark::Counter::kIsRate);
    st.counters["bw_GB/s"] = bw;
    // GB/s divided by the probe's GB/s (a rate counter, so shown with "/s").
    st.counters["bw_frac"] = benchmark::Counter(double(set.bytes) * st.iterations() / 1e9 / bw,
                                                benchmark::Counter::kIsRate);
    st.SetLabel(std::string(dtypeName(dt)) + " " + kernelIsaName(bestKernelIsa()));
}

void BM_Gemm(benchmark::State& st) {
    const DType dt = kTypes[st.range(0)];
    const int64_t rows = st.range(1), cols = st.range(2);
    const int threads = static_cast<int>(st.range(3));
    const int n = static_cast<int>(st.range(4));
    const Tensor w = randomMatrix("w", dt, rows, cols, 1);
    ThreadPool pool(threads);
    std::vector<float> X(size_t(n) * cols, 0.25f), Y(size_t(n) * rows);
    for (auto _ : st) {
        matmul(pool, weightView(w), X.data(), n, Y.data(), bestKernelIsa());
        benchmark::DoNotOptimize(Y.data());
    }
    st.counters["GFLOP/s"] = benchmark::Counter(2.0 * rows * cols * n * st.iterations() / 1e9,
                                                benchmark::Counter::kIsRate);
    st.SetLabel(std::string(dtypeName(dt)) + " " + kernelIsaName(bestKernelIsa()));
}

void shapeArgs(benchmark::internal::Benchmark* b, bool gemm) {
    const int64_t shapes[][2] = {{2048, 2048}, {5632, 2048}, {2048, 5632}, {32000, 2048}};
    for (int t = 0; t < 4; ++t)
        for (auto& s : shapes)
            for (int64_t threads : {1, 2}) {
                if (gemm)
                    b->Args({t, s[0], s[1], threads, 64});
                else
                    b->Args({t, s[0], s[1], threads});
            }
}

// TinyLlama-1.1B shape, random F16 weights, built in memory.
const Model& tinyLlama() {
    static std::unique_ptr<Model> model;
    if (model) return *model;
    model = std::make_unique<Model>();
    ModelConfig& c = model->config;
    c.dim = 2048, c.hiddenDim = 5632, c.nLayers = 22, c.nHeads = 32, c.nKvHeads = 4;
    c.headDim = 64, c.vocabSize = 32000, c.seqLen = 2048, c.ropeStyle = RopeStyle::Interleaved;
    ModelWeights& w = model->weights;
    uint64_t seed = 100;
    auto ones = [](const char* name, int64_t n) {
        return Tensor::fromF32(name, {n}, std::vector<float>(size_t(n), 1.0f));
    };
    w.tokEmbeddings = randomMatrix("tok_embeddings", DType::F16, c.vocabSize, c.dim, seed++);
    for (int l = 0; l < c.nLayers; ++l) {
        LayerWeights L;
        L.attnNorm = ones("attn_norm", c.dim);
        L.ffnNorm = ones("ffn_norm", c.dim);
        L.wq = randomMatrix("wq", DType::F16, c.qDim(), c.dim, seed++);
        L.wk = randomMatrix("wk", DType::F16, c.kvDim(), c.dim, seed++);
        L.wv = randomMatrix("wv", DType::F16, c.kvDim(), c.dim, seed++);
        L.wo = randomMatrix("wo", DType::F16, c.dim, c.qDim(), seed++);
        L.wGate = randomMatrix("w1", DType::F16, c.hiddenDim, c.dim, seed++);
        L.wUp = randomMatrix("w3", DType::F16, c.hiddenDim, c.dim, seed++);
        L.wDown = randomMatrix("w2", DType::F16, c.dim, c.hiddenDim, seed++);
        w.layers.push_back(std::move(L));
    }
    w.finalNorm = ones("norm", c.dim);
    w.output = randomMatrix("output", DType::F16, c.vocabSize, c.dim, seed++);
    return *model;
}

double decodeBytes(const Model& m) {
    double b = 0;
    for (const LayerWeights& L : m.weights.layers)
        for (const Tensor* t :
             {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown, &L.attnNorm, &L.ffnNorm})
            b += double(t->nbytes);
    return b + double(m.weights.classifier().nbytes) + double(m.weights.finalNorm.nbytes) +
           double(m.weights.tokEmbeddings.nbytes) / m.config.vocabSize;
}

void BM_TinyLlamaDecode(benchmark::State& st) {
    const int threads = static_cast<int>(st.range(0));
    const Model& m = tinyLlama();
    Transformer tr(m, threads, 512);
    int tok = 1;
    tr.forward(&tok, 1, 0);
    int pos = 1;
    for (auto _ : st) {
        const auto& logits = tr.forward(&tok, 1, pos);
        tok = static_cast<int>((logits[0] > 0 ? 7 : 11) + pos);
        if (++pos >= 512) pos = 1;
    }
    const double bytes = decodeBytes(m);
    const double bw = bandwidthGBs(threads);
    st.counters["tok/s"] = benchmark::Counter(double(st.iterations()), benchmark::Counter::kIsRate);
    st.counters["GB/s"] =
        benchmark::Counter(bytes * st.iterations() / 1e9, benchmark::Counter::kIsRate);
    st.counters["bw_GB/s"] = bw;
    // Fraction of bandwidth = GB/s / bw_GB/s; reported as a rate scaled by 1/bw.
    st.counters["bw_frac"] =
        benchmark::Counter(bytes * st.iterations() / 1e9 / bw, benchmark::Counter::kIsRate);
}

void BM_TinyLlamaPrefill(benchmark::State& st) {
    const int threads = static_cast<int>(st.range(0));
    const int n = static_cast<int>(st.range(1));
    const Model& m = tinyLlama();
    Transformer tr(m, threads, 512);
    std::vector<int> toks(n);
    for (int i = 0; i < n; ++i)
        toks[i] = (i * 7919 + 13) % m.config.vocabSize;
    for (auto _ : st) {
        const auto& logits = tr.forward(toks.data(), n, 0);
        benchmark::DoNotOptimize(logits.data());
    }
    st.counters["tok/s"] =
        benchmark::Counter(double(n) * st.iterations(), benchmark::Counter::kIsRate);
}

} // namespace

BENCHMARK(BM_TinyLlamaDecode)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();
BENCHMARK(BM_TinyLlamaPrefill)
    ->Args({2, 64})
    ->Args({1, 64})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();
BENCHMARK(BM_Gemv)
    ->Apply([](benchmark::internal::Benchmark* b) { shapeArgs(b, false); })
    ->UseRealTime();
BENCHMARK(BM_Gemm)
    ->Apply([](benchmark::internal::Benchmark* b) { shapeArgs(b, true); })
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
