// Item models (QAbstractItemModelTester), layout math, statistics and painting of the views library.
#include "TestData.h"

#include "BudgetSlider.h"
#include "ChipLayout.h"
#include "ColorScale.h"
#include "LayerHeatmap.h"
#include "ModelTensors.h"
#include "ModelTreeModel.h"
#include "PrecisionSource.h"
#include "SlicedPrecisionSource.h"
#include "TensorStatistics.h"
#include "TokenChipView.h"
#include "TokenListModel.h"

#include "core/Tensor.h"
#include "io/ModelLoader.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QSlider>
#include <QtTest>

#include <cmath>
#include <random>

using namespace mobi;

namespace {

TokenRecords makeRecords(int n, int layers) {
    TokenRecords out;
    for (int i = 0; i < n; ++i) {
        TokenRecord r;
        r.id = 10 + i;
        r.position = i;
        r.piece = QStringLiteral("t%1").arg(i);
        r.prompt = i < 2;
        r.logprob = i == 0 ? NAN : -0.5f * i;
        r.entropy = i == 0 ? NAN : 0.3f * i;
        r.top = {{r.id, r.piece, r.logprob}, {1, QStringLiteral("x"), -5.0f}};
        for (int l = 0; l < layers; ++l) {
            r.layerRms.push_back(1.0f + i + l);
            r.layerChange.push_back(0.1f * (i + 1) * (l + 1));
        }
        out.append(r);
    }
    return out;
}

} // namespace

class TestViews : public QObject {
    Q_OBJECT
private slots:
    void tokenListModelPassesTester() {
        TokenListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setVocabSize(512);
        model.append(makeRecords(5, 3));
        model.append(makeRecords(3, 3));
        QCOMPARE(model.rowCount(), 8);
        QCOMPARE(model.layerCount(), 3);
        model.setMeasure(TokenMeasure::Entropy);
        QCOMPARE(model.index(2, 0).data(TokenListModel::MeasureValueRole).toDouble(), 0.3f * 2);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void tokenColoursFollowMeasure() {
        TokenListModel model;
        model.setVocabSize(512);
        model.append(makeRecords(6, 2));
        // Log-probabilities differ per token, so their colours do.
        QVERIFY(model.colorAt(1) != model.colorAt(4));
        const QColor lp = model.colorAt(3);
        model.setMeasure(TokenMeasure::Entropy);
        QVERIFY(model.colorAt(3) != lp);
        // The first token has no prediction: grey, whatever the measure.
        QCOMPARE(model.colorAt(0), QColor(150, 150, 150));
    }

    void modelTreePassesTesterHandBuilt() {
        auto root = std::make_unique<ModelTreeNode>();
        auto* g = root->add(std::make_unique<ModelTreeNode>());
        g->name = QStringLiteral("blocks");
        for (int i = 0; i < 3; ++i) {
            auto leaf = std::make_unique<ModelTreeNode>();
            leaf->name = QStringLiteral("w%1").arg(i);
            leaf->key = QStringLiteral("k%1").arg(i);
            leaf->parameters = 10 * (i + 1);
            g->add(std::move(leaf));
        }
        ModelTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRoot(std::move(root));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowCount(model.index(0, 0)), 3);
        const QModelIndex k1 = model.indexForKey(QStringLiteral("k1"));
        QVERIFY(k1.isValid());
        QCOMPARE(k1.data().toString(), QStringLiteral("w1"));
        QCOMPARE(k1.parent(), model.index(0, 0));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void modelTreeOfStories260K() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
        ModelTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRoot(ModelTreeModel::buildTree(m));
        // tok_embeddings, blocks, norm (tied classifier: no output tensor).
        QCOMPARE(model.rowCount(), 3);
        const QModelIndex blocks = model.index(1, 0);
        QCOMPARE(model.rowCount(blocks), m.config.nLayers);
        // The groups' parameter counts add up to the model's own count.
        qint64 total = 0;
        for (int r = 0; r < model.rowCount(); ++r)
            total += model.index(r, 0).data(ModelTreeModel::ParameterCountRole).toLongLong();
        QCOMPARE(total, static_cast<qint64>(m.parameterCount()));
        const QModelIndex wq = model.indexForKey(QStringLiteral("layers.0.attention.wq"));
        QVERIFY(wq.isValid());
        QCOMPARE(wq.siblingAtColumn(ModelTreeModel::ShapeColumn).data().toString(), QStringLiteral("[64, 64]"));
        QCOMPARE(wq.siblingAtColumn(ModelTreeModel::DTypeColumn).data().toString(), QStringLiteral("F32"));
        QVERIFY(findTensor(m, "layers.4.feed_forward.w2") == &m.weights.layers[4].wDown);
    }

