// The budget slider on a routed stories260K (sliced and router-calibrated by
// the real CLI): it spans average bits continuously, re-routes the current
// text on the worker thread (rapid moves coalesce), and the levels the window
// records meet the budget and equal those of a second transformer routing the
// same tokens; a sliced model without routers keeps the level slider.
#include "TestData.h"

#include "BudgetSlider.h"
#include "LayerHeatmap.h"
#include "LayerMeasure.h"
#include "MainWindow.h"
#include "ModelDocument.h"
#include "PrecisionSource.h"
#include "TokenChipView.h"
#include "TokenListModel.h"

#include "model/Model.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "route/RouterPolicy.h"
#include "route/RouterSet.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <map>
#include <set>

using namespace mobi;

namespace {

const char* kModel = "models/stories260K/stories260K.bin";
const char* kTokenizer = "models/stories260K/tok512.bin";
const char* kText = "text/TinyStories-valid.head30k.txt";

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

// Mean of the levels' bits over every token x block, from the window's records.
double meanBits(const TokenRecords& recs, const std::vector<int>& levelBits) {
    double sum = 0;
    qint64 n = 0;
    for (const TokenRecord& r : recs)
        for (int level : r.layerLevel) {
            sum += levelBits[size_t(level - 1)];
            ++n;
        }
    return n > 0 ? sum / n : NAN;
}

// The levels a fresh transformer's routers choose for `ids` at `bits`: [token][block].
std::vector<std::vector<int>> independentLevels(const Model& m, const std::vector<int>& ids,
                                                double bits, BudgetAllocation a) {
    Transformer t(m, 1);
    t.setLevelPolicy(std::make_shared<RouterPolicy>(m.routers, bits, a));
    std::vector<std::vector<int>> out(ids.size(), std::vector<int>(m.config.nLayers, 0));
    t.setObserver([&](const LayerEvent& e) {
        if (e.point != LayerPoint::Route) return;
        for (int i = 0; i < e.nTokens; ++i)
            out[size_t(e.pos0 + i)][size_t(e.layer)] = e.levels[i];
    });
    t.forward(ids.data(), static_cast<int>(ids.size()), 0, true);
    return out;
}

} // namespace

