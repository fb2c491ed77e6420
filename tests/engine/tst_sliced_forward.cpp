// The forward pass on a sliced model at every level against the same forward
// on a dense F32 model built from that level's dequantized weights; level
// switching; and the errors for dense models and missing levels.
#include "TestData.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "io/ModelLoader.h"
#include "model/Model.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"

#include <QtTest>

#include <cmath>
#include <memory>

using namespace mobi;

namespace {

// max |a - b| relative to the largest |b| (at least 1).
double relMaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double d = 0, m = 1;
    for (size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
        m = std::max(m, std::fabs(static_cast<double>(b[i])));
    }
    return d / m;
}

Model slicedStories(SliceMode mode, std::vector<int> bits, int group) {
    Model m = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
    SliceConfig cfg;
    cfg.sliceBits = std::move(bits);
    cfg.groupSize = group;
    cfg.mode = mode;
    ThreadPool pool(2);
    m.sliced = std::make_shared<SlicedModel>(sliceModel(m, cfg, nullptr, pool));
    return m;
}

const std::vector<int> kTokens = {1, 403, 407, 261, 378, 429, 270, 300, 35, 310, 278, 401, 9};

} // namespace

class TestSlicedForward : public QObject {
    Q_OBJECT
  private slots:
    void everyLevelMatchesDenseDequantized_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("bits");
        QTest::addColumn<int>("group");
        QTest::newRow("nested 2,1,1,1 g128") << int(SliceMode::Nested) << "2,1,1,1" << 128;
        QTest::newRow("residual 2,1,1,1 g128") << int(SliceMode::Residual) << "2,1,1,1" << 128;
        QTest::newRow("nested 4,2,2 g32") << int(SliceMode::Nested) << "4,2,2" << 32;
        QTest::newRow("residual 3,3 g64") << int(SliceMode::Residual) << "3,3" << 64;
    }
    void everyLevelMatchesDenseDequantized() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QFETCH(int, mode);
        QFETCH(QString, bits);
        QFETCH(int, group);
        const Model m = slicedStories(static_cast<SliceMode>(mode),
                                      SliceConfig::parseSliceBits(bits.toStdString()), group);
        Transformer sliced(m, 2, 64);
        QCOMPARE(sliced.levels(), m.sliced->levels());
        QCOMPARE(sliced.level(), m.sliced->levels()); // top by default
        std::vector<float> prevPrefill;
        for (int k = 1; k <= m.sliced->levels(); ++k) {
            const Model dense = denseModelAtLevel(m, k);
            QVERIFY(!dense.sliced);
            Transformer ref(dense, 2, 64);
            sliced.setLevel(k);
            const int n = static_cast<int>(kTokens.size());
            // Prefill (GEMM) with all logits.
            const std::vector<float> a = sliced.forward(kTokens.data(), n, 0, true);
            const std::vector<float> b = ref.forward(kTokens.data(), n, 0, true);
            QVERIFY2(relMaxDiff(a, b) < 2e-4,
                     qPrintable(QString("level %1 prefill diff %2").arg(k).arg(relMaxDiff(a, b))));
            // Decode (GEMV) one token after the prefill.
            const int next = 300;
            const std::vector<float> c = sliced.forward(&next, 1, n);
            const std::vector<float> d = ref.forward(&next, 1, n);
            QVERIFY2(relMaxDiff(c, d) < 2e-4,
                     qPrintable(QString("level %1 decode diff %2").arg(k).arg(relMaxDiff(c, d))));
            // Levels really differ from one another.
            if (!prevPrefill.empty()) QVERIFY(relMaxDiff(a, prevPrefill) > 1e-3);
            prevPrefill = a;
        }
    }

    void topLevelIsCloseToFullPrecision() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories(SliceMode::Nested, {2, 1, 1, 1}, 128);
        Model fp = m;
        fp.sliced.reset();
        Transformer ts(m, 2, 64), tf(fp, 2, 64);
        const int n = static_cast<int>(kTokens.size());
        const std::vector<float> a = ts.forward(kTokens.data(), n, 0);
        const std::vector<float> b = tf.forward(kTokens.data(), n, 0);
        // 5 bits is close to, but not equal to, full precision.
        const double d = relMaxDiff(a, b);
        QVERIFY2(d < 0.1, qPrintable(QString::number(d)));
        QVERIFY(d > 1e-5);
    }

    void levelErrors() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = slicedStories(SliceMode::Nested, {2, 1, 1, 1}, 128);
        Transformer t(m, 1, 16);
        QVERIFY_THROWS_EXCEPTION(EngineError, t.setLevel(0));
        QVERIFY_THROWS_EXCEPTION(EngineError, t.setLevel(5));
        Model fp = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
        Transformer d(fp, 1, 16);
        QCOMPARE(d.levels(), 0);
        QVERIFY_THROWS_EXCEPTION(EngineError, d.setLevel(1));
    }

    void validateAcceptsSlicedWithoutDenseLinears() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        Model m = slicedStories(SliceMode::Residual, {2, 2}, 64);
        for (LayerWeights& L : m.weights.layers)
            L.wq = L.wk = L.wv = L.wo = L.wGate = L.wUp = L.wDown = Tensor{};
        m.validate();
        Transformer t(m, 1, 16);
        const std::vector<float> a = t.forward(kTokens.data(), 4, 0);
        const Model dense = denseModelAtLevel(m, 2);
        Transformer r(dense, 1, 16);
        QVERIFY(relMaxDiff(a, r.forward(kTokens.data(), 4, 0)) < 2e-4);
        // Without the slices the same model is incomplete.
        Model broken = m;
        broken.sliced.reset();
        QVERIFY_THROWS_EXCEPTION(FormatError, broken.validate());
    }
};

QTEST_APPLESS_MAIN(TestSlicedForward)
#include "tst_sliced_forward.moc"
