// The inspector's sliced-linear views: the per-group scale heatmap (image
// size, colours monotone in scale) and the sliced report (scales and level
// errors against an independent computation, with and without a dense source).
#include "TestData.h"

#include "ColorScale.h"
#include "GroupScaleHeatmap.h"
#include "ModelTensors.h"
#include "ModelTreeModel.h"
#include "SlicedTensorReport.h"

#include "core/ThreadPool.h"
#include "io/ModelLoader.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <random>

using namespace mobi;

namespace {

// ||A - B||_F / ||A||_F in double.
double relError(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        den += double(a[i]) * a[i];
    }
    return std::sqrt(num / den);
}

} // namespace

class TestSlicedViews : public QObject {
    Q_OBJECT
  private slots:
    void heatmapImageIsRowsByGroupsAndMonotone() {
        const int rows = 37, groups = 5;
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> d(0.01f, 0.3f);
        std::vector<float> s(rows * groups);
        for (float& v : s)
            v = d(rng);
        GroupScaleHeatmap h;
        h.resize(300, 200);
        h.setScales(rows, groups, s);
        QCOMPARE(h.image().width(), groups);
        QCOMPARE(h.image().height(), rows);
        const float lo = *std::min_element(s.begin(), s.end()),
                    hi = *std::max_element(s.begin(), s.end());
        QCOMPARE(h.rangeLo(), double(lo));
        QCOMPARE(h.rangeHi(), double(hi));
        // Sorted by scale, the pixels' grey level never decreases (viridis is
        // monotone in luminance); extremes are the ramp's ends.
        std::vector<int> order(s.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return s[a] < s[b]; });
        int prevGray = -1;
        for (int i : order) {
            const QRgb c = h.image().pixel(i % groups, i / groups);
            QVERIFY2(qGray(c) >= prevGray - 1, qPrintable(QStringLiteral("cell %1").arg(i)));
            prevGray = std::max(prevGray, qGray(c));
            QCOMPARE(c & 0xffffff,
                     rampColor(ColorRamp::Viridis, (s[i] - lo) / double(hi - lo)) & 0xffffff);
        }
        QCOMPARE(h.image().pixel(order.front() % groups, order.front() / groups) & 0xffffff,
                 rampColor(ColorRamp::Viridis, 0) & 0xffffff);
        QCOMPARE(h.image().pixel(order.back() % groups, order.back() / groups) & 0xffffff,
                 rampColor(ColorRamp::Viridis, 1) & 0xffffff);
        QVERIFY(qGray(h.image().pixel(order.back() % groups, order.back() / groups)) >
                qGray(h.image().pixel(order.front() % groups, order.front() / groups)) + 100);
        // Painting and hovering do not crash; a cell under the plot maps back.
        QImage shot(h.size(), QImage::Format_RGB32);
        h.render(&shot);
        QCOMPARE(h.cellAt(QPointF(-5, -5)), QPoint(-1, -1));
        // Mismatched sizes clear it.
        h.setScales(rows, groups, std::vector<float>(3));
        QVERIFY(h.image().isNull());
        QCOMPARE(h.rows(), 0);
    }

    void reportAgainstDenseAndTopLevel() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        auto m = std::make_shared<Model>(
            loadModel(testdata::stdPath("models/stories260K/stories260K.bin")));
        ThreadPool pool(2);
        SliceConfig cfg; // 2,1,1,1, group 128
        m->sliced = std::make_shared<SlicedModel>(sliceModel(*m, cfg, nullptr, pool));
        const std::string key = "layers.2.feed_forward.w2";
        const SlicedMatrix* sm = findSlicedMatrix(*m, key);
        QVERIFY(sm);
        QCOMPARE(sm, &m->sliced->layers[2].wDown);
        QVERIFY(!findSlicedMatrix(*m, "layers.2.attention_norm"));
        QVERIFY(!findSlicedMatrix(*m, "output"));
        const Tensor* dense = findTensor(*m, key);
        QVERIFY(dense);
        const int64_t rows = dense->shape[0], cols = dense->shape[1];
        std::vector<float> w(rows * cols);
        for (int64_t r = 0; r < rows; ++r)
            dense->rowToF32(r, &w[r * cols]);

        // Against the dense source.
        SlicedTensorReport rep;
        QVERIFY(computeSlicedReport(*sm, dense, rep));
        QVERIFY(rep.againstDense);
        QCOMPARE(rep.rows, rows);
        QCOMPARE(rep.cols, cols);
        QCOMPARE(rep.groups, (cols + 127) / 128);
        QCOMPARE(int(rep.levels.size()), 4);
        const int K = sm->levels();
        for (int k = 1; k <= K; ++k) {
            const double expect = relError(w, sm->dequantizeLevel(k));
            QVERIFY2(std::abs(rep.levels[k - 1].relError - expect) < 1e-5 * std::max(1.0, expect),
                     qPrintable(QStringLiteral("level %1: %2 vs %3")
                                    .arg(k)
                                    .arg(rep.levels[k - 1].relError)
                                    .arg(expect)));
            QCOMPARE(rep.levels[k - 1].bits, cfg.bitsForLevel(k));
            QCOMPARE(rep.levels[k - 1].effectiveBits, sm->effectiveBits(k));
            if (k > 1) QVERIFY(rep.levels[k - 1].relError < rep.levels[k - 2].relError);
        }
        QVERIFY(rep.levels[K - 1].relError > 0);
        // Slice 1 scale of every (row, group): in nested mode level 1 of the
        // group's first weight lies on min + scale * c with c in [0, 3].
        for (int64_t r = 0; r < rows; r += 7)
            for (int64_t g = 0; g < rep.groups; ++g) {
                float s = 0, mn = 0;
                sm->sliceScaleMin(0, r, g, s, mn);
                QCOMPARE(rep.scales[r * rep.groups + g], s);
                QVERIFY(s > 0);
            }

        // Without the source: against the top level.
        SlicedTensorReport top;
        QVERIFY(computeSlicedReport(*sm, nullptr, top));
        QVERIFY(!top.againstDense);
        const std::vector<float> wk = sm->dequantizeLevel(K);
        for (int k = 1; k <= K; ++k) {
            const double expect = relError(wk, sm->dequantizeLevel(k));
            QVERIFY(std::abs(top.levels[k - 1].relError - expect) < 1e-5 * std::max(1.0, expect));
        }
        QCOMPARE(top.levels[K - 1].relError, 0.0);
        QVERIFY(top.levels[0].relError > top.levels[1].relError);

        // Cancelling stops it.
        SlicedTensorReport none;
        QVERIFY(!computeSlicedReport(*sm, nullptr, none, [] { return true; }));

        // Statistics of a level are those of its dequantized weights.
        const TensorStatistics st = slicedLevelStatistics(*sm, 2);
        const std::vector<float> w2 = sm->dequantizeLevel(2);
        QCOMPARE(st.count, int64_t(w2.size()));
        QCOMPARE(st.max, double(*std::max_element(w2.begin(), w2.end())));
        QCOMPARE(st.min, double(*std::min_element(w2.begin(), w2.end())));
    }

    void keysForGgufNames() {
        QCOMPARE(tensorKeyForName("blk.1.ffn_down"), std::string("layers.1.feed_forward.w2"));
        QCOMPARE(tensorKeyForName("blk.12.attn_q.weight"), std::string("layers.12.attention.wq"));
        QCOMPARE(tensorKeyForName("blk.0.attn_q.bias"), std::string("layers.0.attention.bq"));
        QCOMPARE(tensorKeyForName("blk.3.attn_output"), std::string("layers.3.attention.wo"));
        QCOMPARE(tensorKeyForName("token_embd.weight"), std::string("tok_embeddings"));
        QCOMPARE(tensorKeyForName("output_norm"), std::string("norm"));
        // Keys and unknown names pass through unchanged.
        for (const char* n : {"layers.0.attention.wq", "blk.x.attn_q", "blk.1.nope", "blk.",
                              "blk.99999999999.attn_q", ""})
            QCOMPARE(tensorKeyForName(n), std::string(n));
        // Every block linear's GGUF name maps to the key the tree uses.
        const char* gguf[] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                              "ffn_gate", "ffn_up", "ffn_down"};
        for (int i = 0; i < 7; ++i)
            QCOMPARE(tensorKeyForName("blk.4." + std::string(gguf[i])), slicedLinearKey(4, i));
    }

    void treeKeysOfSlicedOnlyLinears() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        Model m = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
        ThreadPool pool(2);
        auto sliced = std::make_shared<SlicedModel>(sliceModel(m, SliceConfig{}, nullptr, pool));
        // Drop the dense linears as a sliced file does.
        for (auto& L : m.weights.layers)
            for (Tensor* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown})
                *t = Tensor();
        m.sliced = sliced;
        ModelTreeModel tree;
        tree.setRoot(ModelTreeModel::buildTree(m));
        for (int l = 0; l < int(m.weights.layers.size()); ++l)
            for (int i = 0; i < 7; ++i) {
                const QString key = QString::fromStdString(slicedLinearKey(l, i));
                const QModelIndex idx = tree.indexForKey(key);
                QVERIFY2(idx.isValid(), qPrintable(key));
                QVERIFY(idx.siblingAtColumn(ModelTreeModel::DTypeColumn)
                            .data()
                            .toString()
                            .startsWith("sliced"));
                QVERIFY(findSlicedMatrix(m, key.toStdString()));
            }
    }
};

QTEST_MAIN(TestSlicedViews)
#include "tst_sliced_views.moc"
