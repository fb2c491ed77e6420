// `profile` records the GPU state (device or why none) and still holds the CPU ranges.
#include "TestData.h"

#include "ProfileStore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace mobi;

namespace {
const QString kModel = QStringLiteral("models/stories260K/stories260K.bin");
const QString kTok = QStringLiteral("models/stories260K/tok512.bin");
} // namespace

class TestProfileGpuState : public QObject {
    Q_OBJECT

  private slots:
    void settingsSayWhetherGpuActivityWasCollected() {
        REQUIRE_DATA(kModel);
        QTemporaryDir tmp;
        const QString db = tmp.filePath("gpu.sqlite");
        const int steps = 20;
        auto r = testdata::runCli({"profile", testdata::path(kModel), "--tokenizer",
                                   testdata::path(kTok), "-n", QString::number(steps), "--db", db});
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());

        ProfileStore store(db.toStdString(), ProfileStore::Mode::Read);
        const QueryResult q = store.query("SELECT gpu, settings_json FROM MOBI_RUNS");
        QCOMPARE(q.rows.size(), size_t(1));
        QVERIFY(q.rows[0][1].has_value());
        QJsonParseError pe;
        const QJsonObject s =
            QJsonDocument::fromJson(QByteArray::fromStdString(*q.rows[0][1]), &pe).object();
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
        QVERIFY2(s.contains("gpu"), q.rows[0][1]->c_str());
        QVERIFY2(s.contains("cupti_dropped_records"), q.rows[0][1]->c_str());
        const QString gpu = s.value("gpu").toString();
        QVERIFY(!gpu.isEmpty());

        const QString err = QString::fromUtf8(r.err);
        if (gpu.startsWith("none: ")) {
            // No device, no driver or no CUDA build: a reason, one stderr
            // line saying so, and no GPU rows.
            QVERIFY(gpu.size() > 6);
            QVERIFY2(err.contains("GPU activity not collected"), r.err.constData());
            QCOMPARE(store.count("CUPTI_ACTIVITY_KIND_KERNEL"), int64_t{0});
            QCOMPARE(s.value("cupti_dropped_records").toDouble(), 0.0);
            QVERIFY(!q.rows[0][0] || q.rows[0][0]->empty());
        } else {
            // A device: the run's gpu column names it and CUPTI reported.
            QVERIFY2(err.contains("GPU activity collected"), r.err.constData());
            QVERIFY(q.rows[0][0].has_value());
            QCOMPARE(QString::fromStdString(*q.rows[0][0]), gpu);
            QVERIFY(s.contains("cupti_kernels"));
        }

        // The CPU ranges are there either way: every generated position has
        // ranges, checked against the tokens table.
        QVERIFY(store.count("NVTX_EVENTS") > 0);
        const QueryResult tok = store.query("SELECT COUNT(*) FROM MOBI_TOKENS");
        const QueryResult pos = store.query(
            "SELECT COUNT(DISTINCT position) FROM MOBI_RANGE_CONTEXT WHERE position >= 0");
        const int tokens = std::stoi(*tok.rows[0][0]);
        const int positions = std::stoi(*pos.rows[0][0]);
        QVERIFY(tokens >= steps);
        QVERIFY2(
            positions >= tokens - 1,
            qPrintable(QString("%1 positions with ranges, %2 tokens").arg(positions).arg(tokens)));
    }
};

QTEST_APPLESS_MAIN(TestProfileGpuState)
#include "tst_profile_gpu_state.moc"
