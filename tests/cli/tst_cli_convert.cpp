// mobiscope-cli convert on sliced and routed stories260K: `--level K` /
// `--bits B` write a dense standard GGUF whose perplexity is the sliced
// file's at that level (F32: float rounding; F16: within 0.1%) and that works
// in every command; the report is read back from the written file; `info`
// tells standard GGUF files from those that need mobiscope; a sliced input
// without a level, a level that does not exist, --budget and other bad
// requests are clear errors that leave no file behind.
#include "TestData.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

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

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Perplexity at ctx 128 over the whole text, -1 on failure.
double perplexity(const QString& file, const QStringList& extra = {}) {
    const auto r = testdata::runCli(QStringList{"perplexity", file, "--text", text(), "--ctx",
                                                "128", "--json", "--threads", "2"} +
                                    extra);
    if (r.exitCode != 0) qWarning("%s", r.err.constData());
    return r.exitCode == 0 ? json(r)["perplexity"].toDouble() : -1.0;
}

} // namespace

class TestCliConvert : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString sliced_, routed_;

    QString out(const QString& name) const { return tmp_.filePath(name); }

    // Runs a convert that must fail with exit 2, a message containing every
    // one of `msgs`, and no file at OUT (nor its temporary).
    void expectRefused(const QStringList& args, const QString& outPath, const QStringList& msgs) {
        const auto r = testdata::runCli(QStringList{"convert"} + args);
        QVERIFY2(r.exitCode == 2 && !r.crashed, qPrintable(args.join(' ') + ": " + r.err));
        for (const QString& m : msgs)
            QVERIFY2(r.err.contains(m.toUtf8()), r.err.constData());
        QVERIFY2(QByteArray(r.err).count('\n') <= 2, r.err.constData());
        QVERIFY(!QFileInfo::exists(outPath));
        QVERIFY(!QFileInfo::exists(outPath + ".tmp"));
    }

  private slots:
    void initTestCase() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        // The sliced kernels' default activations (float) are what the
        // dense files are compared with.
        qunsetenv("MOBISCOPE_SLICED_ACT");
        sliced_ = out("s.gguf");
        routed_ = out("r.gguf");
        auto r = testdata::runCli({"slice", model(), "-o", sliced_, "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = testdata::runCli({"route", "calibrate", sliced_, "--text", text(), "--tokens", "2048",
                              "-o", routed_, "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    // Acceptance 1: at every level the dense export's perplexity is the
    // sliced file's at that level.
    void everyLevelKeepsItsPerplexity() {
        for (int k = 1; k <= 4; ++k) {
            const QString f32 = out(QString("l%1.gguf").arg(k));
            const QString f16 = out(QString("l%1-f16.gguf").arg(k));
            auto r = testdata::runCli({"convert", sliced_, f32, "--level", QString::number(k)});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            r = testdata::runCli(
                {"convert", sliced_, f16, "--level", QString::number(k), "--type", "f16"});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            const double ref = perplexity(sliced_, {"--level", QString::number(k)});
            const double a = perplexity(f32), h = perplexity(f16);
            qInfo("level %d: sliced %.6f, dense F32 %.6f, dense F16 %.6f", k, ref, a, h);
            QVERIFY(ref > 0 && a > 0 && h > 0);
            QVERIFY2(std::abs(a - ref) <= 1e-5 * ref, qPrintable(QString::number(a - ref)));
            QVERIFY2(std::abs(h - ref) <= 1e-3 * ref, qPrintable(QString::number(h - ref)));
        }
        // --bits names the same level.
        const QString b4 = out("b4.gguf");
        QCOMPARE(testdata::runCli({"convert", sliced_, b4, "--bits", "4"}).exitCode, 0);
        QCOMPARE(readAll(b4), readAll(out("l3.gguf")));
    }

    // What convert says comes from the file it wrote.
    void reportIsReadBack() {
        auto r = testdata::runCli(
            {"convert", sliced_, out("q8.gguf"), "--level", "4", "--type", "q8_0", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QJsonObject j = json(r);
        QCOMPARE(j["format"].toString(), QString("gguf"));
        // ffn_down's rows (172) are not whole Q8_0 blocks: F16.
        QCOMPARE(j["matrices"].toObject(), (QJsonObject{{"Q8_0", 31}, {"F16", 5}}));
        QVERIFY(j["slice_bits"].isNull());
        QCOMPARE(j["level"].toInt(), 4);
        QCOMPARE(j["bits"].toInt(), 5);
        QVERIFY(j["runtimes"].toObject()["standard_gguf"].toBool());
        QVERIFY(j["tokenizer"].toString().contains("512 tokens"));

        r = testdata::runCli({"convert", sliced_, out("copy.gguf"), "--keep-sliced", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        j = json(r);
        QCOMPARE(j["slice_bits"].toArray(), (QJsonArray{2, 1, 1, 1}));
        QCOMPARE(j["matrices"].toObject()["bit-planes"].toInt(), 35);
        QVERIFY(!j["runtimes"].toObject()["standard_gguf"].toBool());
        QCOMPARE(j["runtimes"].toObject()["needs_mobiscope"].toArray(),
                 (QJsonArray{"MoBiSlice bit-planes"}));

        // The text report (the case: no more "matrices F32" for planes).
        r = testdata::runCli({"convert", sliced_, out("copy2.gguf"), "--keep-sliced"});
        QVERIFY(r.err.contains("bit-planes x 35") && r.err.contains("levels kept"));
        QVERIFY(r.err.contains("needs mobiscope"));
        r = testdata::runCli({"convert", sliced_, out("l2b.gguf"), "--level", "2"});
        QVERIFY2(r.err.contains("matrices F32 x 36") && r.err.contains("level 2 (3 bits)") &&
                     r.err.contains("standard GGUF"),
                 r.err.constData());
    }

    // Acceptance 2, through the commands: the export is a plain model.
    void exportWorksInEveryCommand() {
        const QString e = out("l4.gguf");
        QVERIFY(QFileInfo::exists(e));
        auto r = testdata::runCli({"info", e, "--json"});
        QCOMPARE(r.exitCode, 0);
        QJsonObject j = json(r);
        QVERIFY(!j.contains("sliced"));
        QCOMPARE(j["matrix_dtype"].toString(), QString("F32"));
        QVERIFY(j["runtimes"].toObject()["standard_gguf"].toBool());
        r = testdata::runCli({"info", e});
        QVERIFY(r.out.contains("standard GGUF: loads in llama.cpp"));

        const QStringList gen = {"--temp", "0", "-n", "40", "-p", "Once upon a time"};
        const auto a = testdata::runCli(QStringList{"generate", e} + gen);
        const auto b = testdata::runCli(QStringList{"generate", sliced_, "--level", "4"} + gen);
        QVERIFY2(a.exitCode == 0, a.err.constData());
        QVERIFY(a.out.startsWith("Once upon a time"));
        QCOMPARE(a.out, b.out);
        QCOMPARE(testdata::runCli({"tokenize", e, "Once upon a time"}).out,
                 testdata::runCli({"tokenize", model(), "Once upon a time"}).out);
        r = testdata::runCli({"bench", e, "--json", "--repeats", "1", "--prompt-tokens", "8",
                              "--gen-tokens", "8", "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = testdata::runCli({"slice", e, "-o", out("again.gguf"), "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = testdata::runCli({"convert", e, out("hf")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.err.contains("safetensors, matrices F32 x 36"));
        // A level straight to a Hugging Face directory computes the same.
        r = testdata::runCli({"convert", sliced_, out("hf2"), "--level", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double ppl = perplexity(out("hf2")), ref = perplexity(out("l2.gguf"));
        QVERIFY2(std::abs(ppl - ref) <= 1e-5 * ref, qPrintable(QString::number(ppl - ref)));
    }

    void infoSaysWhoCanLoadAFile() {
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        auto runtimes = [](const QString& f) {
            const auto r = testdata::runCli({"info", f, "--json"});
            return json(r)["runtimes"].toObject();
        };
        QVERIFY(runtimes(testdata::path("models/stories260K/stories260K.gguf"))["standard_gguf"]
                    .toBool());
        QJsonObject s = runtimes(sliced_);
        QVERIFY(!s["standard_gguf"].toBool());
        QVERIFY(s["summary"].toString().contains("--level K"));
        s = runtimes(routed_);
        QCOMPARE(s["needs_mobiscope"].toArray(),
                 (QJsonArray{"MoBiSlice bit-planes", "MoBiRoute routers"}));
        s = runtimes(model());
        QVERIFY(!s["standard_gguf"].toBool());
        QVERIFY(s["summary"].toString().contains("not a GGUF file (llama2c)"));
        const auto text = testdata::runCli({"info", routed_});
        QVERIFY2(text.out.contains("runtimes     needs mobiscope (MoBiSlice bit-planes, MoBiRoute "
                                   "routers)"),
                 text.out.constData());
    }

    void routedModelExportsUniformLevels() {
        const QString e = out("r3.gguf");
        expectRefused({routed_, e}, e, {"routed model", "--level K", "--keep-sliced"});
        expectRefused({routed_, e, "--budget", "3.5"}, e,
                      {"per-token", "no dense file", "--level K"});
        auto r = testdata::runCli({"convert", routed_, e, "--level", "3", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(!json(r)["routers"].toBool());
        QVERIFY(json(r)["runtimes"].toObject()["standard_gguf"].toBool());
        QCOMPARE(readAll(e), readAll(out("l3.gguf")));
        r = testdata::runCli({"convert", routed_, out("r-copy.gguf"), "--keep-sliced", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(json(r)["routers"].toBool());
    }

    // Acceptance 3: clear errors, exit 2, nothing written.
    void badRequestsLeaveNoFile() {
        const QString o = out("bad.gguf");
        expectRefused({sliced_, o}, o,
                      {"sliced model", "--level K", "--keep-sliced", "4 (5 bits)"});
        expectRefused({sliced_, o, "--level", "5"}, o, {"--level 5 does not exist", "4 (5 bits)"});
        expectRefused({sliced_, o, "--level", "0"}, o, {"--level 0 does not exist"});
        expectRefused({sliced_, o, "--bits", "8"}, o, {"--bits 8 is not a level"});
        expectRefused({sliced_, o, "--level", "2", "--bits", "3"}, o, {"not both"});
        expectRefused({sliced_, o, "--budget", "3"}, o, {"no routers", "--level K"});
        expectRefused({sliced_, o, "--level", "2", "--keep-sliced"}, o, {"not both"});
        expectRefused({sliced_, o, "--level", "2", "--type", "q4_k"}, o, {"--type"});
        expectRefused({model(), o, "--level", "2"}, o, {"not a sliced model"});
        expectRefused({model(), o, "--budget", "3"}, o, {"no routers"});
        expectRefused({model(), o, "--keep-sliced"}, o, {"not a sliced model"});
        const QString hf = out("badhf");
        expectRefused({sliced_, hf, "--keep-sliced"}, hf, {"Hugging Face", "--level K"});
        expectRefused({sliced_, hf, "--level", "2", "--type", "q8_0"}, hf, {"q8_0"});
        // An existing file is left as it was by a refused convert.
        const QString kept = out("l1.gguf");
        const QByteArray before = readAll(kept);
        QCOMPARE(testdata::runCli({"convert", sliced_, kept, "--level", "9"}).exitCode, 2);
        QCOMPARE(readAll(kept), before);
    }
};

QTEST_GUILESS_MAIN(TestCliConvert)
#include "tst_cli_convert.moc"
