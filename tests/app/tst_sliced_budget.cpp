// The budget slider on a sliced stories260K (written by the real CLI): it steps
// through the levels, re-scores the current text in the background, and the
// perplexity it reports matches a second transformer scoring the same tokens.
#include "TestData.h"

#include "BudgetSlider.h"
#include "MainWindow.h"
#include "ModelDocument.h"
#include "ModelTreeModel.h"
#include "PrecisionSource.h"
#include "TokenChipView.h"
#include "TokenListModel.h"

#include "model/Transformer.h"
#include "quant/SlicedModel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <cmath>

using namespace mobi;

namespace {

const char* kModel = "models/stories260K/stories260K.bin";

bool openAndWait(MainWindow& w, const QString& path) {
    w.openModel(path);
    return QTest::qWaitFor([&] { return !w.document()->isLoading(); }, 20000) &&
           w.document()->model() != nullptr;
}

QList<QRgb> chipColours(const TokenChipView* v) {
    QList<QRgb> out;
    for (int i = 0; i < v->chipCount(); ++i)
        out.append(v->chipColor(i).rgb());
    return out;
}

void selectMeasure(MainWindow& w, TokenMeasure m) {
    w.measureCombo()->setCurrentIndex(w.measureCombo()->findData(static_cast<int>(m)));
}

bool measureEnabled(MainWindow& w, TokenMeasure m) {
    auto* model = qobject_cast<QStandardItemModel*>(w.measureCombo()->model());
    return model->item(w.measureCombo()->findData(static_cast<int>(m)))->isEnabled();
}

// Perplexity of `ids` at `level`, computed here from a fresh transformer's logits.
double independentPerplexity(const Model& m, const std::vector<int>& ids, int level,
                             std::vector<double>* logprobs) {
    Transformer t(m, 1);
    t.setLevel(level);
    const std::vector<float> logits = t.forward(ids.data(), static_cast<int>(ids.size()), 0, true);
    const int V = m.config.vocabSize;
    double nll = 0;
    for (size_t i = 1; i < ids.size(); ++i) {
        const float* row = &logits[(i - 1) * V];
        double mx = row[0];
        for (int k = 1; k < V; ++k)
            mx = std::max<double>(mx, row[k]);
        double z = 0;
        for (int k = 0; k < V; ++k)
            z += std::exp(row[k] - mx);
        const double lp = row[ids[i]] - mx - std::log(z);
        if (logprobs) logprobs->push_back(lp);
        nll -= lp;
    }
    return std::exp(nll / static_cast<double>(ids.size() - 1));
}

} // namespace

