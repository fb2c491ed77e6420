// mobiscope-cli train end to end (a tiny model on a tiny JSONL, exported and
// loaded by other commands, continued with --init and --resume) and its bad
// input: corrupt or empty data, corrupt checkpoint, a resume with another
// shape, a NaN loss, Ctrl-C. Errors exit non-zero and overwrite nothing.
#include "TestData.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

QString tokenizerModel() {
    return testdata::path("models/stories260K/stories260K.gguf");
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray demos() {
    const char* cmds[] = {"go to desk 1", "open drawer 2", "take mug 1 from desk 1", "look"};
    QByteArray out;
    for (int i = 0; i < 24; ++i) {
        const QByteArray prompt =
            "task: put a mug on the shelf.\nYou see a desk " + QByteArray::number(i % 5) + ".\n>";
        const QByteArray text = prompt + " " + cmds[i % 4] + "\n";
        QByteArray esc = text;
        esc.replace("\n", "\\n");
        out += "{\"text\": \"" + esc + "\", \"loss\": [[" + QByteArray::number(prompt.size()) +
               ", " + QByteArray::number(text.size()) + "]], \"game\": 3}\n";
    }
    return out;
}

} // namespace

class TestCliTrain : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString data_;

    QStringList tiny(const QString& out) const {
        return {"train",
                "--data",
                data_,
                "-o",
                out,
                "--tokenizer",
                tokenizerModel(),
                "--dim",
                "32",
                "--layers",
                "2",
                "--heads",
                "4",
                "--kv-heads",
                "2",
                "--hidden",
                "64",
                "--ctx",
                "96",
                "--batch-tokens",
                "300",
                "--threads",
                "2"};
    }

  private slots:
    void initTestCase() {
        data_ = tmp_.filePath("demos.jsonl");
        writeFile(data_, demos());
    }

    void helpTellsTheTruth() {
        const auto r = testdata::runCli({"train", "--help"});
        QCOMPARE(r.exitCode, 0);
        for (const char* opt : {"--data", "--init", "--tokenizer", "--resume", "--checkpoint-every",
                                "--meta", "--kv-heads", "--epochs", "--clip", "--micro-tokens"})
            QVERIFY2(r.out.contains(opt), opt);
    }

    // Needs no shared data: the tokenizer is fitted on the records.
    void fitsATokenizerTrainsAndExports() {
        const QString out = tmp_.filePath("fit.gguf");
        const auto r = testdata::runCli(
            {"train", "--data",   data_, "-o",      out, "--vocab",        "300", "--dim",
             "32",    "--layers", "2",   "--heads", "4", "--kv-heads",     "2",   "--hidden",
             "64",    "--ctx",    "96",  "--steps", "4", "--batch-tokens", "300", "--threads",
             "2",     "--type",   "f16"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.err.contains("fitting a 300-piece tokenizer"));
        QVERIFY(r.out.contains("step 4/4 loss"));
        const auto info = testdata::runCli({"info", out});
        QCOMPARE(info.exitCode, 0);
        QVERIFY(info.out.contains("sentencepiece, 300 tokens"));
        QVERIFY(info.out.contains("matrices F16"));
        const auto gen = testdata::runCli({"generate", out, "-p", "task: put a mug", "-n", "4"});
        QVERIFY2(gen.exitCode == 0, gen.err.constData());
        // MoBiSlice and MoBiRoute take it as they take any llama GGUF.
        const QString calib = tmp_.filePath("calib.txt");
        writeFile(calib, demos().repeated(3).replace("\\n", "\n"));
        const auto sl = testdata::runCli({"slice", out, "-o", tmp_.filePath("fit-s.gguf")});
        QVERIFY2(sl.exitCode == 0, sl.err.constData());
        const auto rc = testdata::runCli({"route", "calibrate", tmp_.filePath("fit-s.gguf"),
                                          "--text", calib, "-o", tmp_.filePath("fit-r.gguf"),
                                          "--tokens", "512", "--epochs", "3"});
        QVERIFY2(rc.exitCode == 0, rc.err.constData());
        const auto ppl = testdata::runCli({"perplexity", tmp_.filePath("fit-r.gguf"), "--text",
                                           calib, "--ctx", "64", "--budget", "3"});
        QVERIFY2(ppl.exitCode == 0, ppl.err.constData());
    }

    void trainsExportsAndEveryCommandLoadsIt() {
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        const QString out = tmp_.filePath("m.gguf"), ck = tmp_.filePath("ck");
        auto a = tiny(out);
        a << "--steps"
          << "6"
          << "--log-every"
          << "2"
          << "--checkpoint" << ck << "--meta"
          << "mobiscope.agent.prompt_format=mobiscope-agent-v1,mobiscope.agent.prompt_chars=900";
        const auto r = testdata::runCli(a);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("step 6/6 loss"));
        QVERIFY(r.out.contains("tok/s") && r.out.contains("eta"));
        QVERIFY(QFile::exists(ck + "/checkpoint.bin"));
        const auto info = testdata::runCli({"info", out});
        QCOMPARE(info.exitCode, 0);
        QVERIFY(info.out.contains("llama"));
        QVERIFY(info.out.contains("mobiscope-agent-v1"));
        QVERIFY(info.out.contains("prompt_chars"));
        const auto gen = testdata::runCli({"generate", out, "-p", "task: put", "-n", "4"});
        QVERIFY2(gen.exitCode == 0, gen.err.constData());
        // A DAgger round starts from the exported model.
        const QString next = tmp_.filePath("m2.gguf");
        const auto init =
            testdata::runCli({"train", "--data", data_, "-o", next, "--init", out, "--steps", "2",
                              "--threads", "2", "--checkpoint", tmp_.filePath("ck2")});
        QVERIFY2(init.exitCode == 0, init.err.constData());
        const auto info2 = testdata::runCli({"info", next});
        QVERIFY(info2.out.contains("mobiscope-agent-v1"));
        // --resume continues the run to a longer schedule.
        const auto res = testdata::runCli({"train", "--data", data_, "-o", out, "--resume", ck,
                                           "--steps", "8", "--threads", "2"});
        QVERIFY2(res.exitCode == 0, res.err.constData());
        QVERIFY(res.out.contains("step 7/8") && res.out.contains("step 8/8"));
    }

    void badDataIsAClearErrorAndWritesNothing() {
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        const QString out = tmp_.filePath("bad.gguf");
        const QString corrupt = tmp_.filePath("corrupt.jsonl");
        writeFile(corrupt, "{\"text\": \"ok\"}\n{\"text\": 3}\n");
        auto r = testdata::runCli(tiny(out).replaceInStrings(data_, corrupt));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("corrupt.jsonl:2"), r.err.constData());
        writeFile(corrupt, "{\"text\": \"ok\", \"loss\": [[0, 99]]}\n");
        r = testdata::runCli(tiny(out).replaceInStrings(data_, corrupt));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("loss range"), r.err.constData());
        const QString empty = tmp_.filePath("empty.jsonl");
        writeFile(empty, "");
        r = testdata::runCli(tiny(out).replaceInStrings(data_, empty));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("no training records"), r.err.constData());
        // Every record longer than the context: nothing to train on.
        auto a = tiny(out);
        a[a.indexOf("--ctx") + 1] = "8";
        r = testdata::runCli(a);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("no trainable records"), r.err.constData());
        QVERIFY(!QFile::exists(out));
        QVERIFY(!QFile::exists(out + ".ckpt"));
    }

    void badCheckpointOrShapeOverwritesNothing() {
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        const QString out = tmp_.filePath("c.gguf"), ck = tmp_.filePath("cck");
        auto a = tiny(out);
        a << "--steps"
          << "2"
          << "--checkpoint" << ck;
        QCOMPARE(testdata::runCli(a).exitCode, 0);
        const QByteArray model = readFile(out), good = readFile(ck + "/checkpoint.bin");
        QVERIFY(!model.isEmpty() && !good.isEmpty());
        // Another shape cannot continue the run.
        auto r = testdata::runCli(
            {"train", "--data", data_, "-o", out, "--resume", ck, "--dim", "64", "--steps", "4"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("--dim 64 differs"), r.err.constData());
        // Other data cannot either.
        const QString other = tmp_.filePath("other.jsonl");
        writeFile(other, "{\"text\": \"something else entirely\"}\n");
        r = testdata::runCli({"train", "--data", other, "-o", out, "--resume", ck});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("not the data the checkpoint"), r.err.constData());
        QByteArray bad = good;
        bad[bad.size() / 2] = char(bad[bad.size() / 2] ^ 0x10);
        writeFile(ck + "/checkpoint.bin", bad);
        r = testdata::runCli({"train", "--data", data_, "-o", out, "--resume", ck, "--steps", "4"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("checksum"), r.err.constData());
        QCOMPARE(readFile(out), model);
        QCOMPARE(readFile(ck + "/checkpoint.bin"), bad);
    }

    void nanLossStopsNamingTheStep() {
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        const QString out = tmp_.filePath("nan.gguf"), ck = tmp_.filePath("nck");
        auto a = tiny(out);
        a << "--steps"
          << "20"
          << "--lr"
          << "1e30"
          << "--warmup"
          << "0"
          << "--clip"
          << "0"
          << "--checkpoint" << ck << "--checkpoint-every"
          << "1";
        const auto r = testdata::runCli(a);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("at step 2"), r.err.constData());
        QVERIFY(!QFile::exists(out));
        // Step 1 was finite: its checkpoint is the last good one and is kept.
        const auto ok =
            testdata::runCli({"train", "--data", data_, "-o", out, "--resume", ck, "--steps", "1"});
        QVERIFY2(ok.exitCode == 0, ok.err.constData());
    }

    void interruptWritesACheckpoint() {
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        const QString out = tmp_.filePath("i.gguf"), ck = tmp_.filePath("ick");
        QProcess p;
        auto a = tiny(out);
        a.removeFirst();
        a.prepend("train");
        a << "--steps"
          << "1000000"
          << "--log-every"
          << "1"
          << "--checkpoint" << ck;
        p.start(testdata::cli(), a);
        QVERIFY(p.waitForStarted(10000));
        QByteArray seen;
        while (!seen.contains("step 2/") && p.waitForReadyRead(60000))
            seen += p.readAllStandardOutput();
        QVERIFY(seen.contains("step 2/"));
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY(p.readAllStandardError().contains("interrupted: checkpoint of step"));
        QVERIFY(QFile::exists(ck + "/checkpoint.bin"));
        QVERIFY(!QFile::exists(out));
        const auto r =
            testdata::runCli({"train", "--data", data_, "-o", out, "--resume", ck, "--steps", "1"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestCliTrain)
#include "tst_cli_train.moc"
