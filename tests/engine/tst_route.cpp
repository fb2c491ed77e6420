// MoBiRoute in the engine: budget tables (thresholds that meet a budget on
// their own samples, bounds, monotonicity), per-token levels in the forward
// (batched prefill with mixed levels = token-by-token decode; per-block
// levels = a dense model assembled from each level's dequantized weights),
// forwardBlock = the block inside a full forward, block errors, router
// calibration, routers through a GGUF round trip, random policies and
// routing statistics; and the errors for routers that do not fit.
#include "TestData.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "io/GgufWriter.h"
#include "io/ModelLoader.h"
#include "model/Model.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "route/BlockErrors.h"
#include "route/BudgetTable.h"
#include "route/LinearErrors.h"
#include "route/OutputKl.h"
#include "route/RandomPolicy.h"
#include "route/RouterCalibration.h"
#include "route/RouterPolicy.h"
#include "route/RoutingStats.h"
#include "slicing/ModelSlicing.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>
#include <random>

using namespace mobi;

namespace {

const std::vector<int> kBits = {2, 3, 4, 5};

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i)
        d = std::max(d, std::fabs(double(a[i]) - b[i]));
    return d;
}

Model stories() {
    return loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
}

Model slicedStories() {
    Model m = stories();
    ThreadPool pool(2);
    m.sliced = std::make_shared<SlicedModel>(sliceModel(m, SliceConfig{}, nullptr, pool));
    return m;
}

std::vector<int> someTokens(int n, uint32_t seed, int vocab) {
    std::mt19937 rng(seed);
    std::vector<int> t(static_cast<size_t>(n));
    for (int& x : t)
        x = int(rng() % uint32_t(vocab));
    t[0] = 1;
    return t;
}

// A policy that gives each (block, absolute position) a fixed pseudo-random
// level, independent of batching.
class HashPolicy : public LevelPolicy {
  public:
    explicit HashPolicy(int K) : K_(K) {}
    void choose(int layer, const float*, int n, int, int pos, int* levels, float*) override {
        for (int t = 0; t < n; ++t)
            levels[t] = 1 + int((uint32_t(layer) * 2654435761u + uint32_t(pos + t) * 40503u) %
                                uint32_t(K_));
    }

  private:
    int K_;
};

// Per-block level only.
class LayerPolicy : public LevelPolicy {
  public:
    explicit LayerPolicy(std::vector<int> lv) : lv_(std::move(lv)) {}
    void choose(int layer, const float*, int n, int, int, int* levels, float*) override {
        for (int t = 0; t < n; ++t)
            levels[t] = lv_[size_t(layer)];
    }

  private:
    std::vector<int> lv_;
};

std::shared_ptr<RouterSet> calibrated(const Model& m, BlockErrors* errorsOut = nullptr) {
    const std::vector<int> tokens = someTokens(600, 7, m.config.vocabSize);
    BlockErrorOptions eo;
    eo.ctx = 256;
    eo.threads = 2;
    eo.keepRouterInputs = true;
    const BlockErrors e = measureBlockErrors(m, m, tokens, eo);
    RouterCalibrationOptions co;
    co.train.epochs = 8;
    co.threads = 2;
    co.tablePoints = 65;
    auto rs = std::make_shared<RouterSet>(calibrateRouters(e, kBits, co));
    if (errorsOut) *errorsOut = e;
    return rs;
}

} // namespace