class TestRoutedBudget : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString sliced_, routed_, prompt_;

    // Moves the slider to `bits` and waits for the re-routed text.
    bool routeAt(MainWindow& w, double bits) {
        QSignalSpy scored(w.document(), &ModelDocument::scoreFinished);
        w.budgetSlider()->setBudget(bits);
        return QTest::qWaitFor(
            [&] {
                return !scored.isEmpty() && w.document()->lastScore().routed() &&
                       std::fabs(w.document()->lastScore().budget - bits) < 1e-9;
            },
            20000);
    }

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("mobiscope-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_routed_budget"));
        QSettings().clear();
        if (!QFileInfo::exists(testdata::path(kModel)) || !QFileInfo::exists(testdata::path(kText)))
            return;
        QVERIFY(dir_.isValid());
        sliced_ = dir_.filePath(QStringLiteral("stories260K-sliced.gguf"));
        routed_ = dir_.filePath(QStringLiteral("stories260K-routed.gguf"));
        testdata::CliResult r = testdata::runCli(
            {QStringLiteral("slice"), testdata::path(kModel), QStringLiteral("--tokenizer"),
             testdata::path(kTokenizer), QStringLiteral("-o"), sliced_});
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        r = testdata::runCli({QStringLiteral("route"), QStringLiteral("calibrate"), sliced_,
                              QStringLiteral("--text"), testdata::path(kText),
                              QStringLiteral("--tokens"), QStringLiteral("4096"),
                              QStringLiteral("-o"), routed_});
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(routed_));
        // Text past the calibration tokens: the routers have not seen it.
        QFile f(testdata::path(kText));
        QVERIFY(f.open(QIODevice::ReadOnly));
        prompt_ = QString::fromUtf8(f.readAll().mid(25000, 800));
        prompt_ = prompt_.mid(prompt_.indexOf(QLatin1Char(' ')) + 1);
    }

    void slicedModelKeepsTheLevelSlider() {
        REQUIRE_DATA(kModel);
        REQUIRE_DATA(kText);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, sliced_));
        const Model& m = *w.document()->model();
        QVERIFY(m.sliced);
        QVERIFY(!m.routers);
        QVERIFY(!w.document()->isRouted());
        BudgetSlider* b = w.budgetSlider();
        QVERIFY(b->stepsLevels());
        QCOMPARE(b->slider()->minimum(), 1);
        QCOMPARE(b->slider()->maximum(), m.sliced->levels());
        QVERIFY(!w.allocationCombo()->isEnabled());
        b->setBudget(3.0); // no effect on a level slider
        QCOMPARE(b->level(), m.sliced->levels());
        QVERIFY(b->label()->text().startsWith(QStringLiteral("level ")));
    }

    void startupBudgetRoutesTheRun() {
        REQUIRE_DATA(kModel);
        REQUIRE_DATA(kText);
        MainWindow w;
        w.show();
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        StartupOptions o;
        o.model = routed_;
        o.prompt = QStringLiteral("Once upon a time");
        o.run = true;
        o.maxNewTokens = 40;
        o.budget = 3.5;
        o.allocation = QStringLiteral("layer");
        w.applyStartupOptions(o);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY(std::fabs(w.budgetSlider()->budget() - 3.5) < 1e-9);
        const ScoreSummary s = w.document()->lastScore();
        QVERIFY(s.routed());
        QVERIFY(s.perLayer);
        QVERIFY(std::fabs(s.budget - 3.5) < 1e-9);
        const double mean =
            meanBits(w.document()->tokens()->records(), w.document()->model()->routers->levelBits);
        QVERIFY(std::fabs(s.averageBits - mean) < 1e-9);
        QVERIFY2(std::fabs(mean - 3.5) <= 0.5, qPrintable(QString::number(mean)));
        QVERIFY(w.levelStatus()->text().contains(QStringLiteral("budget 3.50")));
    }

    void sliderSetsAverageBitsAndReroutesTheText() {
        REQUIRE_DATA(kModel);
        REQUIRE_DATA(kText);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, routed_));
        const Model& m = *w.document()->model();
        QVERIFY(m.sliced);
        QVERIFY(m.routers);
        const std::vector<int>& bits = m.routers->levelBits;
        const int K = static_cast<int>(bits.size());
        QVERIFY(K >= 3);
        QVERIFY(w.document()->isRouted());
        QVERIFY(w.allocationCombo()->isEnabled());

        // The slider spans the levels' bits in 0.01-bit steps and is not a level slider.
        BudgetSlider* b = w.budgetSlider();
        QVERIFY(b->isEnabled());
        QVERIFY(!b->stepsLevels());
        QCOMPARE(b->level(), 0);
        const PrecisionSource* src = w.document()->precisionSource();
        QVERIFY(src->hasRouter());
        QCOMPARE(src->minBudget(), double(bits.front()));
        QCOMPARE(src->maxBudget(), double(bits.back()));
        QCOMPARE(b->slider()->minimum(), 0);
        QCOMPARE(b->slider()->maximum(), qRound((bits.back() - bits.front()) / 0.01));
        QCOMPARE(b->budget(), double(bits.back()));
        b->slider()->setValue(0);
        QCOMPARE(b->budget(), double(bits.front()));
        b->setBudget(3.45);
        QVERIFY(std::fabs(b->budget() - 3.45) < 1e-9);
        QVERIFY(std::fabs(w.document()->budget() - 3.45) < 1e-9);
        QCOMPARE(b->label()->text(), QStringLiteral("3.45 bits"));

        // A run at 4.5 bits: the generation itself is routed.
        b->setBudget(4.5);
        w.promptEdit()->setPlainText(prompt_);
        w.maxTokensSpin()->setValue(20);
        w.temperatureSpin()->setValue(0);
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        w.runPrompt();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const int n = w.chipView()->chipCount();
        QVERIFY2(n > 200, qPrintable(QString::number(n)));
        QVERIFY(w.document()->lastScore().routed());
        std::vector<int> ids;
        for (const TokenRecord& r : w.document()->tokens()->records())
            ids.push_back(r.id);

        // The same text re-routed at 2.5 and 4.5 bits.
        w.measureCombo()->setCurrentIndex(
            w.measureCombo()->findData(static_cast<int>(TokenMeasure::LevelBits)));
        w.heatmap()->setMeasure(LayerMeasure::Level);
        struct Seen {
            double mean;
            std::vector<std::vector<int>> levels;
            QList<QRgb> chips;
            QImage heat;
        };
        std::map<double, Seen> seen;
        for (double budget : {2.5, 4.5}) {
            QVERIFY(routeAt(w, budget));
            const ScoreSummary s = w.document()->lastScore();
            const TokenRecords& recs = w.document()->tokens()->records();
            QCOMPARE(recs.size(), static_cast<qsizetype>(ids.size()));
            QCOMPARE(s.scoredTokens, n - 1);
            QVERIFY(!s.perLayer);
            const double mean = meanBits(recs, bits);
            qInfo("budget %.2f: achieved %.3f bits over %d tokens x %d blocks (engine stats %.3f), "
                  "perplexity %.3f, re-routed in %.2f ms",
                  budget, mean, n, m.config.nLayers, s.averageBits, s.perplexity, s.seconds * 1000);
            QVERIFY2(std::fabs(mean - budget) <= 0.3,
                     qPrintable(QStringLiteral("%1 bits at a %2 budget").arg(mean).arg(budget)));
            QVERIFY(std::fabs(mean - s.averageBits) < 1e-9);
            // Same levels as a second transformer routing the same tokens.
            const auto expect = independentLevels(m, ids, budget, BudgetAllocation::Global);
            Seen v{mean, {}, chipColours(w.chipView()), w.heatmap()->image().copy()};
            for (qsizetype i = 0; i < recs.size(); ++i) {
                QCOMPARE(recs[i].layerLevel, expect[size_t(i)]);
                QCOMPARE(recs[i].routerScoreWidth, K - 1);
                QCOMPARE(recs[i].layerRouterScores.size(), size_t(m.config.nLayers * (K - 1)));
                v.levels.push_back(recs[i].layerLevel);
            }
            // Status and slider label give the budget and what was achieved.
            QVERIFY2(w.levelStatus()->text().contains(QString::number(mean, 'f', 2)),
                     qPrintable(w.levelStatus()->text()));
            QCOMPARE(b->label()->text(), QStringLiteral("%1 bits \u2192 %2 achieved")
                                             .arg(budget, 0, 'f', 2)
                                             .arg(mean, 0, 'f', 2));
            // Tooltips list every block's level and router scores.
            const QString tip = w.document()->tokens()->describe(n / 2);
            QVERIFY(tip.contains(QStringLiteral("router scores")));
            QVERIFY(tip.contains(QStringLiteral("L%1").arg(m.config.nLayers - 1)));
            seen[budget] = std::move(v);
        }
        const Seen& lo = seen[2.5];
        const Seen& hi = seen[4.5];
        QVERIFY(hi.mean > lo.mean + 1.0);
        QVERIFY(lo.levels != hi.levels);
        int chipsChanged = 0;
        for (int i = 0; i < n; ++i)
            chipsChanged += lo.chips[i] != hi.chips[i];
        QVERIFY2(chipsChanged > n / 2, qPrintable(QString::number(chipsChanged)));
        QCOMPARE(lo.heat.size(), QSize(n, m.config.nLayers));
        QVERIFY(lo.heat != hi.heat);
        // Mixed levels: not one uniform level everywhere.
        std::set<int> distinct;
        for (const auto& row : lo.levels)
            distinct.insert(row.begin(), row.end());
        QVERIFY(distinct.size() >= 2);

        // Rapid moves coalesce: one re-route at the last budget.
        QSignalSpy started(w.document(), &ModelDocument::scoreStarted);
        QSignalSpy scored(w.document(), &ModelDocument::scoreFinished);
        b->slider()->setFocus();
        for (int i = 0; i < 20; ++i)
            QTest::keyClick(b->slider(), Qt::Key_Left); // 0.05 bits a step
        const double last = b->budget();
        QVERIFY(std::fabs(last - 3.5) < 1e-9);
        QTRY_COMPARE_WITH_TIMEOUT(scored.count(), 1, 10000);
        QTest::qWait(300);
        QCOMPARE(started.count(), 1);
        QCOMPARE(scored.count(), 1);
        QVERIFY(std::fabs(w.document()->lastScore().budget - last) < 1e-9);

        // Per-layer allocation: every block near the budget on its own.
        QSignalSpy allocScored(w.document(), &ModelDocument::scoreFinished);
        w.allocationCombo()->setCurrentIndex(1);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->lastScore().perLayer, 10000);
        const TokenRecords& recs = w.document()->tokens()->records();
        const auto expect = independentLevels(m, ids, last, BudgetAllocation::PerLayer);
        for (qsizetype i = 0; i < recs.size(); ++i)
            QCOMPARE(recs[i].layerLevel, expect[size_t(i)]);
        QString perBlock;
        for (int l = 0; l < m.config.nLayers; ++l) {
            double sum = 0;
            for (const TokenRecord& r : recs)
                sum += bits[size_t(r.layerLevel[l] - 1)];
            perBlock += QStringLiteral(" %1").arg(sum / recs.size(), 0, 'f', 2);
        }
        qInfo("per-layer allocation at %.2f bits: achieved %.3f, per block%s", last,
              meanBits(recs, bits), qPrintable(perBlock));
        QVERIFY(std::fabs(meanBits(recs, bits) - last) <= 0.3);
    }
};

QTEST_MAIN(TestRoutedBudget)
#include "tst_routed_budget.moc"
