// mobiscope-cli slice / sweep / --level on stories260K: the sliced file
// works with every command, bad specs and levels are clear errors, and the
// sweep meets MoBiSlice acceptance 3 (perplexity falls with the level, the
// top level within 3% of FP, FP equal to llama.cpp's).
#include "TestData.h"

#include "core/ThreadPool.h"
#include "eval/Perplexity.h"
#include "io/ModelLoader.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

namespace {

QString model() {
    return testdata::path("models/stories260K/stories260K.bin");
}
QString text() {
    return testdata::path("text/TinyStories-valid.head30k.txt");
}

QJsonObject json(const testdata::CliResult& r) {
    return QJsonDocument::fromJson(r.out).object();
}

} // namespace

class TestCliSlice : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString sliced_;

  private slots:
    void initTestCase() { sliced_ = tmp_.filePath("s.gguf"); }

    void sliceWritesASelfContainedFile() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const auto r = testdata::runCli({"slice", model(), "-o", sliced_, "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.err.contains("slicing layer 5/5"));
        const auto info = testdata::runCli({"info", sliced_, "--json"});
        QCOMPARE(info.exitCode, 0);
        const QJsonObject s = json(info)["sliced"].toObject();
        QCOMPARE(s["slice_bits"].toArray(), (QJsonArray{2, 1, 1, 1}));
        QCOMPARE(s["group_size"].toInt(), 128);
        QCOMPARE(s["mode"].toString(), QString("nested"));
        const QJsonArray levels = s["levels"].toArray();
        QCOMPARE(levels.size(), 4);
        for (int k = 0; k < 4; ++k) {
            QCOMPARE(levels[k].toObject()["bits"].toInt(), k + 2);
            // fp16 scale + min per 128-wide group (the 44-wide tail counted whole).
            QVERIFY(levels[k].toObject()["effective_bits"].toDouble() > k + 2.25);
        }
        const auto text = testdata::runCli({"info", sliced_});
        QVERIFY(text.out.contains("level 4    5 bits"));
    }

    void levelsWorkInEveryCommand() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        QVERIFY(QFileInfo::exists(sliced_));
        auto ppl = [&](const QStringList& extra) {
            QStringList a = {"perplexity", sliced_, "--text", text(),      "--ctx", "128",
                             "--chunks",   "20",    "--json", "--threads", "2"};
            a += extra;
            const auto r = testdata::runCli(a);
            return r.exitCode == 0 ? json(r)["perplexity"].toDouble() : -1.0;
        };
        const double top = ppl({}), l4 = ppl({"--level", "4"}), b5 = ppl({"--bits", "5"});
        const double l1 = ppl({"--level", "1"});
        QVERIFY(top > 0 && l1 > 0);
        QCOMPARE(l4, top);
        QCOMPARE(b5, top);
        QVERIFY(l1 > top * 1.5);
        // The same number computed here through the engine.
        mobi::Model m = mobi::loadModel(sliced_.toStdString());
        mobi::Transformer t(m, 2, 128);
        t.setLevel(1);
        mobi::PerplexityOptions o;
        o.ctx = 128;
        o.maxChunks = 20;
        o.bos = m.tokenizer->bos();
        const std::string txt = [&] {
            QFile f(text());
            f.open(QIODevice::ReadOnly);
            return f.readAll().toStdString();
        }();
        const double ref = mobi::perplexity(t, m.tokenizer->encode(txt, true), o).ppl;
        QVERIFY(std::abs(ref - l1) < 1e-3 * ref);

        const auto gen =
            testdata::runCli({"generate", sliced_, "--bits", "3", "-n", "20", "--temp", "0"});
        QCOMPARE(gen.exitCode, 0);
        QVERIFY(gen.out.startsWith("Once upon a time"));
        const auto bench =
            testdata::runCli({"bench", sliced_, "--level", "2", "--json", "--repeats", "1",
                              "--prompt-tokens", "8", "--gen-tokens", "8", "--threads", "2"});
        QVERIFY2(bench.exitCode == 0, bench.err.constData());
        QCOMPARE(json(bench)["bits"].toInt(), 3);
    }

    void badLevelsAndSpecsAreClearErrors() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QVERIFY(QFileInfo::exists(sliced_));
        auto r = testdata::runCli({"generate", sliced_, "--level", "5", "-n", "4"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--level 5 does not exist") && r.err.contains("4 (5 bits)"),
                 r.err.constData());
        r = testdata::runCli({"generate", sliced_, "--bits", "8", "-n", "4"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("1 (2 bits), 2 (3 bits)"));
        r = testdata::runCli({"bench", model(), "--level", "1"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("not a sliced model"));
        r = testdata::runCli({"slice", sliced_, "-o", tmp_.filePath("again.gguf")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("already sliced"));
        const QString out = tmp_.filePath("x.gguf");
        const QList<QPair<QStringList, QString>> bad = {
            {{"--slices", "0"}, "at least 1"},     {{"--slices", "8,8,1"}, "16"},
            {{"--slices", "2,,1"}, "--slices"},    {{"--group", "0"}, "group size 0"},
            {{"--group", "24"}, "multiple of 16"}, {{"--mode", "sideways"}, "--mode"},
        };
        for (const auto& [args, msg] : bad) {
            const auto e = testdata::runCli(QStringList{"slice", model(), "-o", out} + args);
            QVERIFY2(e.exitCode != 0 && !e.crashed, qPrintable(args.join(' ')));
            QVERIFY2(e.err.contains(msg.toUtf8()), e.err.constData());
            QVERIFY(!QFileInfo::exists(out));
        }
    }

    // Acceptance 3 of the MoBiSlice issue, through the sweep command.
    void sweepMeetsAcceptance() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        const auto r = testdata::runCli(
            {"sweep", model(), "--text", text(), "--ctx", "128", "--json", "--threads", "2"},
            600000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray rows = json(r)["rows"].toArray();
        double fp = 0;
        QMap<QString, QList<double>> ppl;
        QList<int> rtnBits;
        for (const QJsonValue& v : rows) {
            const QJsonObject o = v.toObject();
            const QString method = o["method"].toString();
            if (method == "fp")
                fp = o["perplexity"].toDouble();
            else if (method == "rtn")
                rtnBits.push_back(o["bits"].toInt());
            else
                ppl[method].push_back(o["perplexity"].toDouble());
            if (method != "fp") {
                QCOMPARE(o["layer_rel_error"].toArray().size(), 5);
                QVERIFY(o["effective_bits"].toDouble() > o["bits"].toInt());
            }
        }
        QVERIFY(std::abs(fp - 5.8583) < 2e-3); // llama.cpp's llama-perplexity, ctx 128
        QCOMPARE(rtnBits, (QList<int>{2, 3, 4, 5}));
        for (const QString mode : {"nested", "residual"}) {
            const QList<double> p = ppl[mode];
            QCOMPARE(p.size(), 4);
            for (int k = 1; k < p.size(); ++k)
                QVERIFY2(p[k] < p[k - 1], qPrintable(mode + QString(" level %1").arg(k + 1)));
        }
        // The defaults (nested): top level within 3% of FP.
        const double top = ppl["nested"].back();
        QVERIFY2(top <= 1.03 * fp, qPrintable(QString("top %1 vs fp %2").arg(top).arg(fp)));
    }
};

QTEST_GUILESS_MAIN(TestCliSlice)
#include "tst_cli_slice.moc"
