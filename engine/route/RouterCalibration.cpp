#include "route/RouterCalibration.h"

#include "core/Error.h"
#include "core/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <numeric>

namespace mobi {

namespace {

// 1e-3 of the median positive gain of each optional slice over all blocks.
// The block error e_k raised to `power`.
double err(const BlockErrors& e, ErrorMeasure m, double power, int l, int k, int t) {
    const double v = m == ErrorMeasure::Relative ? e.residual(l, k, t) : e.absolute(l, k, t);
    return power == 1.0 ? v : std::pow(v, power);
}

std::vector<double> gainFloors(const BlockErrors& e, ErrorMeasure m, double power) {
    std::vector<double> floors;
    for (int k = 2; k <= e.nLevels; ++k) {
        std::vector<double> pos;
        for (int l = 0; l < e.nLayers; ++l)
            for (int t = 0; t < e.nTokens; ++t) {
                const double g = err(e, m, power, l, k - 1, t) - err(e, m, power, l, k, t);
                if (g > 0) pos.push_back(g);
            }
        double f = 1e-20;
        if (!pos.empty()) {
            std::nth_element(pos.begin(), pos.begin() + pos.size() / 2, pos.end());
            f = std::max(f, 1e-3 * pos[pos.size() / 2]);
        }
        floors.push_back(f);
    }
    return floors;
}

std::vector<double> ranks(const std::vector<float>& v) {
    std::vector<int> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](int a, int b) { return v[size_t(a)] < v[size_t(b)]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < idx.size();) {
        size_t j = i;
        while (j + 1 < idx.size() && v[size_t(idx[j + 1])] == v[size_t(idx[i])])
            ++j;
        for (size_t m = i; m <= j; ++m)
            r[size_t(idx[m])] = 0.5 * double(i + j);
        i = j + 1;
    }
    return r;
}

double spearman(const std::vector<float>& a, const std::vector<float>& b) {
    const std::vector<double> ra = ranks(a), rb = ranks(b);
    const double n = double(ra.size());
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
    const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < ra.size(); ++i) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

} // namespace

const char* errorMeasureName(ErrorMeasure m) {
    return m == ErrorMeasure::Relative ? "relative" : "absolute";
}

ErrorMeasure parseErrorMeasure(const std::string& s, const std::string& where) {
    if (s == "relative") return ErrorMeasure::Relative;
    if (s == "absolute") return ErrorMeasure::Absolute;
    throw EngineError(where, "must be relative or absolute, not '" + s + "'");
}

std::vector<float> errorScores(const BlockErrors& e, const std::vector<int>& levelBits, int layer,
                               ErrorMeasure measure, double power) {
    if (!(power > 0) || !std::isfinite(power))
        throw EngineError("router calibration", "error power must be positive");
    if (static_cast<int>(levelBits.size()) != e.nLevels || e.nLevels < 2)
        throw EngineError("router calibration", "level bits do not match the measured levels");
    const std::vector<double> floors = gainFloors(e, measure, power);
    const int K = e.nLevels;
    std::vector<float> s(size_t(e.nTokens) * (K - 1));
    for (int t = 0; t < e.nTokens; ++t)
        for (int k = 2; k <= K; ++k) {
            const double g =
                err(e, measure, power, layer, k - 1, t) - err(e, measure, power, layer, k, t);
            const double db = levelBits[size_t(k - 1)] - levelBits[size_t(k - 2)];
            s[size_t(t) * (K - 1) + (k - 2)] =
                static_cast<float>(std::log(std::max(g, floors[size_t(k - 2)]) / db));
        }
    return s;
}

RouterSet calibrateRouters(const BlockErrors& e, const std::vector<int>& levelBits,
                           const RouterCalibrationOptions& o, RouterCalibrationReport* report) {
    const std::string where = "router calibration";
    if (e.routerInput.size() != size_t(e.nLayers) * e.nTokens * e.dim)
        throw EngineError(where, "block errors were measured without router inputs");
    if (static_cast<int>(levelBits.size()) != e.nLevels || e.nLevels < 2)
        throw EngineError(where, "needs a sliced model with at least 2 levels");
    const int L = e.nLayers, K = e.nLevels, T = e.nTokens;
    RouterSet rs;
    rs.levelBits = levelBits;
    rs.routers.resize(size_t(L));
    rs.calibrationTokens = T;
    char pw[32];
    std::snprintf(pw, sizeof pw, "%g", o.power);
    rs.objective = std::string("mse on log(cut in ") + errorMeasureName(o.measure) +
                   " residual-stream error^" + pw + " per bit), hidden " +
                   std::to_string(o.train.hidden) + ", " + std::to_string(o.train.epochs) +
                   " epochs";
    std::vector<std::vector<float>> predicted(static_cast<size_t>(L)),
        truth(static_cast<size_t>(L));
    RouterCalibrationReport rep;
    rep.layers.resize(size_t(L));
    rep.rankCorrelation.resize(size_t(L));
    std::atomic<int> done{0};
    std::atomic<bool> failed{false};
    std::string failure;
    std::mutex failMu;
    ThreadPool pool(std::min(o.threads > 0 ? o.threads : ThreadPool::hardwareThreads(), L));
    pool.parallelFor(0, L, [&](int64_t b, int64_t end) {
        for (int64_t l = b; l < end && !failed; ++l) {
            try {
                truth[size_t(l)] = errorScores(e, levelBits, int(l), o.measure, o.power);
                const float* X = &e.routerInput[size_t(l) * T * e.dim];
                RouterTrainOptions to = o.train;
                to.seed = o.train.seed + uint64_t(l);
                rs.routers[size_t(l)] = trainRouter(X, truth[size_t(l)].data(), nullptr, T, e.dim,
                                                    K - 1, to, &rep.layers[size_t(l)],
                                                    [&] { return o.cancel && o.cancel->load(); });
                predicted[size_t(l)].resize(size_t(T) * (K - 1));
                rs.routers[size_t(l)].forward(X, T, predicted[size_t(l)].data());
            } catch (const EngineError& err) {
                std::lock_guard<std::mutex> lock(failMu);
                if (!failed) failure = err.what();
                failed = true;
            }
            const int d = ++done;
            if (o.progress) {
                std::lock_guard<std::mutex> lock(failMu);
                o.progress(d, L);
            }
        }
    });
    if (failed) throw EngineError(where, failure);
    std::vector<float> all;
    all.reserve(size_t(L) * T * (K - 1));
    for (int l = 0; l < L; ++l) {
        const std::vector<float>& p = predicted[size_t(l)];
        all.insert(all.end(), p.begin(), p.end());
        rs.perLayer.push_back(BudgetTable::build(levelBits, p.data(), T, o.tablePoints));
        std::vector<float> a(static_cast<size_t>(T)), b(static_cast<size_t>(T));
        for (int t = 0; t < T; ++t) {
            a[size_t(t)] = p[size_t(t) * (K - 1)];
            b[size_t(t)] = truth[size_t(l)][size_t(t) * (K - 1)];
        }
        rep.rankCorrelation[size_t(l)] = spearman(a, b);
    }
    rs.global = BudgetTable::build(levelBits, all.data(), int64_t(L) * T, o.tablePoints);
    if (report) *report = std::move(rep);
    return rs;
}

} // namespace mobi