class TestRoute : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private slots:
    void levelForFollowsPrefixRule() {
        const float s[3] = {1.0f, -1.0f, 5.0f};
        QCOMPARE(BudgetTable::levelFor(s, 4, 0.0f), 2); // slice 3 fails, slice 4 needs it
        QCOMPARE(BudgetTable::levelFor(s, 4, 2.0f), 1);
        QCOMPARE(BudgetTable::levelFor(s, 4, -2.0f), 4);
    }

    void budgetTableMeetsBudgetsOnItsSamples() {
        std::mt19937 rng(3);
        std::normal_distribution<float> nd(0.0f, 2.0f);
        const int64_t n = 20000;
        std::vector<float> scores(size_t(n) * 3);
        for (int64_t i = 0; i < n; ++i) {
            const float base = nd(rng);
            // Later slices tend to help less, as real gains do.
            scores[size_t(i) * 3 + 0] = base;
            scores[size_t(i) * 3 + 1] = base - 1.4f + 0.3f * nd(rng);
            scores[size_t(i) * 3 + 2] = base - 2.8f + 0.3f * nd(rng);
        }
        const BudgetTable t = BudgetTable::build(kBits, scores.data(), n, 129);
        QCOMPARE(t.points(), 129);
        float prev = INFINITY;
        for (double B = 2.0; B <= 5.0 + 1e-9; B += 0.05) {
            const float thr = t.threshold(B);
            QVERIFY(thr <= prev);
            prev = thr;
            const double got = BudgetTable::averageBits(kBits, scores.data(), n, thr);
            QVERIFY2(std::fabs(got - B) < 0.01,
                     qPrintable(QString("budget %1 achieved %2").arg(B).arg(got)));
        }
        QVERIFY(std::isinf(t.threshold(2.0)) && t.threshold(2.0) > 0);
        QVERIFY(std::isinf(t.threshold(5.0)) && t.threshold(5.0) < 0);
        QVERIFY_THROWS_EXCEPTION(EngineError, t.threshold(1.99));
        QVERIFY_THROWS_EXCEPTION(EngineError, t.threshold(5.2));
        QVERIFY_THROWS_EXCEPTION(EngineError, t.threshold(NAN));
        // Stored entries survive fromEntries; bad entries are refused.
        const BudgetTable u = BudgetTable::fromEntries(kBits, t.thresholds(), "t");
        QCOMPARE(u.threshold(3.3), t.threshold(3.3));
        std::vector<float> bad = t.thresholds();
        std::swap(bad[3], bad[60]);
        QVERIFY_THROWS_EXCEPTION(EngineError, BudgetTable::fromEntries(kBits, bad, "t"));
        bad = t.thresholds();
        bad[5] = NAN;
        QVERIFY_THROWS_EXCEPTION(EngineError, BudgetTable::fromEntries(kBits, bad, "t"));
        QVERIFY_THROWS_EXCEPTION(EngineError, BudgetTable::build({2}, scores.data(), n));
        std::vector<float> nan(9, NAN);
        QVERIFY_THROWS_EXCEPTION(EngineError, BudgetTable::build(kBits, nan.data(), 3));
    }

    void mixedLevelPrefillEqualsDecode() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories();
        const std::vector<int> tokens = someTokens(40, 11, m.config.vocabSize);
        Transformer a(m, 2, 64), b(m, 2, 64);
        a.setLevelPolicy(std::make_shared<HashPolicy>(4));
        b.setLevelPolicy(std::make_shared<HashPolicy>(4));
        const std::vector<float> batched = a.forward(tokens.data(), 40, 0, true);
        std::vector<float> stepped;
        for (int t = 0; t < 40; ++t) {
            const std::vector<float>& l = b.forward(&tokens[size_t(t)], 1, t);
            stepped.insert(stepped.end(), l.begin(), l.end());
        }
        // Each (row, token) product is bit-identical between GEMM and GEMV.
        QCOMPARE(maxAbsDiff(batched, stepped), 0.0);
        // And the mix is really mixed: it differs from every uniform level.
        for (int k = 1; k <= 4; ++k) {
            Transformer u(m, 2, 64);
            u.setLevel(k);
            QVERIFY(maxAbsDiff(u.forward(tokens.data(), 40, 0, true), batched) > 1e-4);
        }
    }

    void perBlockLevelsMatchAssembledDenseModel() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories();
        const std::vector<int> lv = {1, 4, 2, 3, 4};
        // Independent reference: a dense model whose block l holds level
        // lv[l]'s dequantized weights.
        Model dense = denseModelAtLevel(m, 1);
        for (int l = 0; l < m.config.nLayers; ++l) {
            const Model dl = denseModelAtLevel(m, lv[size_t(l)]);
            dense.weights.layers[size_t(l)] = dl.weights.layers[size_t(l)];
        }
        const std::vector<int> tokens = someTokens(24, 5, m.config.vocabSize);
        Transformer routed(m, 2, 64), ref(dense, 2, 64);
        routed.setLevelPolicy(std::make_shared<LayerPolicy>(lv));
        const double d = maxAbsDiff(routed.forward(tokens.data(), 24, 0, true),
                                    ref.forward(tokens.data(), 24, 0, true));
        QVERIFY2(d < 2e-3, qPrintable(QString::number(d)));
    }

    void forwardBlockEqualsBlockInFullForward() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories();
        const std::vector<int> tokens = someTokens(30, 2, m.config.vocabSize);
        const int dim = m.config.dim, L = m.config.nLayers;
        std::vector<std::vector<float>> in(static_cast<size_t>(L)), out(static_cast<size_t>(L));
        Transformer full(m, 2, 64);
        full.setLevel(3);
        full.setObserver([&](const LayerEvent& e) {
            if (e.point == LayerPoint::BlockInput)
                in[size_t(e.layer)].assign(e.data, e.data + size_t(e.nTokens) * dim);
            if (e.point == LayerPoint::BlockOutput)
                out[size_t(e.layer)].assign(e.data, e.data + size_t(e.nTokens) * dim);
        });
        full.forward(tokens.data(), 30, 0);
        Transformer single(m, 2, 64);
        single.setLevel(3);
        std::vector<float> y(size_t(30) * dim);
        for (int l = L - 1; l >= 0; --l) { // any order: each block has its own cache
            single.forwardBlock(l, in[size_t(l)].data(), 30, 0, y.data());
            QCOMPARE(maxAbsDiff(y, out[size_t(l)]), 0.0);
        }
        QVERIFY_THROWS_EXCEPTION(EngineError, single.forwardBlock(L, y.data(), 1, 0, y.data()));
        QVERIFY_THROWS_EXCEPTION(EngineError, single.forwardBlock(0, y.data(), 1, 64, y.data()));
    }

    void blockErrorsAreZeroAtReferenceAndFallWithLevel() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories();
        const Model dense = stories();
        const std::vector<int> tokens = someTokens(300, 9, m.config.vocabSize);
        BlockErrorOptions o;
        o.ctx = 128;
        o.threads = 2;
        o.keepRouterInputs = true;
        // The sliced model against its own top level: zero error there.
        const BlockErrors self = measureBlockErrors(m, m, tokens, o);
        QCOMPARE(self.nTokens, 128 + 128 + 44);
        QCOMPARE(self.nLevels, 4);
        for (int l = 0; l < self.nLayers; ++l)
            for (int t = 0; t < self.nTokens; ++t)
                QCOMPARE(self.residual(l, 4, t), 0.0f);
        // Against the dense model: mean error falls with every level.
        const BlockErrors e = measureBlockErrors(dense, m, tokens, o);
        for (int l = 0; l < e.nLayers; ++l) {
            double prev = INFINITY;
            for (int k = 1; k <= 4; ++k) {
                double s = 0;
                for (int t = 0; t < e.nTokens; ++t)
                    s += e.absolute(l, k, t);
                QVERIFY(s > 0 && s < prev);
                prev = s;
            }
        }
        // Channel statistics: max >= mean > 0.
        for (size_t i = 0; i < e.channelMaxAbs.size(); ++i)
            QVERIFY(e.channelMaxAbs[i] >= e.channelMeanAbs[i] && e.channelMeanAbs[i] > 0);
        // A dense candidate has one level.
        QCOMPARE(measureBlockErrors(dense, dense, tokens, o).nLevels, 1);
        QVERIFY_THROWS_EXCEPTION(EngineError, measureBlockErrors(dense, m, {1}, o));
    }

    void outputKlFallsWithLevel() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories();
        const std::vector<int> tokens = someTokens(150, 12, m.config.vocabSize);
        BlockErrorOptions o;
        o.ctx = 100;
        o.threads = 2;
        const ErrorTable self = measureOutputKl(m, m, tokens, o);
        QCOMPARE(self.tokens, 150);
        QCOMPARE(self.units, m.config.nLayers);
        const ErrorTable kl = measureOutputKl(stories(), m, tokens, o);
        for (int l = 0; l < kl.units; ++l) {
            double prev = INFINITY, selfSum = 0;
            for (int t = 0; t < kl.tokens; ++t)
                selfSum += self.at(l, 4, t);
            QCOMPARE(selfSum, 0.0); // the top level against itself
            for (int k = 1; k <= 4; ++k) {
                double sum = 0;
                for (int t = 0; t < kl.tokens; ++t) {
                    QVERIFY(kl.at(l, k, t) >= 0);
                    sum += kl.at(l, k, t);
                }
                QVERIFY2(sum > 0 && sum < prev,
                         qPrintable(QString("block %1 level %2").arg(l).arg(k)));
                prev = sum;
            }
        }
        // Same rows as the block errors (router inputs line up).
        QCOMPARE(measureBlockErrors(m, m, tokens, o).nTokens, kl.tokens);
    }

    void routersRankTokensAndMeetBudgets() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        Model m = slicedStories();
        BlockErrors e;
        RouterCalibrationReport rep;
        {
            const std::vector<int> tokens = someTokens(600, 7, m.config.vocabSize);
            BlockErrorOptions eo;
            eo.ctx = 256;
            eo.threads = 2;
            eo.keepRouterInputs = true;
            e = measureBlockErrors(stories(), m, tokens, eo);
        }
        RouterCalibrationOptions co;
        co.train.epochs = 20;
        co.threads = 2;
        auto rs = std::make_shared<RouterSet>(calibrateRouters(e, kBits, co, &rep));
        QCOMPARE(int(rs->routers.size()), m.config.nLayers);
        for (double rho : rep.rankCorrelation)
            QVERIFY2(rho > 0.3, qPrintable(QString("rank correlation %1").arg(rho)));
        rs->validate(m.config, m.sliced->config, "test");
        m.routers = rs;
        // On other tokens the achieved bits stay near every budget.
        const std::vector<int> held = someTokens(256, 99, m.config.vocabSize);
        for (double B : {2.5, 3.0, 3.5, 4.0, 4.5}) {
            for (BudgetAllocation a : {BudgetAllocation::Global, BudgetAllocation::PerLayer}) {
                Transformer t(m, 2, 256);
                RoutingStats stats(kBits, m.config.nLayers);
                auto policy = std::make_shared<RouterPolicy>(rs, B, a);
                t.setLevelPolicy(policy);
                t.setObserver([&](const LayerEvent& ev) { stats.observe(ev); });
                t.forward(held.data(), 256, 0);
                QCOMPARE(stats.decisions(), int64_t(256) * m.config.nLayers);
                QVERIFY2(
                    std::fabs(stats.averageBits() - B) < 0.25,
                    qPrintable(QString("budget %1 achieved %2").arg(B).arg(stats.averageBits())));
            }
        }
        QVERIFY_THROWS_EXCEPTION(EngineError, RouterPolicy(rs, 5.5));
        QVERIFY_THROWS_EXCEPTION(EngineError, RouterPolicy(rs, 1.0));
    }

    void routersSurviveGgufRoundTrip() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        Model m = slicedStories();
        m.routers = calibrated(m);
        const std::string path = (tmp_.path() + "/routed.gguf").toStdString();
        GgufWriteOptions wo;
        wo.matrixType = DType::F32; // embeddings as they are
        saveGguf(m, path, wo);
        const Model back = loadModel(path);
        QVERIFY(back.routers);
        const RouterSet& a = *m.routers;
        const RouterSet& b = *back.routers;
        QCOMPARE(b.levelBits, a.levelBits);
        QCOMPARE(b.calibrationTokens, a.calibrationTokens);
        QCOMPARE(b.objective, a.objective);
        for (size_t l = 0; l < a.routers.size(); ++l) {
            QCOMPARE(b.routers[l].w1, a.routers[l].w1);
            QCOMPARE(b.routers[l].b2, a.routers[l].b2);
            QCOMPARE(b.perLayer[l].thresholds(), a.perLayer[l].thresholds());
        }
        QCOMPARE(b.global.thresholds(), a.global.thresholds());
        // Same levels and logits from the loaded routers.
        const std::vector<int> tokens = someTokens(50, 4, m.config.vocabSize);
        Transformer t1(m, 2, 64), t2(back, 2, 64);
        t1.setLevelPolicy(std::make_shared<RouterPolicy>(m.routers, 3.3));
        t2.setLevelPolicy(std::make_shared<RouterPolicy>(back.routers, 3.3));
        QCOMPARE(maxAbsDiff(t1.forward(tokens.data(), 50, 0, true),
                            t2.forward(tokens.data(), 50, 0, true)),
                 0.0);
    }

    void mismatchedRoutersAreFormatErrors() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        Model m = slicedStories();
        m.routers = calibrated(m);
        const QString path = tmp_.path() + "/mismatch.gguf";
        saveGguf(m, path.toStdString());
        // Patch mobiroute.hidden (u32) so that the router tensors no longer
        // have the shapes the metadata announces.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        const QByteArray key = "mobiroute.hidden";
        const qsizetype at = bytes.indexOf(key);
        QVERIFY(at > 0);
        const qsizetype value = at + key.size() + 4; // after the u32 type tag
        uint32_t hidden = 0;
        memcpy(&hidden, bytes.constData() + value, 4);
        QCOMPARE(hidden, 32u);
        hidden = 31;
        memcpy(bytes.data() + value, &hidden, 4);
        f.seek(0);
        f.write(bytes);
        f.close();
        try {
            loadModel(path.toStdString());
            QFAIL("expected a FormatError");
        } catch (const FormatError& e) {
            QVERIFY2(QString(e.what()).contains("do not match"), e.what());
        }
        // Routers for another model (wrong dim) are refused by the writer.
        Model other = slicedStories();
        auto wrong = std::make_shared<RouterSet>(*m.routers);
        wrong->routers[0].in = 32;
        wrong->routers[0].w1.resize(size_t(32) * 32);
        other.routers = wrong;
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 saveGguf(other, (tmp_.path() + "/w.gguf").toStdString()));
        // A level policy on a dense model is refused.
        const Model dense = stories();
        Transformer t(dense, 1, 16);
        QVERIFY_THROWS_EXCEPTION(EngineError, t.setLevelPolicy(std::make_shared<HashPolicy>(4)));
    }

    void perLinearLevelsMatchAssembledDenseModel() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories();
        const int L = m.config.nLayers, n = 20;
        // Linear i of block l at level 1 + (l + i) % 4, every token alike.
        std::vector<int> levels(size_t(L) * 7 * n);
        Model dense = denseModelAtLevel(m, 1);
        std::vector<Model> atLevel;
        for (int k = 1; k <= 4; ++k)
            atLevel.push_back(denseModelAtLevel(m, k));
        for (int l = 0; l < L; ++l)
            for (int i = 0; i < 7; ++i) {
                const int k = 1 + (l + i) % 4;
                std::fill(levels.begin() + (size_t(l) * 7 + i) * n,
                          levels.begin() + (size_t(l) * 7 + i + 1) * n, k);
                LayerWeights& D = dense.weights.layers[size_t(l)];
                const LayerWeights& S = atLevel[size_t(k - 1)].weights.layers[size_t(l)];
                Tensor* dst[7] = {&D.wq, &D.wk, &D.wv, &D.wo, &D.wGate, &D.wUp, &D.wDown};
                const Tensor* src[7] = {&S.wq, &S.wk, &S.wv, &S.wo, &S.wGate, &S.wUp, &S.wDown};
                *dst[i] = *src[i];
            }
        const std::vector<int> tokens = someTokens(n, 8, m.config.vocabSize);
        Transformer routed(m, 2, 32), ref(dense, 2, 32);
        routed.setLevelPolicy(std::make_shared<TablePolicy>(1, L, n, levels, 7));
        RoutingStats stats(kBits, L);
        routed.setObserver([&](const LayerEvent& e) { stats.observe(e); });
        const double d = maxAbsDiff(routed.forward(tokens.data(), n, 0, true),
                                    ref.forward(tokens.data(), n, 0, true));
        QVERIFY2(d < 2e-3, qPrintable(QString::number(d)));
        QCOMPARE(stats.decisions(), int64_t(L) * 7 * n);
        QCOMPARE(stats.unitLevelCount(0, 0, 1), int64_t(n)); // block 0, q at level 1
        QCOMPARE(stats.unitLevelCount(2, 3, 2), int64_t(n)); // block 2, o: 1 + (2 + 3) % 4
        QCOMPARE(stats.unitLevelCount(2, 3, 1), int64_t(0));
    }

    void linearRoutersCalibrateAndRoundTrip() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        Model m = slicedStories();
        const std::vector<int> tokens = someTokens(400, 3, m.config.vocabSize);
        BlockErrorOptions eo;
        eo.ctx = 200;
        eo.threads = 2;
        // Against itself, the top level has no error; lower levels have.
        const LinearErrors self = measureLinearErrors(m, m, tokens, eo);
        QCOMPARE(self.errors.units, m.config.nLayers * 7);
        for (int u = 0; u < self.errors.units; ++u)
            for (int t = 0; t < self.nTokens; t += 37) {
                QCOMPARE(self.errors.at(u, 4, t), 0.0f);
                QVERIFY(self.errors.at(u, 1, t) > self.errors.at(u, 3, t));
            }
        const LinearErrors e = measureLinearErrors(stories(), m, tokens, eo);
        RouterCalibrationOptions co;
        co.train.epochs = 5;
        co.threads = 2;
        co.tablePoints = 33;
        auto rs = std::make_shared<RouterSet>(
            calibrateLinearRouters(e, kBits, linearParamShares(m.config), co));
        QCOMPARE(rs->granularity, RouteGranularity::Linear);
        QCOMPARE(int(rs->routers.size()), m.config.nLayers * 7);
        QCOMPARE(rs->routers[6].in, m.config.hiddenDim); // block 0's down reads the SwiGLU
        m.routers = rs;
        const std::string path = (tmp_.path() + "/linear.gguf").toStdString();
        GgufWriteOptions wo;
        wo.matrixType = DType::F32;
        saveGguf(m, path, wo);
        const Model back = loadModel(path);
        QVERIFY(back.routers);
        QCOMPARE(back.routers->granularity, RouteGranularity::Linear);
        QCOMPARE(back.routers->routers[20].w1, rs->routers[20].w1);
        Transformer t1(m, 2, 64), t2(back, 2, 64);
        auto p1 = std::make_shared<RouterPolicy>(m.routers, 3.5);
        QVERIFY(p1->perLinear());
        t1.setLevelPolicy(p1);
        t2.setLevelPolicy(std::make_shared<RouterPolicy>(back.routers, 3.5));
        RoutingStats stats(kBits, m.config.nLayers);
        t1.setObserver([&](const LayerEvent& ev) { stats.observe(ev); });
        const std::vector<int> held = someTokens(60, 44, m.config.vocabSize);
        QCOMPARE(
            maxAbsDiff(t1.forward(held.data(), 60, 0, true), t2.forward(held.data(), 60, 0, true)),
            0.0);
        QCOMPARE(stats.decisions(), int64_t(60) * 7 * m.config.nLayers);
    }

    void randomPoliciesMeetTheirMix() {
        RandomPolicy bracket(kBits, 3.3, 5);
        RoutingStats stats(kBits, 2);
        std::vector<int> levels(1000);
        for (int layer = 0; layer < 2; ++layer) {
            bracket.choose(layer, nullptr, 1000, 0, 0, levels.data(), nullptr);
            for (int k : levels)
                QVERIFY(k == 2 || k == 3);
            stats.observe(LayerEvent{layer, LayerPoint::Route, 1000, 0, 0, nullptr, levels.data()});
        }
        QVERIFY(std::fabs(stats.averageBits() - 3.3) < 0.05);
        QCOMPARE(stats.levelCount(2) + stats.levelCount(3), int64_t(2000));
        QCOMPARE(stats.layerLevelCount(0, 2) + stats.layerLevelCount(0, 3), int64_t(1000));
        // Matched: block 0 only level 1 and 4 (1:3), block 1 only level 2.
        RandomPolicy matched(std::vector<std::vector<double>>{{1, 0, 0, 3}, {0, 5, 0, 0}}, 9);
        int ones = 0;
        matched.choose(0, nullptr, 1000, 0, 0, levels.data(), nullptr);
        for (int k : levels) {
            QVERIFY(k == 1 || k == 4);
            ones += k == 1;
        }
        QVERIFY(ones > 200 && ones < 300);
        matched.choose(1, nullptr, 1000, 0, 0, levels.data(), nullptr);
        for (int k : levels)
            QCOMPARE(k, 2);
        QVERIFY_THROWS_EXCEPTION(EngineError, RandomPolicy(kBits, 6.0));
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 RandomPolicy(std::vector<std::vector<double>>{{0.0, 0.0}}, 1));
        // A table policy walks sequences and refuses what it lacks.
        TablePolicy table(2, 1, 3, {1, 2, 3, 4, 4, 4});
        table.choose(0, nullptr, 3, 0, 0, levels.data(), nullptr);
        QCOMPARE(levels[2], 3);
        table.choose(0, nullptr, 3, 0, 0, levels.data(), nullptr);
        QCOMPARE(levels[0], 4);
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 table.choose(0, nullptr, 1, 0, 0, levels.data(), nullptr));
    }
};

QTEST_APPLESS_MAIN(TestRoute)
#include "tst_route.moc"