    void statisticsMatchNaive() {
        std::mt19937 rng(7);
        std::normal_distribution<float> nd(0.5f, 2.0f);
        std::vector<float> v(20000);
        for (float& x : v) x = nd(rng);
        v[17] = 40.0f; // far beyond 6 sigma
        v[99] = -35.0f;
        const TensorStatistics s = computeStatistics(v.data(), static_cast<int64_t>(v.size()), 64);
        double sum = 0;
        for (float x : v) sum += x;
        const double mean = sum / v.size();
        double var = 0;
        for (float x : v) var += (x - mean) * (x - mean);
        const double sd = std::sqrt(var / v.size());
        int out = 0;
        for (float x : v) out += std::fabs(x - mean) > 6 * sd;
        QCOMPARE(s.count, static_cast<int64_t>(v.size()));
        QVERIFY(std::fabs(s.mean - mean) < 1e-9);
        QVERIFY(std::fabs(s.stddev - sd) < 1e-6);
        QCOMPARE(s.max, 40.0);
        QCOMPARE(s.min, -35.0);
        QCOMPARE(s.absMax, 40.0);
        QCOMPARE(s.outlierFraction, static_cast<double>(out) / v.size());
        QVERIFY(out >= 2);
        int64_t binned = 0;
        for (int64_t c : s.histogram) binned += c;
        QCOMPARE(binned, s.count);
        // Stored tensor path gives the same numbers as the flat path.
        Tensor t = Tensor::fromF32("t", {200, 100}, v);
        TensorStatistics st;
        QVERIFY(computeTensorStatistics(t, 64, st));
        QCOMPARE(st.histogram, s.histogram);
        QCOMPARE(st.outlierFraction, s.outlierFraction);
        QVERIFY(!computeTensorStatistics(t, 64, st, [] { return true; }));
    }

    void chipLayoutWrapsAndHits() {
        ChipLayout l;
        l.margin = 5, l.spacing = 2, l.chipHeight = 10, l.lineSpacing = 3;
        const QVector<QRect> r = l.place({30, 30, 30, 200}, 100);
        QCOMPARE(r.size(), 4);
        QCOMPARE(r[0], QRect(5, 5, 30, 10));
        QCOMPARE(r[1], QRect(37, 5, 30, 10));
        QCOMPARE(r[2].top(), 18); // 5 + 30 + 2 + 30 + 2 + 30 > 95: wraps
        QCOMPARE(r[3].top(), 31); // wider than a line: its own line
        QCOMPARE(l.heightFor(r), 31 + 10 + 5);
        QCOMPARE(ChipLayout::hit(r, QPoint(40, 8)), 1);
        QCOMPARE(ChipLayout::hit(r, QPoint(36, 8)), -1); // in the spacing
        QCOMPARE(ChipLayout::hit(r, QPoint(50, 35)), 3);
    }

