// mobiscope-cli outliers on stories260K: the JSON holds both families with
// 4 levels, set sizes of round(q% x tokens), migration matrices that are
// symmetric with a zero diagonal, in [0, 1] and equal to 1 - Jaccard of the
// printed outlier token sets (recomputed here); a sliced model, a bad --q,
// unknown flags and an empty text are clear errors.
#include "TestData.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
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

double jaccardDistance(const QJsonArray& a, const QJsonArray& b) {
    QSet<int> A, B;
    for (const auto& v : a)
        A.insert(v.toInt());
    for (const auto& v : b)
        B.insert(v.toInt());
    const QSet<int> I = QSet<int>(A).intersect(B), U = QSet<int>(A).unite(B);
    return U.isEmpty() ? 0.0 : 1.0 - double(I.size()) / double(U.size());
}

} // namespace

class TestCliOutliers : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private slots:
    void jsonHasBothFamiliesAndValidMatrices() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        const auto r = testdata::runCli({"outliers", model(), "--text", text(), "--tokens", "1024",
                                         "--json", "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.err.contains("RTN 5 bits"));
        QJsonParseError pe;
        const QJsonObject j = QJsonDocument::fromJson(r.out, &pe).object();
        QCOMPARE(pe.error, QJsonParseError::NoError);
        QCOMPARE(j["tokens"].toInt(), 1024);
        QCOMPARE(j["set_size"].toInt(), 51); // round(0.05 x 1024)
        const double chance = j["chance_migration"].toDouble();
        QVERIFY(chance > 0.9 && chance < 1.0);
        const QJsonArray fams = j["families"].toArray();
        QCOMPARE(fams.size(), 2);
        QCOMPARE(fams[0].toObject()["name"].toString(), QString("mobislice"));
        QCOMPARE(fams[1].toObject()["name"].toString(), QString("rtn"));
        for (const auto& fv : fams) {
            const QJsonObject f = fv.toObject();
            QCOMPARE(f["bits"].toArray(), (QJsonArray{2, 3, 4, 5}));
            const QJsonArray layers = f["layers"].toArray();
            QCOMPARE(layers.size(), 5);
            std::vector<double> sum(16, 0.0);
            for (const auto& lv : layers) {
                const QJsonObject l = lv.toObject();
                const QJsonArray m = l["migration"].toArray();
                const QJsonArray sets = l["outlier_tokens"].toArray();
                const QJsonArray sens = l["mean_sensitivity"].toArray();
                QCOMPARE(m.size(), 4);
                QCOMPARE(sets.size(), 4);
                for (int k = 0; k < 4; ++k) {
                    QCOMPARE(l["set_sizes"].toArray()[k].toInt(), 51);
                    QCOMPARE(sets[k].toArray().size(), 51);
                    QVERIFY(sens[k].toDouble() > 0);
                    // More bits, smaller error.
                    if (k > 0) QVERIFY(sens[k].toDouble() < sens[k - 1].toDouble());
                }
                for (int a = 0; a < 4; ++a) {
                    QCOMPARE(m[a].toArray().size(), 4);
                    QCOMPARE(m[a].toArray()[a].toDouble(), 0.0);
                    for (int b = 0; b < 4; ++b) {
                        const double v = m[a].toArray()[b].toDouble();
                        QVERIFY(v >= 0 && v <= 1);
                        QCOMPARE(v, m[b].toArray()[a].toDouble());
                        QVERIFY(std::abs(v - jaccardDistance(sets[a].toArray(),
                                                             sets[b].toArray())) < 1e-9);
                        sum[size_t(a * 4 + b)] += v;
                    }
                }
            }
            const QJsonArray mean = f["mean_migration"].toArray();
            for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b)
                    QVERIFY(std::abs(mean[a].toArray()[b].toDouble() - sum[size_t(a * 4 + b)] / 5) <
                            1e-9);
        }
        QCOMPARE(j["same_bits_migration"].toArray().size(), 5);
        const QJsonArray ch = j["channel_outliers"].toArray();
        QCOMPARE(ch.size(), 5);
        for (const auto& cv : ch) {
            const QJsonObject c = cv.toObject();
            QVERIFY(c["median_max_abs"].toDouble() > 0);
            QCOMPARE(c["count"].toInt(), c["channels"].toArray().size());
            for (const auto& x : c["channels"].toArray())
                QVERIFY(x.toObject()["max_abs"].toDouble() > c["threshold"].toDouble());
        }
        // The text table shows the same families.
        const auto t = testdata::runCli(
            {"outliers", model(), "--text", text(), "--tokens", "600", "--threads", "2"});
        QVERIFY2(t.exitCode == 0, t.err.constData());
        QVERIFY(t.out.contains("| mean | mobislice |") && t.out.contains("| mean | rtn |"));
        QVERIFY(t.out.contains("2->3") && t.out.contains("2->5"));
    }

    void badInputIsAClearError() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        const QStringList base = {"outliers", model(), "--text", text(), "--tokens", "256"};
        for (const QString q : {"0", "101", "-3", "abc"}) {
            const auto r = testdata::runCli(base + QStringList{"--q", q});
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains("--q"), r.err.constData());
            QVERIFY(!r.crashed);
        }
        auto r = testdata::runCli(base + QStringList{"--bogus"});
        QCOMPARE(r.exitCode, 2);
        r = testdata::runCli({"outliers", model()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("--text"));
        const QString empty = tmp_.filePath("empty.txt");
        QFile f(empty);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        r = testdata::runCli({"outliers", model(), "--text", empty});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("no text"), r.err.constData());
        QVERIFY(!r.crashed);
    }

    void slicedModelIsRejected() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        const QString sliced = tmp_.filePath("s.gguf");
        auto r = testdata::runCli({"slice", model(), "-o", sliced, "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = testdata::runCli({"outliers", sliced, "--text", text(), "--tokens", "256"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("sliced model") && r.err.contains("dense"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliOutliers)
#include "tst_cli_outliers.moc"
