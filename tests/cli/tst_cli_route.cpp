// mobiscope-cli route calibrate / route eval and --budget on stories260K:
// achieved average bits within 0.05 of every budget on held-out text, the
// routers ahead of random routing with the same level mix, --budget on
// perplexity/generate/bench reporting achieved bits; and the clear errors
// for budgets outside the levels, models without routers, routers that do
// not match the model and nonsense arguments.
#include "TestData.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

namespace {

QString model() {
    return testdata::path("models/stories260K/stories260K.bin");
}
QString tokenizer() {
    return testdata::path("models/stories260K/tok512.bin");
}
QString text() {
    return testdata::path("text/TinyStories-valid.head30k.txt");
}

QJsonObject parse(const QByteArray& out) {
    QJsonParseError pe;
    const QJsonObject j = QJsonDocument::fromJson(out, &pe).object();
    if (pe.error != QJsonParseError::NoError) qWarning("bad JSON: %s", out.constData());
    return j;
}

} // namespace

class TestCliRoute : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString sliced_, routed_;

  private slots:
    void initTestCase() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        sliced_ = tmp_.path() + "/sliced.gguf";
        routed_ = tmp_.path() + "/routed.gguf";
        auto r = testdata::runCli(
            {"slice", model(), "--tokenizer", tokenizer(), "-o", sliced_, "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // Calibration on the first 4096 tokens of the text.
        r = testdata::runCli({"route", "calibrate", sliced_, "--text", text(), "--tokens", "4096",
                              "--reference", model(), "-o", routed_, "--json", "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = parse(r.out);
        QCOMPARE(j["tokens"].toInt(), 4096);
        const QJsonArray layers = j["layers"].toArray();
        QCOMPARE(layers.size(), 5);
        for (const auto& l : layers) {
            // The routers order tokens by the true gain of slice 2 and beat
            // predicting the mean.
            QVERIFY(l.toObject()["rank_correlation"].toDouble() > 0.5);
            QVERIFY(l.toObject()["validation_loss"].toDouble() <
                    l.toObject()["baseline_loss"].toDouble());
        }
    }

    void evalMeetsBudgetsOnHeldOutText() {
        const QStringList budgets = {"2", "2.5", "3", "3.5", "4", "4.5", "5"};
        // Held out: everything after the calibration tokens.
        const auto r = testdata::runCli({"route",
                                         "eval",
                                         routed_,
                                         "--text",
                                         text(),
                                         "--skip-tokens",
                                         "4096",
                                         "--tokens",
                                         "3072",
                                         "--ctx",
                                         "256",
                                         "--budgets",
                                         budgets.join(','),
                                         "--reference",
                                         model(),
                                         "--random-seeds",
                                         "1",
                                         "--json",
                                         "--threads",
                                         "2"},
                                        600000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = parse(r.out);
        QCOMPARE(j["tokens"].toInt(), 3072);
        const QJsonArray rows = j["rows"].toArray();
        QCOMPARE(rows.size(), budgets.size());
        for (const auto& v : rows) {
            const QJsonObject row = v.toObject();
            const double B = row["budget"].toDouble();
            const QJsonObject router = row["router"].toObject();
            const QJsonObject matched = row["random_matched"].toObject();
            const double bits = router["achieved_bits"].toDouble();
            QVERIFY2(std::fabs(bits - B) < 0.05,
                     qPrintable(QString("budget %1 achieved %2").arg(B).arg(bits)));
            QVERIFY(std::fabs(row["router_per_layer"].toObject()["achieved_bits"].toDouble() - B) <
                    0.05);
            QVERIFY(std::fabs(row["oracle"].toObject()["achieved_bits"].toDouble() - B) < 1e-3);
            QVERIFY(std::fabs(matched["achieved_bits"].toDouble() - bits) < 0.05);
            const double ppl = router["perplexity"].toDouble();
            QVERIFY(ppl > 1 && std::isfinite(ppl));
            if (B == 2 || B == 5) {
                // One level only: every method is that level.
                QCOMPARE(ppl, row["uniform"].toObject()["perplexity"].toDouble());
                QCOMPARE(ppl, matched["perplexity"].toDouble());
            } else {
                // Which tokens get which level matters: the routers beat the
                // same level mix on random tokens.
                QVERIFY2(ppl < matched["perplexity"].toDouble(),
                         qPrintable(QString("budget %1: router %2, matched random %3")
                                        .arg(B)
                                        .arg(ppl)
                                        .arg(matched["perplexity"].toDouble())));
            }
            QCOMPARE(row["uniform"].isNull(), B != std::floor(B));
        }
    }

    void budgetOnPerplexityGenerateBench() {
        auto r = testdata::runCli({"perplexity", routed_, "--text", text(), "--budget", "3.5",
                                   "--chunks", "3", "--json", "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QJsonObject j = parse(r.out);
        QCOMPARE(j["budget"].toDouble(), 3.5);
        QCOMPARE(j["allocation"].toString(), QString("global"));
        QVERIFY(std::fabs(j["achieved_bits"].toDouble() - 3.5) < 0.1);
        QCOMPARE(j["layer_bits"].toArray().size(), 5);
        QCOMPARE(j["level_counts"].toArray().size(), 4);

        r = testdata::runCli({"perplexity", routed_, "--text", text(), "--budget", "3",
                              "--allocation", "layer", "--chunks", "2", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        j = parse(r.out);
        for (const auto& b : j["layer_bits"].toArray())
            QVERIFY(std::fabs(b.toDouble() - 3.0) < 0.2);

        r = testdata::runCli(
            {"generate", routed_, "--budget", "4.5", "-n", "40", "--temp", "0", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        j = parse(r.out);
        // 4.485 on the reference machine (40 tokens x 5 blocks); the reported
        // average is the one the level counts give (level k = k + 1 bits).
        QVERIFY2(std::fabs(j["achieved_bits"].toDouble() - 4.5) < 0.05,
                 qPrintable(QString::number(j["achieved_bits"].toDouble())));
        {
            double decisions = 0, bitSum = 0;
            const QJsonArray counts = j["level_counts"].toArray();
            QCOMPARE(counts.size(), 4);
            for (int k = 0; k < counts.size(); ++k) {
                decisions += counts[k].toDouble();
                bitSum += counts[k].toDouble() * (k + 2);
            }
            QVERIFY(decisions > 0);
            QVERIFY(std::fabs(bitSum / decisions - j["achieved_bits"].toDouble()) < 1e-9);
        }
        QVERIFY(!j["text"].toString().isEmpty());

        r = testdata::runCli({"bench", routed_, "--budget", "3", "--prompt-tokens", "8",
                              "--gen-tokens", "8", "--repeats", "1", "--json", "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        j = parse(r.out);
        // 3.025 on the reference machine; one decision of the 16 tokens x 5
        // blocks moves the average by 1/80 bit.
        QVERIFY2(std::fabs(j["achieved_bits"].toDouble() - 3.0) < 0.05,
                 qPrintable(QString::number(j["achieved_bits"].toDouble())));
        QVERIFY(j["decode_tokens_per_s"].toDouble() > 0);
    }

    void perLinearRouters() {
        const QString linear = tmp_.path() + "/linear.gguf";
        auto r = testdata::runCli({"route", "calibrate", sliced_, "--text", text(), "--tokens",
                                   "1024", "--granularity", "linear", "--epochs", "10", "-o",
                                   linear, "--json", "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QJsonObject j = parse(r.out);
        QCOMPARE(j["granularity"].toString(), QString("linear"));
        QCOMPARE(j["layers"].toArray().size(), 5 * 7);
        r = testdata::runCli({"perplexity", linear, "--text", text(), "--budget", "3.5",
                              "--allocation", "layer", "--chunks", "4", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        j = parse(r.out);
        QCOMPARE(j["granularity"].toString(), QString("linear"));
        QVERIFY(std::fabs(j["achieved_bits"].toDouble() - 3.5) < 0.15);
    }

    void badInputIsAClearError() {
        struct Case {
            QStringList args;
            const char* message;
        };
        const QList<Case> cases = {
            {{"perplexity", routed_, "--text", text(), "--budget", "7"}, "outside the levels"},
            {{"perplexity", routed_, "--text", text(), "--budget", "1.5"}, "outside the levels"},
            {{"perplexity", routed_, "--text", text(), "--budget", "x"}, "budget"},
            {{"perplexity", routed_, "--text", text(), "--budget", "3", "--level", "2"},
             "not both"},
            {{"perplexity", routed_, "--text", text(), "--budget", "3", "--allocation", "max"},
             "global or layer"},
            {{"perplexity", sliced_, "--text", text(), "--budget", "3"}, "has no routers"},
            {{"generate", model(), "--tokenizer", tokenizer(), "--budget", "3"},
             "not a sliced model"},
            {{"route", "eval", routed_, "--text", text(), "--budgets", "2,9"}, "outside"},
            {{"route", "eval", routed_, "--text", text(), "--budgets", "2,,3"}, "not a number"},
            {{"route", "eval", sliced_, "--text", text()}, "has no routers"},
            {{"route", "calibrate", model(), "--tokenizer", tokenizer(), "--text", text(), "-o",
              tmp_.path() + "/x.gguf"},
             "not a sliced model"},
            {{"route", "calibrate", sliced_, "--text", text(), "-o", tmp_.path() + "/y.gguf",
              "--reference", testdata::path("models/aidreams260K/aidreams260K.bin")},
             "not the model these slices were made from"},
            {{"route", "calibrate", sliced_, "--text", text()}, "-o"},
            {{"route", "frobnicate"}, "unknown route subcommand"},
            {{"route", "calibrate", sliced_, "--text", text(), "-o", tmp_.path() + "/z.gguf",
              "--granularity", "head"},
             "block or linear"},
            {{"route"}, "usage"},
            {{"route", "eval", routed_, "--text", text(), "--skip-tokens", "99999999"},
             "skips them all"},
        };
        for (const Case& c : cases) {
            const auto r = testdata::runCli(c.args);
            QVERIFY2(!r.crashed, qPrintable(c.args.join(' ')));
            QVERIFY2(r.exitCode != 0, qPrintable(c.args.join(' ')));
            QVERIFY2(r.err.contains(c.message),
                     qPrintable(c.args.join(' ') + " -> " + QString::fromUtf8(r.err)));
        }
    }

    void mismatchedRouterFileIsRefused() {
        // mobiroute.hidden patched: the router tensors no longer fit.
        QFile in(routed_);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray bytes = in.readAll();
        const QByteArray key = "mobiroute.hidden";
        const qsizetype at = bytes.indexOf(key);
        QVERIFY(at > 0);
        uint32_t hidden = 0;
        std::memcpy(&hidden, bytes.constData() + at + key.size() + 4, 4);
        QCOMPARE(hidden, 32u);
        hidden = 64;
        std::memcpy(bytes.data() + at + key.size() + 4, &hidden, 4);
        const QString bad = tmp_.path() + "/bad.gguf";
        QFile out(bad);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes);
        out.close();
        const auto r = testdata::runCli({"perplexity", bad, "--text", text(), "--budget", "3"});
        QVERIFY(!r.crashed);
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("do not match"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliRoute)
#include "tst_cli_route.moc"
