#include "eval/Benchmark.h"

#include "core/Error.h"
#include "model/ScopedObserver.h"
#include "route/LinearErrors.h"
#include "route/RoutingStats.h"

#include "core/ThreadPool.h"
#include "kernels/MemoryBandwidth.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <sys/resource.h>
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

double decodeBytesPerToken(const Model& model, int level) {
    const ModelWeights& w = model.weights;
    double bytes = 0;
    const SlicedModel* sm = model.sliced.get();
    for (const LayerWeights& L : w.layers) {
        for (const Tensor* t : {&L.attnNorm, &L.bq, &L.bk, &L.bv, &L.qNorm, &L.kNorm, &L.ffnNorm})
            bytes += static_cast<double>(t->nbytes);
        if (!sm)
            for (const Tensor* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown})
                bytes += static_cast<double>(t->nbytes);
    }
    if (sm) bytes += static_cast<double>(sm->levelBytes(level > 0 ? level : sm->levels()));
    bytes += static_cast<double>(w.finalNorm.nbytes);
    bytes += static_cast<double>(w.classifier().nbytes);
    const Tensor& e = w.tokEmbeddings;
    if (e.rows() > 0) bytes += static_cast<double>(e.nbytes) / static_cast<double>(e.rows());
    return bytes;
}

BenchResult runBenchmark(const Model& model, const BenchOptions& o) {
    BenchResult r;
    r.threads = o.threads <= 0 ? ThreadPool::hardwareThreads() : o.threads;
    r.bytesPerToken = decodeBytesPerToken(model, o.precision.level);

    const int vocab = model.config.vocabSize;
    std::vector<int> prompt(static_cast<size_t>(o.promptTokens));
    uint64_t s = o.seed * 0x9e3779b97f4a7c15ull + 1;
    for (int& id : prompt) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        id = static_cast<int>(s % static_cast<uint64_t>(vocab));
    }
    Transformer t(model, r.threads, o.promptTokens + o.genTokens + 1);
    applyPrecision(t, o.precision);
    std::unique_ptr<RoutingStats> routing;
    if (o.precision.routed()) {
        std::vector<int> bits;
        for (int k = 1; k <= model.sliced->levels(); ++k)
            bits.push_back(model.sliced->config.bitsForLevel(k));
        const auto shares = linearParamShares(model.config);
        routing = std::make_unique<RoutingStats>(bits, model.config.nLayers, false,
                                                 std::vector<double>(shares.begin(), shares.end()));
    }
    // A shared VM's memory bandwidth drifts by up to 2x within minutes, so
    // every repeat probes the bandwidth right before its decode and the
    // fraction is taken per repeat (the median is reported).
    std::vector<double> fractions;
    double bestPrefill = 1e30, bestDecode = 1e30;
    // Warm-up run (pages faulted in, caches filled); peak memory is read after
    // it, before any bandwidth probe buffer exists.
    {
        const std::vector<float>& logits = t.forward(prompt.data(), o.promptTokens, 0);
        int tok = argmax(logits.data(), vocab);
        std::optional<ScopedObserver> observing;
        if (routing) observing.emplace(t, [&](const LayerEvent& e) { routing->observe(e); });
        for (int i = 0; i < o.genTokens; ++i)
            tok = argmax(t.forward(&tok, 1, o.promptTokens + i).data(), vocab);
        if (routing) {
            // Decode bytes: the non-sliced part plus each level's share.
            observing.reset();
            const SlicedModel& sm = *model.sliced;
            const double top = static_cast<double>(sm.levelBytes(sm.levels()));
            double sliced = 0;
            for (int k = 1; k <= sm.levels(); ++k)
                sliced += static_cast<double>(sm.levelBytes(k)) * routing->levelShare(k);
            r.bytesPerToken = decodeBytesPerToken(model, sm.levels()) - top + sliced;
            r.routedBits = routing->averageBits();
        }
        struct rusage ru {};
        getrusage(RUSAGE_SELF, &ru);
        r.peakRssBytes = static_cast<double>(ru.ru_maxrss) * 1024.0; // Linux reports KiB
    }
    for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
        double t0 = now();
        const std::vector<float>& logits = t.forward(prompt.data(), o.promptTokens, 0);
        bestPrefill = std::min(bestPrefill, now() - t0);
        int tok = argmax(logits.data(), vocab);
        const double probe = measureStreamingReadGBs(r.threads, size_t(1) << 30, 2);
        r.bandwidthGBs = std::max(r.bandwidthGBs, probe);
        t0 = now();
        for (int i = 0; i < o.genTokens; ++i) {
            const std::vector<float>& l = t.forward(&tok, 1, o.promptTokens + i);
            tok = argmax(l.data(), vocab);
        }
        const double decode = now() - t0;
        bestDecode = std::min(bestDecode, decode);
        fractions.push_back(r.bytesPerToken * o.genTokens / decode / 1e9 / probe);
    }
    r.prefillTokPerS = o.promptTokens / bestPrefill;
    r.decodeTokPerS = o.genTokens / bestDecode;
    r.decodeGBs = r.bytesPerToken * r.decodeTokPerS / 1e9;
    std::sort(fractions.begin(), fractions.end());
    r.bandwidthFraction = fractions[fractions.size() / 2];
    return r;
}

} // namespace mobi