class TestSlicedBudget : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString sliced_;

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("mobiscope-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_sliced_budget"));
        QSettings().clear();
        if (!QFileInfo::exists(testdata::path(kModel))) return;
        QVERIFY(dir_.isValid());
        sliced_ = dir_.filePath(QStringLiteral("stories260K-sliced.gguf"));
        const testdata::CliResult r = testdata::runCli(
            {QStringLiteral("slice"), testdata::path(kModel), QStringLiteral("-o"), sliced_});
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(sliced_));
    }

    void fullPrecisionModelKeepsSliderDisabled() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, testdata::path(kModel)));
        QVERIFY(!w.budgetSlider()->isEnabled());
        QVERIFY(!w.budgetSlider()->stepsLevels());
        QVERIFY(!w.document()->precisionSource()->hasLevels());
        QVERIFY(!measureEnabled(w, TokenMeasure::LevelBits));
        QCOMPARE(w.document()->level(), 0);
    }

    void sliderStepsLevelsAndRescoresTheText() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, sliced_));
        const Model& m = *w.document()->model();
        QVERIFY(m.sliced);
        const int K = m.sliced->levels();
        QVERIFY(K >= 2);
        BudgetSlider* b = w.budgetSlider();
        QVERIFY(b->isEnabled());
        QVERIFY(b->stepsLevels());
        QCOMPARE(b->slider()->minimum(), 1);
        QCOMPARE(b->slider()->maximum(), K);
        QCOMPARE(b->level(), K);
        QCOMPARE(w.document()->level(), K);
        QVERIFY(measureEnabled(w, TokenMeasure::LevelBits));
        // The inspector lists the sliced linears, so it accounts for every parameter.
        const QAbstractItemModel* tree = w.document()->tree();
        qint64 treeParams = 0;
        for (int r = 0; r < tree->rowCount(); ++r)
            treeParams += tree->index(r, 0).data(ModelTreeModel::ParameterCountRole).toLongLong();
        QCOMPARE(treeParams, static_cast<qint64>(m.parameterCount()));
        const QModelIndex wq = tree->match(tree->index(0, 0), Qt::DisplayRole, QStringLiteral("wq"),
                                           1, Qt::MatchRecursive | Qt::MatchExactly)
                                   .value(0);
        QVERIFY(wq.isValid());
        QCOMPARE(wq.siblingAtColumn(ModelTreeModel::DTypeColumn).data().toString(),
                 QStringLiteral("sliced %1")
                     .arg(QString::fromStdString(m.sliced->config.sliceBitsString())));
        const PrecisionSource* src = w.document()->precisionSource();
        QCOMPARE(src->nominalBits(K), m.sliced->config.totalBits());
        QCOMPARE(src->bitsForLevel(1), m.sliced->effectiveBits(1));
        QVERIFY(src->levelLabel(1).startsWith(
            QStringLiteral("level 1 \u00b7 %1 bits (").arg(m.sliced->config.bitsForLevel(1))));

        w.promptEdit()->setPlainText(QStringLiteral("Once upon a time"));
        w.maxTokensSpin()->setValue(60);
        w.temperatureSpin()->setValue(1.0);
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        w.runPrompt();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY(w.chipView()->chipCount() > 10);
        std::vector<int> ids;
        for (const TokenRecord& r : w.document()->tokens()->records()) {
            ids.push_back(r.id);
            QCOMPARE(r.layerLevel, std::vector<int>(m.config.nLayers, K));
        }
        const ScoreSummary top = w.document()->lastScore();
        QCOMPARE(top.level, K);
        QCOMPARE(top.averageBits, m.sliced->effectiveBits(K));
        const double pplTop = independentPerplexity(m, ids, K, nullptr);
        QVERIFY2(std::fabs(top.perplexity - pplTop) <= 1e-3 * pplTop,
                 qPrintable(QStringLiteral("%1 vs %2").arg(top.perplexity).arg(pplTop)));
        QVERIFY(w.levelStatus()->text().contains(QStringLiteral("level %1").arg(K)));

        selectMeasure(w, TokenMeasure::LogProb);
        const QList<QRgb> logprobTop = chipColours(w.chipView());
        selectMeasure(w, TokenMeasure::LevelBits);
        const QList<QRgb> bitsTop = chipColours(w.chipView());
        selectMeasure(w, TokenMeasure::LogProb);

        // A timer on the GUI thread keeps firing while the slider is dragged and the text
        // re-scored: ticks are counted (no wall-clock bound, which fails under ASan or
        // load), also those that fall while the re-score runs.
        int ticks = 0, ticksWhileScoring = 0;
        QTimer timer;
        timer.setInterval(10);
        QSignalSpy started(w.document(), &ModelDocument::scoreStarted);
        QSignalSpy scored(w.document(), &ModelDocument::scoreFinished);
        connect(&timer, &QTimer::timeout, this, [&] {
            ++ticks;
            ticksWhileScoring += started.count() > scored.count();
        });
        timer.start();
        // A drag from the top level down to level 1 (the steps come faster than the
        // debounce interval) coalesces into one re-score at the level where it ends.
        b->slider()->setFocus();
        for (int k = K - 1; k >= 1; --k) {
            QTest::keyClick(b->slider(), Qt::Key_Left);
            QCOMPARE(b->level(), k);
            QCOMPARE(w.document()->level(), k); // recorded at once, re-scored later
        }
        QTRY_COMPARE_WITH_TIMEOUT(scored.count(), 1, 5000);
        QTest::qWait(300); // nothing else is pending
        timer.stop();
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.first().first().toInt(), 1);
        qInfo("%d timer ticks, %d while the re-score ran", ticks, ticksWhileScoring);
        QVERIFY(ticks > 10);

        const ScoreSummary low = w.document()->lastScore();
        QCOMPARE(low.level, 1);
        QCOMPARE(low.scoredTokens, static_cast<int>(ids.size()) - 1);
        QCOMPARE(low.averageBits, m.sliced->effectiveBits(1));
        QVERIFY2(low.seconds < 0.5, qPrintable(QString::number(low.seconds)));
        std::vector<double> lps;
        const double ppl1 = independentPerplexity(m, ids, 1, &lps);
        QVERIFY2(std::fabs(low.perplexity - ppl1) <= 1e-3 * ppl1,
                 qPrintable(QStringLiteral("%1 vs %2").arg(low.perplexity).arg(ppl1)));
        QVERIFY2(low.perplexity > top.perplexity,
                 qPrintable(
                     QStringLiteral("level 1 %1, top %2").arg(low.perplexity).arg(top.perplexity)));
        qInfo("perplexity over %d tokens: level %d %.4f (%.2f b/w), level 1 %.4f (%.2f b/w); "
              "re-scored in %.2f ms",
              low.scoredTokens, K, top.perplexity, top.averageBits, low.perplexity, low.averageBits,
              low.seconds * 1000);
        const TokenRecords& recs = w.document()->tokens()->records();
        QCOMPARE(recs.size(), static_cast<qsizetype>(ids.size()));
        for (qsizetype i = 0; i < recs.size(); ++i) {
            QCOMPARE(recs[i].id, ids[i]); // same text, new numbers
            QCOMPARE(recs[i].layerLevel, std::vector<int>(m.config.nLayers, 1));
            if (i > 0)
                QVERIFY2(std::fabs(recs[i].logprob - lps[i - 1]) < 2e-3,
                         qPrintable(QString::number(i)));
        }
        QVERIFY(w.levelStatus()->text().contains(QStringLiteral("level 1")));
        QVERIFY(w.levelStatus()->text().contains(QString::number(low.perplexity, 'f', 3)));

        // (a) the log-probability colours follow the new numbers; bits colours drop to level 1's.
        const QList<QRgb> logprobLow = chipColours(w.chipView());
        QCOMPARE(logprobLow.size(), logprobTop.size());
        int changed = 0;
        for (int i = 1; i < logprobLow.size(); ++i)
            changed += logprobLow[i] != logprobTop[i];
        QVERIFY2(changed > logprobLow.size() / 4, qPrintable(QString::number(changed)));
        selectMeasure(w, TokenMeasure::LevelBits);
        const QList<QRgb> bitsLow = chipColours(w.chipView());
        QCOMPARE(QSet<QRgb>(bitsLow.begin(), bitsLow.end()).size(), 1); // uniform level
        QVERIFY(bitsLow.first() != bitsTop.first());

        // Back to the top: the re-score reproduces the run's perplexity.
        b->slider()->setValue(K);
        QTRY_COMPARE_WITH_TIMEOUT(w.document()->lastScore().level, K, 5000);
        QVERIFY(std::fabs(w.document()->lastScore().perplexity - pplTop) <= 1e-3 * pplTop);
        QCOMPARE(chipColours(w.chipView()), bitsTop);
    }

    void runStartsAtTheChosenLevel() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, sliced_));
        w.budgetSlider()->setLevel(2);
        QCOMPARE(w.document()->level(), 2);
        w.promptEdit()->setPlainText(QStringLiteral("Hello"));
        w.maxTokensSpin()->setValue(20);
        w.temperatureSpin()->setValue(0);
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        w.runPrompt(); // before the debounce fires: the run itself uses level 2
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(w.document()->lastScore().level, 2);
        std::vector<int> ids;
        for (const TokenRecord& r : w.document()->tokens()->records()) {
            ids.push_back(r.id);
            QCOMPARE(r.layerLevel.front(), 2);
        }
        const double ppl = independentPerplexity(*w.document()->model(), ids, 2, nullptr);
        QVERIFY(std::fabs(w.document()->lastScore().perplexity - ppl) <= 1e-3 * ppl);
    }
};

QTEST_MAIN(TestSlicedBudget)
#include "tst_sliced_budget.moc"
