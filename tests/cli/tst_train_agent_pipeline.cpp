// scripts/train-agent.sh in its tiny configuration (what CI runs instead of
// the full training): demonstrations on the train split, a few BC steps, a
// DAgger round, MoBiSlice and MoBiRoute. The result must be a routed GGUF
// that declares the agent prompt format (so `env run --policy llm` plays it
// with the format it was trained on), that has four levels and routers, and
// that plays an ALFWorld game through the CLI; running the script again
// reuses every stage's output.
#include "TestData.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

class TestTrainAgentPipeline : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir tmp_;

    // Runs the pipeline; returns its exit code (-1 on a hang or crash).
    int runScript(QByteArray& log) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("CONFIG", "tiny");
        env.insert("CLI", testdata::cli());
        env.insert("WORK", tmp_.filePath("work"));
        env.insert("MOBISCOPE_DATA", testdata::dir());
        env.insert("THREADS", "1");
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start("bash", {QStringLiteral(MOBISCOPE_SOURCE_DIR) + "/scripts/train-agent.sh"});
        if (!p.waitForStarted(10000) || !p.waitForFinished(600000)) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        log = p.readAll();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }

  private slots:
    void tinyPipelineMakesAPlayableRoutedAgent() {
        REQUIRE_DATA("alfworld/train");
        QVERIFY(tmp_.isValid());
        QByteArray log;
        QCOMPARE(runScript(log), 0);
        const QString model = tmp_.filePath("work/agent.gguf");
        QVERIFY2(QFile::exists(model), log.constData());
        // Every stage ran: BC, one DAgger round, slice, route.
        for (const char* stage : {"round-0.gguf", "round-1.gguf", "dagger-1-alf.jsonl",
                                  "sliced.gguf", "demos-alf.jsonl", "demos-hh.jsonl"})
            QVERIFY2(QFile::exists(tmp_.filePath(QString("work/") + stage)), stage);

        const testdata::CliResult info = testdata::runCli({"info", model});
        QCOMPARE(info.exitCode, 0);
        const QByteArray text = info.out;
        QVERIFY2(text.contains("mobiscope-agent-v1"), text.constData());
        QVERIFY2(text.contains("mobiroute"), text.constData());

        // It plays a valid_seen game through the CLI in the agent format.
        const QString episodes = tmp_.filePath("ep.jsonl");
        const testdata::CliResult run =
            testdata::runCli({"env", "run", "--env", "alfworld", "--data", testdata::dir(),
                              "--policy", "llm", "--model", model, "--episodes", "1",
                              "--max-steps", "3", "--threads", "1", "--budget", "3",
                              "--quiet", "--out", episodes},
                             300000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QFile f(episodes);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray lines = f.readAll();
        QCOMPARE(lines.count("\"type\":\"step\""), 3);

        // Run again: every stage's output exists, nothing is retrained.
        QByteArray again;
        QCOMPARE(runScript(again), 0);
        QVERIFY2(!again.contains(" train "), again.constData());
        QVERIFY2(!again.contains(" env demos "), again.constData());
    }
};

QTEST_GUILESS_MAIN(TestTrainAgentPipeline)
#include "tst_train_agent_pipeline.moc"
