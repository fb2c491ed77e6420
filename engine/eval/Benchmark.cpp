#include "eval/Benchmark.h"

#include "core/ThreadPool.h"
#include "model/Transformer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

namespace mobi {

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int argmax(const float* x, int n) {
    int best = 0;
    for (int i = 1; i < n; ++i)
        if (x[i] > x[best]) best = i;
    return best;
}

} // namespace

double measureReadBandwidth(int threads, size_t bytes, int repeats) {
    ThreadPool pool(threads);
    const size_t n = bytes / sizeof(uint64_t);
    std::unique_ptr<uint64_t[]> buf(new uint64_t[n]);
    // Touch every page from the thread that will read it (first-touch placement).
    pool.parallelFor(0, static_cast<int64_t>(n), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) buf[i] = static_cast<uint64_t>(i);
    }, 4096);
    std::vector<uint64_t> sinks(static_cast<size_t>(pool.size()) * 8, 0);
    double best = 0;
    for (int r = 0; r < repeats; ++r) {
        const double t0 = now();
        pool.run([&](int t, int nt) {
            const size_t b = n * t / nt, e = n * (t + 1) / nt;
            // Four independent accumulators let the loads overlap.
            uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            size_t i = b;
            for (; i + 4 <= e; i += 4) {
                a0 ^= buf[i];
                a1 ^= buf[i + 1];
                a2 ^= buf[i + 2];
                a3 ^= buf[i + 3];
            }
            for (; i < e; ++i) a0 ^= buf[i];
            sinks[static_cast<size_t>(t) * 8] = a0 ^ a1 ^ a2 ^ a3;
        });
        const double s = now() - t0;
        best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / s / 1e9);
    }
    volatile uint64_t keep = 0;
    for (uint64_t v : sinks) keep = keep ^ v;
    (void)keep;
    return best;
}

double decodeBytesPerToken(const Model& model) {
    const ModelWeights& w = model.weights;
    double bytes = 0;
    for (const LayerWeights& L : w.layers)
        for (const Tensor* t : {&L.attnNorm, &L.wq, &L.wk, &L.wv, &L.wo, &L.bq, &L.bk, &L.bv,
                                &L.qNorm, &L.kNorm, &L.ffnNorm, &L.wGate, &L.wUp, &L.wDown})
            bytes += static_cast<double>(t->nbytes);
    bytes += static_cast<double>(w.finalNorm.nbytes);
    bytes += static_cast<double>(w.classifier().nbytes);
    const Tensor& e = w.tokEmbeddings;
    if (e.rows() > 0) bytes += static_cast<double>(e.nbytes) / static_cast<double>(e.rows());
    return bytes;
}

BenchResult runBenchmark(const Model& model, const BenchOptions& o) {
    BenchResult r;
    r.threads = o.threads <= 0 ? ThreadPool::hardwareThreads() : o.threads;
    r.bandwidthGBs = measureReadBandwidth(r.threads);
    r.bytesPerToken = decodeBytesPerToken(model);

    const int vocab = model.config.vocabSize;
    std::vector<int> prompt(static_cast<size_t>(o.promptTokens));
    uint64_t s = o.seed * 0x9e3779b97f4a7c15ull + 1;
    for (int& id : prompt) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        id = static_cast<int>(s % static_cast<uint64_t>(vocab));
    }
    Transformer t(model, r.threads, o.promptTokens + o.genTokens + 1);
    double bestPrefill = 1e30, bestDecode = 1e30;
    for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
        double t0 = now();
        const std::vector<float>& logits = t.forward(prompt.data(), o.promptTokens, 0);
        bestPrefill = std::min(bestPrefill, now() - t0);
        int tok = argmax(logits.data(), vocab);
        t0 = now();
        for (int i = 0; i < o.genTokens; ++i) {
            const std::vector<float>& l = t.forward(&tok, 1, o.promptTokens + i);
            tok = argmax(l.data(), vocab);
        }
        bestDecode = std::min(bestDecode, now() - t0);
    }
    r.prefillTokPerS = o.promptTokens / bestPrefill;
    r.decodeTokPerS = o.genTokens / bestDecode;
    r.decodeGBs = r.bytesPerToken * r.decodeTokPerS / 1e9;
    r.bandwidthFraction = r.bandwidthGBs > 0 ? r.decodeGBs / r.bandwidthGBs : 0;
    return r;
}

} // namespace mobi
