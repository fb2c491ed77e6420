// The GUI's own numerics and bookkeeping: logit analysis, per-layer recording, job ids.
#include "TestData.h"

#include "JobTracker.h"
#include "LogitAnalysis.h"

#include "model/LayerRecorder.h"

#include <QtTest>

#include <cmath>

using namespace mobi;

class TestGuiUnits : public QObject {
    Q_OBJECT
private slots:
    void logitAnalysisMatchesNaive() {
        const std::vector<float> logits = {1.0f, 3.0f, -2.0f, 3.5f, 0.0f, 2.0f, 100.0f - 99.0f};
        const LogitAnalysis a = analyseLogits(logits.data(), static_cast<int>(logits.size()), 3);
        double z = 0;
        for (float x : logits) z += std::exp(static_cast<double>(x));
        double ent = 0;
        for (size_t i = 0; i < logits.size(); ++i) {
            const double p = std::exp(static_cast<double>(logits[i])) / z;
            QVERIFY(std::fabs(a.logProbs[i] - std::log(p)) < 1e-6);
            ent -= p * std::log(p);
        }
        QVERIFY(std::fabs(a.entropy - ent) < 1e-9);
        QCOMPARE(a.top.size(), size_t(3));
        QCOMPARE(a.top[0].first, 3);
        QCOMPARE(a.top[1].first, 1);
        QCOMPARE(a.top[2].first, 5);
    }

    void layerRecorderMeasuresBlockChange() {
        LayerRecorder rec(2);
        rec.begin(2);
        const float in[] = {3, 4, 0, 0, 1, 0};  // rows: (3,4,0) and (0,1,0)
        const float out[] = {3, 4, 12, 0, 2, 0}; // row 0 adds (0,0,12); row 1 doubles
        rec.observe({1, LayerPoint::BlockInput, 2, 3, 0, in});
        rec.observe({1, LayerPoint::AttnOut, 2, 3, 0, out}); // ignored
        rec.observe({1, LayerPoint::BlockOutput, 2, 3, 0, out});
        QVERIFY(std::isnan(rec.rms()[0][0])); // layer 0 never seen
        QVERIFY(std::fabs(rec.rms()[0][1] - std::sqrt((9 + 16 + 144) / 3.0)) < 1e-6);
        QVERIFY(std::fabs(rec.change()[0][1] - 12.0 / 5.0) < 1e-6);
        QVERIFY(std::fabs(rec.rms()[1][1] - std::sqrt(4 / 3.0)) < 1e-6);
        QVERIFY(std::fabs(rec.change()[1][1] - 1.0) < 1e-6);
    }

    void jobTrackerSupersedesAndCancels() {
        JobTracker j;
        const quint64 a = j.start(JobKind::Run);
        QVERIFY(j.isCurrent(JobKind::Run, a));
        const quint64 b = j.start(JobKind::Run);
        QVERIFY(!j.isCurrent(JobKind::Run, a));
        QVERIFY(j.isCancelled(JobKind::Run, a));
        QVERIFY(!j.isCancelled(JobKind::Run, b));
        const quint64 s = j.start(JobKind::Stats);
        QVERIFY(!j.isCancelled(JobKind::Run, b)); // kinds are independent
        j.cancel(JobKind::Run);
        QVERIFY(j.isCancelled(JobKind::Run, b));
        QVERIFY(!j.isCancelled(JobKind::Stats, s));
        j.cancelAll();
        QVERIFY(j.isCancelled(JobKind::Stats, s));
        const quint64 c = j.start(JobKind::Run);
        QVERIFY(!j.isCancelled(JobKind::Run, c));
    }
};

QTEST_APPLESS_MAIN(TestGuiUnits)
#include "tst_gui_units.moc"
