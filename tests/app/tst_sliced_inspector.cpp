// The model inspector on a sliced stories260K written by the real CLI: the
// tree lists the sliced linears (their dense tensors are absent from the
// file), and selecting one shows slice 1's group scales, per-level errors
// against the top level and the statistics of a level's dequantized weights,
// all checked against computations on the SlicedMatrix here.
#include "TestData.h"

#include "GroupScaleHeatmap.h"
#include "HistogramWidget.h"
#include "MainWindow.h"
#include "ModelDocument.h"
#include "ModelTreeModel.h"
#include "SlicedTensorReport.h"

#include "model/Model.h"
#include "quant/SlicedModel.h"

#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <cmath>

using namespace mobi;

namespace {

const char* kModel = "models/stories260K/stories260K.bin";
const char* kTok = "models/stories260K/tok512.bin";

double relError(const std::vector<float>& ref, const std::vector<float>& x) {
    double num = 0, den = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        num += (double(ref[i]) - x[i]) * (double(ref[i]) - x[i]);
        den += double(ref[i]) * ref[i];
    }
    return std::sqrt(num / den);
}

// Selects `key` in the tree and waits for the statistics of `wantLevel`.
bool selectAndWait(MainWindow& w, const QString& key, int wantLevel) {
    const QModelIndex idx = w.document()->tree()->indexForKey(key);
    if (!idx.isValid()) return false;
    w.modelTree()->setCurrentIndex(idx);
    const QString want = QStringLiteral("%1 @ level %2 ").arg(key).arg(wantLevel);
    return QTest::qWaitFor([&] { return w.histogram()->statistics().key.startsWith(want); }, 20000);
}

} // namespace

class TestSlicedInspector : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString sliced_;

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("mobiscope-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_sliced_inspector"));
        QSettings().clear();
        QVERIFY(dir_.isValid());
    }

    void slicedLinearsInInspector() {
        REQUIRE_DATA(kModel);
        REQUIRE_DATA(kTok);
        sliced_ = dir_.filePath(QStringLiteral("s.gguf"));
        const auto r = testdata::runCli({QStringLiteral("slice"), testdata::path(kModel),
                                         QStringLiteral("--tokenizer"), testdata::path(kTok),
                                         QStringLiteral("-o"), sliced_});
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());

        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.openModel(sliced_);
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isLoading(); }, 20000));
        const ModelPtr model = w.document()->model();
        QVERIFY(model && model->sliced);
        QVERIFY(model->weights.layers[0].wDown.empty()); // only slices in the file
        const int K = model->sliced->levels();

        // ffn_down of block 0: [64, 172] -> 2 groups of 128.
        const QString down = QStringLiteral("layers.0.feed_forward.w2");
        QVERIFY(selectAndWait(w, down, K));
        QVERIFY(w.slicedPanel()->isVisibleTo(&w));
        const SlicedMatrix& m = model->sliced->layers[0].wDown;
        QCOMPARE(m.cols(), 172);
        QCOMPARE(w.groupScaleHeatmap()->image().width(), 2);
        QCOMPARE(w.groupScaleHeatmap()->image().height(), 64);
        QVERIFY(w.slicedInfoLabel()->text().contains(
            QStringLiteral("vs top level (file has no dense weights)")));
        QTableWidget* t = w.levelErrorTable();
        QCOMPARE(t->rowCount(), K);
        QCOMPARE(t->currentRow(), K - 1);
        const std::vector<float> top = m.dequantizeLevel(K);
        double prev = INFINITY;
        for (int k = 1; k <= K; ++k) {
            const double shown = t->item(k - 1, 3)->data(Qt::UserRole + 1).toDouble();
            const double expect = relError(top, m.dequantizeLevel(k));
            QVERIFY2(
                std::abs(shown - expect) <= 1e-6 * std::max(1.0, expect),
                qPrintable(QStringLiteral("level %1: %2 vs %3").arg(k).arg(shown).arg(expect)));
            QVERIFY(k == K || shown < prev);
            prev = shown;
            QCOMPARE(t->item(k - 1, 1)->text().toInt(), m.config().bitsForLevel(k));
        }
        QCOMPARE(t->item(K - 1, 3)->data(Qt::UserRole + 1).toDouble(), 0.0);
        QVERIFY(t->item(0, 3)->data(Qt::UserRole + 1).toDouble() > 0.1);
        // Heatmap range = slice 1's scales.
        float lo = INFINITY, hi = -INFINITY;
        for (int64_t r = 0; r < m.rows(); ++r)
            for (int64_t g = 0; g < m.groupsPerRow(); ++g) {
                float s, mn;
                m.sliceScaleMin(0, r, g, s, mn);
                lo = std::min(lo, s);
                hi = std::max(hi, s);
            }
        QCOMPARE(w.groupScaleHeatmap()->rangeLo(), double(lo));
        QCOMPARE(w.groupScaleHeatmap()->rangeHi(), double(hi));
        // Histogram of the top level's dequantized weights.
        const TensorStatistics ref = computeStatistics(top.data(), int64_t(top.size()));
        QCOMPARE(w.histogram()->statistics().count, int64_t(172 * 64));
        QCOMPARE(w.histogram()->statistics().max, ref.max);
        QCOMPARE(w.histogram()->statistics().histogram, ref.histogram);

        // Choosing level 1 in the table shows level 1's statistics.
        t->setCurrentCell(0, 0);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return w.histogram()->statistics().key.startsWith(down +
                                                                  QStringLiteral(" @ level 1 "));
            },
            20000));
        const std::vector<float> l1 = m.dequantizeLevel(1);
        const TensorStatistics ref1 = computeStatistics(l1.data(), int64_t(l1.size()));
        QCOMPARE(w.histogram()->statistics().histogram, ref1.histogram);
        QCOMPARE(w.histogram()->statistics().min, ref1.min);

        // attn_q of block 0: [64, 64] -> one group.
        QVERIFY(selectAndWait(w, QStringLiteral("layers.0.attention.wq"), K));
        QCOMPARE(w.groupScaleHeatmap()->image().width(), 1);
        QCOMPARE(w.groupScaleHeatmap()->image().height(), 64);

        // A dense tensor hides the sliced panel.
        w.modelTree()->setCurrentIndex(
            w.document()->tree()->indexForKey(QStringLiteral("layers.0.attention_norm")));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return w.histogram()->statistics().key == QStringLiteral("layers.0.attention_norm");
            },
            20000));
        QVERIFY(!w.slicedPanel()->isVisibleTo(&w));
    }
};

QTEST_MAIN(TestSlicedInspector)
#include "tst_sliced_inspector.moc"
