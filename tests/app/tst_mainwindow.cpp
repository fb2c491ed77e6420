// The real window and document on stories260K: loading, live runs, token chips and
// their colours, responsiveness during a run, errors, and closing mid-run.
#include "TestData.h"

#include "MainWindow.h"
#include "ModelDocument.h"
#include "TokenChipView.h"
#include "TokenListModel.h"

#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <cmath>
#include <set>

using namespace mobi;

namespace {

const char* kModel = "models/stories260K/stories260K.bin";

bool openAndWait(MainWindow& w, const QString& path) {
    w.openModel(path);
    return QTest::qWaitFor([&] { return !w.document()->isLoading(); }, 20000) &&
           w.document()->model() != nullptr;
}

void setRun(MainWindow& w, const QString& prompt, int tokens, double temp) {
    w.promptEdit()->setPlainText(prompt);
    w.maxTokensSpin()->setValue(tokens);
    w.temperatureSpin()->setValue(temp);
}

QList<QRgb> chipColours(const TokenChipView* v) {
    QList<QRgb> out;
    for (int i = 0; i < v->chipCount(); ++i) out.append(v->chipColor(i).rgb());
    return out;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("mobiscope-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QSettings().clear();
    }

    void runShowsChipsColouredByMeasure() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, testdata::path(kModel)));
        QCOMPARE(w.recentFiles().value(0), QFileInfo(testdata::path(kModel)).absoluteFilePath());
        setRun(w, QStringLiteral("Once upon a time"), 60, 1.0);
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        w.runPrompt();
        QTRY_VERIFY_WITH_TIMEOUT(w.chipView()->chipCount() > 0, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const RunSummary s = w.document()->lastSummary();
        QVERIFY(s.generatedTokens > 0);
        QVERIFY(s.generatedTokens == 60 || s.stopReason == QStringLiteral("end of text"));
        QCOMPARE(w.chipView()->chipCount(), s.promptTokens + s.generatedTokens);
        const TokenRecords& recs = w.document()->tokens()->records();
        int generated = 0;
        for (const TokenRecord& r : recs) generated += !r.prompt;
        QCOMPARE(generated, s.generatedTokens);

        // Independent check of the numbers behind the colours: feed the whole
        // sequence to a second transformer and recompute each log-probability.
        const Model& m = *w.document()->model();
        std::vector<int> ids;
        for (const TokenRecord& r : recs) ids.push_back(r.id);
        QCOMPARE(std::vector<int>(ids.begin(), ids.begin() + s.promptTokens),
                 m.tokenizer->encode("Once upon a time", true));
        Transformer t(m, 1);
        const std::vector<float> logits = t.forward(ids.data(), static_cast<int>(ids.size()), 0, true);
        const int V = m.config.vocabSize;
        for (size_t i = 1; i < ids.size(); ++i) {
            const float* row = &logits[(i - 1) * V];
            double mx = row[0];
            for (int k = 1; k < V; ++k) mx = std::max<double>(mx, row[k]);
            double z = 0, ent = 0;
            for (int k = 0; k < V; ++k) z += std::exp(row[k] - mx);
            for (int k = 0; k < V; ++k) {
                const double p = std::exp(row[k] - mx) / z;
                if (p > 0) ent -= p * std::log(p);
            }
            const double lp = row[ids[i]] - mx - std::log(z);
            QVERIFY2(std::fabs(lp - recs[i].logprob) < 2e-3, qPrintable(QString::number(i)));
            QVERIFY2(std::fabs(ent - recs[i].entropy) < 2e-3, qPrintable(QString::number(i)));
            QCOMPARE(static_cast<int>(recs[i].layerRms.size()), m.config.nLayers);
        }

        w.measureCombo()->setCurrentIndex(w.measureCombo()->findData(static_cast<int>(TokenMeasure::LogProb)));
        const QList<QRgb> byLogProb = chipColours(w.chipView());
        QVERIFY(QSet<QRgb>(byLogProb.begin(), byLogProb.end()).size() > 3);
        w.measureCombo()->setCurrentIndex(w.measureCombo()->findData(static_cast<int>(TokenMeasure::Entropy)));
        QCOMPARE(w.document()->tokens()->measure(), TokenMeasure::Entropy);
        const QList<QRgb> byEntropy = chipColours(w.chipView());
        QCOMPARE(byEntropy.size(), byLogProb.size());
        int changed = 0;
        for (int i = 1; i < byLogProb.size(); ++i) changed += byLogProb[i] != byEntropy[i];
        QVERIFY(changed > byLogProb.size() / 2);

        // Clicking a chip selects the token in the layer views.
        QTest::mouseClick(w.chipView()->viewport(), Qt::LeftButton, {}, w.chipView()->chipRect(5).center());
        QCOMPARE(w.chipView()->selectedToken(), 5);
    }

    void eventLoopStaysResponsiveDuringRuns() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, testdata::path(kModel)));
        setRun(w, QStringLiteral("Once upon a time there was"), 100000, 1.0); // up to the context
        // The event loop keeps running during runs: a 10 ms timer is counted
        // while a run is in progress, together with how far the run had got
        // (chips shown) at each tick. No wall-clock bound: under ASan or load
        // ticks come later but still come, between tokens.
        QElapsedTimer total;
        int ticksWhileRunning = 0;
        std::set<int> progressAtTicks;
        QTimer timer;
        timer.setInterval(10);
        connect(&timer, &QTimer::timeout, this, [&] {
            if (w.document()->isRunning()) {
                ++ticksWhileRunning;
                progressAtTicks.insert(w.chipView()->chipCount());
            }
        });
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        total.start();
        timer.start();
        int runs = 0;
        // Back-to-back runs over the whole context for at least 1.5 s of engine work.
        while (total.elapsed() < 1500 || runs == 0) {
            w.runPrompt();
            ++runs;
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), runs, 60000);
        }
        timer.stop();
        QVERIFY(w.document()->lastSummary().generatedTokens > 0);
        qInfo("%d runs, %d ticks while running, at %d distinct progress points", runs,
              ticksWhileRunning, int(progressAtTicks.size()));
        QVERIFY2(ticksWhileRunning > 20, qPrintable(QString::number(ticksWhileRunning)));
        // Ticks were handled at many points of the runs, not only before or after.
        QVERIFY2(progressAtTicks.size() > 5, qPrintable(QString::number(progressAtTicks.size())));
    }

    void truncatedModelShowsErrorAndAppStaysUsable() {
        REQUIRE_DATA(kModel);
        QTemporaryDir dir;
        QFile in(testdata::path(kModel));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QString bad = dir.filePath(QStringLiteral("truncated.bin"));
        QFile out(bad);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(in.read(5000));
        out.close();
        QFile::copy(QFileInfo(testdata::path(kModel)).dir().filePath(QStringLiteral("tok512.bin")),
                    dir.filePath(QStringLiteral("tok512.bin")));

        MainWindow w;
        w.show();
        QSignalSpy errors(&w, &MainWindow::errorShown);
        w.openModel(bad);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 20000);
        QVERIFY(errors.first().first().toString().contains(QStringLiteral("truncated.bin")));
        auto* box = w.findChild<QMessageBox*>(QStringLiteral("errorBox"));
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        QVERIFY(!w.document()->model());
        box->button(QMessageBox::Close)->click();
        QTRY_VERIFY(!w.findChild<QMessageBox*>(QStringLiteral("errorBox")));

        // Still usable: the good model opens and runs.
        QVERIFY(openAndWait(w, testdata::path(kModel)));
        setRun(w, QStringLiteral("Hello"), 10, 0);
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        w.runPrompt();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QVERIFY(w.chipView()->chipCount() > 1);
    }

    void stopEndsTheRun() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, testdata::path(kModel)));
        setRun(w, QString(), 100000, 1.0);
        QSignalSpy finished(w.document(), &ModelDocument::runFinished);
        w.runPrompt();
        QTRY_VERIFY_WITH_TIMEOUT(w.chipView()->chipCount() > 0 || finished.count() > 0, 20000);
        w.stopRun();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QVERIFY(!w.document()->isRunning());
    }

    void closingDuringRunReturnsPromptly() {
        REQUIRE_DATA(kModel);
        auto* w = new MainWindow;
        w->show();
        QVERIFY(openAndWait(*w, testdata::path(kModel)));
        setRun(*w, QStringLiteral("Once"), 100000, 1.0);
        w->runPrompt();
        QVERIFY(w->document()->isRunning());
        QElapsedTimer t;
        t.start();
        QVERIFY(w->close());
        delete w;
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