    void chipViewFollowsModel() {
        TokenListModel model;
        model.setVocabSize(512);
        TokenChipView view;
        view.resize(300, 200);
        view.setModel(&model);
        model.append(makeRecords(4, 1));
        model.append(makeRecords(3, 1));
        QCOMPARE(view.chipCount(), 7);
        QSignalSpy sel(&view, &TokenChipView::tokenSelected);
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.chipRect(2).center());
        QCOMPARE(view.selectedToken(), 2);
        QCOMPARE(sel.count(), 1);
        model.clear();
        QCOMPARE(view.chipCount(), 0);
    }

    void heatmapImageHoldsOnePixelPerCell() {
        TokenListModel model;
        model.append(makeRecords(7, 4));
        LayerHeatmap map;
        map.setModel(&model);
        const QImage img = map.image();
        QCOMPARE(img.size(), QSize(7, 4));
        // layerChange = 0.1 (i+1)(l+1): min at (0,0), max at (6,3).
        QCOMPARE(map.rangeLo(), static_cast<double>(0.1f));
        QCOMPARE(map.rangeHi(), static_cast<double>(0.1f * 7 * 4));
        QCOMPARE(img.pixel(0, 0), rampColor(ColorRamp::Viridis, 0.0));
        QCOMPARE(img.pixel(6, 3), rampColor(ColorRamp::Viridis, 1.0));
        const double v = 0.1f * 3 * 2;
        QCOMPARE(img.pixel(2, 1), rampColor(ColorRamp::Viridis, (v - map.rangeLo()) / (map.rangeHi() - map.rangeLo())));
        map.setMeasure(LayerMeasure::HiddenRms);
        QCOMPARE(map.image().pixel(0, 0), rampColor(ColorRamp::Viridis, 0.0));
        QCOMPARE(map.rangeHi(), 1.0 + 6 + 3);
    }

    void budgetSliderDisabledWithoutLevels() {
        FullPrecisionSource src;
        BudgetSlider slider;
        QVERIFY(!slider.isEnabled());
        slider.setSource(&src);
        QVERIFY(!slider.isEnabled());
        QCOMPARE(slider.toolTip(), src.unavailableReason());
        QVERIFY(src.unavailableReason().contains(QStringLiteral("sliced model")));
        QVERIFY(!slider.stepsLevels());
        QCOMPARE(slider.level(), 0);
        QVERIFY(!tokenMeasureAvailable(TokenMeasure::LevelBits, &src));
        QVERIFY(tokenMeasureAvailable(TokenMeasure::Entropy, &src));
    }

    void budgetSliderStepsSlicedLevels() {
        SlicedPrecisionSource src({2, 3, 4, 5}, {2.25, 3.5, 4.47, 5.5});
        QCOMPARE(src.levelCount(), 4);
        QCOMPARE(src.level(), 4); // starts at the top
        QCOMPARE(src.levelLabel(3), QStringLiteral("level 3 \u00b7 4 bits (4.47 b/w)"));
        src.setBudget(4.0); // highest level within 4 b/w
        QCOMPARE(src.level(), 2);
        src.setBudget(1.0);
        QCOMPARE(src.level(), 1);
        src.setLevel(9);
        QCOMPARE(src.level(), 4);

        BudgetSlider slider;
        slider.setSource(&src);
        QVERIFY(slider.isEnabled());
        QVERIFY(slider.stepsLevels());
        QCOMPARE(slider.slider()->minimum(), 1);
        QCOMPARE(slider.slider()->maximum(), 4);
        QCOMPARE(slider.level(), 4);
        QSignalSpy levels(&slider, &BudgetSlider::levelChanged);
        QSignalSpy bits(&slider, &BudgetSlider::budgetChanged);
        slider.setLevel(2);
        QCOMPARE(levels.count(), 1);
        QCOMPARE(levels.first().first().toInt(), 2);
        QCOMPARE(bits.first().first().toDouble(), 3.5);
        QCOMPARE(src.level(), 2);
        QCOMPARE(slider.budget(), 3.5);
        QVERIFY(slider.findChildren<QLabel*>().last()->text().startsWith(QStringLiteral("level 2")));

        // Chips coloured by bits: the average of the per-layer levels' bits, on the levels' range.
        QVERIFY(tokenMeasureAvailable(TokenMeasure::LevelBits, &src));
        TokenRecord r;
        QVERIFY(std::isnan(tokenMeasureValue(TokenMeasure::LevelBits, r, &src)));
        r.layerLevel = {1, 4};
        QCOMPARE(tokenMeasureValue(TokenMeasure::LevelBits, r, &src), (2.25 + 5.5) / 2);
        const MeasureRange range = tokenMeasureRange(TokenMeasure::LevelBits, 512, &src);
        QCOMPARE(range.lo, 2.25);
        QCOMPARE(range.hi, 5.5);

        // The heatmap shows levels on the fixed 1..K scale, even when they are uniform.
        TokenListModel model;
        model.setPrecisionSource(&src);
        TokenRecords recs(3);
        for (int i = 0; i < 3; ++i) {
            recs[i].id = i;
            recs[i].layerRms = {1, 1};
            recs[i].layerLevel = {2, 2};
        }
        model.append(recs);
        LayerHeatmap map;
        map.setModel(&model);
        map.setMeasure(LayerMeasure::Level);
        QCOMPARE(map.image().pixel(0, 0), rampColor(ColorRamp::Viridis, 1.0 / 3));
        QCOMPARE(map.rangeLo(), 1.0);
        QCOMPARE(map.rangeHi(), 4.0);
        // A re-score keeps the rows and updates the views.
        for (TokenRecord& t : recs) t.layerLevel = {4, 4};
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(model.updateRecords(recs));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(map.image().pixel(2, 1), rampColor(ColorRamp::Viridis, 1.0));
        QVERIFY(!model.updateRecords(TokenRecords(2)));
    }
};

QTEST_MAIN(TestViews)
#include "tst_views.moc"
