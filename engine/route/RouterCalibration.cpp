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

// 1e-3 of the median positive gain (of error^power) of each optional slice
// over all units.
std::vector<double> gainFloors(const ErrorTable& e, double power) {
    std::vector<double> floors;
    for (int k = 2; k <= e.levels; ++k) {
        std::vector<double> pos;
        for (int u = 0; u < e.units; ++u)
            for (int t = 0; t < e.tokens; ++t) {
                const double g = std::pow(double(e.at(u, k - 1, t)), power) -
                                 std::pow(double(e.at(u, k, t)), power);
                if (g > 0) pos.push_back(g);
            }
        double f = 1e-30;
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
    return m == ErrorMeasure::Relative ? "relative" : m == ErrorMeasure::Kl ? "kl" : "absolute";
}

ErrorMeasure parseErrorMeasure(const std::string& s, const std::string& where) {
    if (s == "relative") return ErrorMeasure::Relative;
    if (s == "absolute") return ErrorMeasure::Absolute;
    if (s == "kl") return ErrorMeasure::Kl;
    throw EngineError(where, "must be absolute, relative or kl, not '" + s + "'");
}

ErrorTable blockErrorTable(const BlockErrors& e, ErrorMeasure measure) {
    if (measure == ErrorMeasure::Kl)
        throw EngineError("router calibration", "KL errors are measured by measureOutputKl");
    ErrorTable t;
    t.units = e.nLayers;
    t.levels = e.nLevels;
    t.tokens = e.nTokens;
    t.err = measure == ErrorMeasure::Relative ? e.residualErr : e.absoluteErr;
    return t;
}

namespace {

std::vector<float> gainScoresWithFloors(const ErrorTable& e, const std::vector<int>& levelBits,
                                        int unit, double power, const std::vector<double>& floors) {
    const int K = e.levels;
    std::vector<float> s(size_t(e.tokens) * (K - 1));
    for (int t = 0; t < e.tokens; ++t)
        for (int k = 2; k <= K; ++k) {
            const double g = std::pow(double(e.at(unit, k - 1, t)), power) -
                             std::pow(double(e.at(unit, k, t)), power);
            const double db = levelBits[size_t(k - 1)] - levelBits[size_t(k - 2)];
            s[size_t(t) * (K - 1) + (k - 2)] =
                static_cast<float>(std::log(std::max(g, floors[size_t(k - 2)]) / db));
        }
    return s;
}

void checkScoreArgs(const ErrorTable& e, const std::vector<int>& levelBits, double power) {
    if (static_cast<int>(levelBits.size()) != e.levels || e.levels < 2)
        throw EngineError("router calibration", "level bits do not match the measured levels");
    if (!(power > 0) || !std::isfinite(power))
        throw EngineError("router calibration", "error power must be positive");
}

// Trains one router per unit on its inputs and builds the tables.
RouterSet calibrate(const ErrorTable& e, const std::vector<const float*>& inputs,
                    const std::vector<int>& widths, const std::vector<double>& unitWeights,
                    const std::vector<int>& levelBits, const RouterCalibrationOptions& o,
                    RouterCalibrationReport* report) {
    const std::string where = "router calibration";
    checkScoreArgs(e, levelBits, o.power);
    const int U = e.units, K = e.levels, T = e.tokens;
    const std::vector<double> floors = gainFloors(e, o.power);
    RouterSet rs;
    rs.levelBits = levelBits;
    rs.routers.resize(size_t(U));
    rs.calibrationTokens = T;
    std::vector<std::vector<float>> predicted(static_cast<size_t>(U)),
        truth(static_cast<size_t>(U));
    RouterCalibrationReport rep;
    rep.layers.resize(size_t(U));
    rep.rankCorrelation.resize(size_t(U));
    std::atomic<int> done{0};
    std::atomic<bool> failed{false};
    std::string failure;
    std::mutex failMu;
    ThreadPool pool(std::min(o.threads > 0 ? o.threads : ThreadPool::hardwareThreads(), U));
    pool.parallelFor(0, U, [&](int64_t b, int64_t end) {
        for (int64_t u = b; u < end && !failed; ++u) {
            try {
                truth[size_t(u)] = gainScoresWithFloors(e, levelBits, int(u), o.power, floors);
                const float* X = inputs[size_t(u)];
                RouterTrainOptions to = o.train;
                to.seed = o.train.seed + uint64_t(u);
                rs.routers[size_t(u)] = trainRouter(
                    X, truth[size_t(u)].data(), nullptr, T, widths[size_t(u)], K - 1, to,
                    &rep.layers[size_t(u)], [&] { return o.cancel && o.cancel->load(); });
                predicted[size_t(u)].resize(size_t(T) * (K - 1));
                rs.routers[size_t(u)].forward(X, T, predicted[size_t(u)].data());
            } catch (const EngineError& err) {
                std::lock_guard<std::mutex> lock(failMu);
                if (!failed) failure = err.what();
                failed = true;
            }
            const int d = ++done;
            if (o.progress) {
                std::lock_guard<std::mutex> lock(failMu);
                o.progress(d, U);
            }
        }
    });
    if (failed) throw EngineError(where, failure);
    std::vector<float> all;
    std::vector<double> weights;
    all.reserve(size_t(U) * T * (K - 1));
    weights.reserve(size_t(U) * T);
    for (int u = 0; u < U; ++u) {
        const std::vector<float>& p = predicted[size_t(u)];
        all.insert(all.end(), p.begin(), p.end());
        weights.insert(weights.end(), size_t(T), unitWeights[size_t(u)]);
        rs.perLayer.push_back(BudgetTable::build(levelBits, p.data(), T, o.tablePoints));
        std::vector<float> a(static_cast<size_t>(T)), b(static_cast<size_t>(T));
        for (int t = 0; t < T; ++t) {
            a[size_t(t)] = p[size_t(t) * (K - 1)];
            b[size_t(t)] = truth[size_t(u)][size_t(t) * (K - 1)];
        }
        rep.rankCorrelation[size_t(u)] = spearman(a, b);
    }
    rs.global =
        BudgetTable::build(levelBits, all.data(), int64_t(U) * T, o.tablePoints, weights.data());
    if (report) *report = std::move(rep);
    return rs;
}

std::string objectiveText(const char* error, const RouterCalibrationOptions& o) {
    char pw[32];
    std::snprintf(pw, sizeof pw, "%g", o.power);
    return std::string("mse on log(cut in ") + error + " error^" + pw + " per bit), hidden " +
           std::to_string(o.train.hidden) + ", " + std::to_string(o.train.epochs) + " epochs";
}

} // namespace

std::vector<float> gainScores(const ErrorTable& e, const std::vector<int>& levelBits, int unit,
                              double power) {
    checkScoreArgs(e, levelBits, power);
    return gainScoresWithFloors(e, levelBits, unit, power, gainFloors(e, power));
}

std::vector<float> errorScores(const BlockErrors& e, const std::vector<int>& levelBits, int layer,
                               ErrorMeasure measure, double power) {
    return gainScores(blockErrorTable(e, measure), levelBits, layer, power);
}

RouterSet calibrateRouters(const BlockErrors& e, const std::vector<int>& levelBits,
                           const RouterCalibrationOptions& o, RouterCalibrationReport* report,
                           const ErrorTable* errors) {
    if (errors &&
        (errors->units != e.nLayers || errors->tokens != e.nTokens || errors->levels != e.nLevels))
        throw EngineError("router calibration", "error table does not match the block errors");
    if (e.routerInput.size() != size_t(e.nLayers) * e.nTokens * e.dim)
        throw EngineError("router calibration", "block errors were measured without router inputs");
    if (static_cast<int>(levelBits.size()) != e.nLevels || e.nLevels < 2)
        throw EngineError("router calibration", "needs a sliced model with at least 2 levels");
    std::vector<const float*> inputs;
    for (int l = 0; l < e.nLayers; ++l)
        inputs.push_back(&e.routerInput[size_t(l) * e.nTokens * e.dim]);
    RouterSet rs = calibrate(errors ? *errors : blockErrorTable(e, o.measure), inputs,
                             std::vector<int>(size_t(e.nLayers), e.dim),
                             std::vector<double>(size_t(e.nLayers), 1.0), levelBits, o, report);
    rs.granularity = RouteGranularity::Block;
    rs.objective =
        objectiveText(o.measure == ErrorMeasure::Kl
                          ? "output KL"
                          : (std::string(errorMeasureName(o.measure)) + " residual-stream").c_str(),
                      o);
    return rs;
}

RouterSet calibrateLinearRouters(const LinearErrors& e, const std::vector<int>& levelBits,
                                 const std::array<double, kLinearsPerBlock>& shares,
                                 const RouterCalibrationOptions& o,
                                 RouterCalibrationReport* report) {
    if (static_cast<int>(levelBits.size()) != e.nLevels || e.nLevels < 2)
        throw EngineError("router calibration", "needs a sliced model with at least 2 levels");
    std::vector<const float*> inputs;
    std::vector<int> widths;
    std::vector<double> weights;
    for (int l = 0; l < e.nLayers; ++l)
        for (int i = 0; i < kLinearsPerBlock; ++i) {
            inputs.push_back(e.input(l, i));
            widths.push_back(e.width[size_t(i)]);
            weights.push_back(shares[size_t(i)]);
        }
    RouterSet rs = calibrate(e.errors, inputs, widths, weights, levelBits, o, report);
    rs.granularity = RouteGranularity::Linear;
    rs.objective = objectiveText("linear-output", o);
    return rs;
}

} // namespace mobi
