// One precision path: `generate --budget`, `profile --budget` and the GUI's
// model document (budget requested, then a run) route the same greedy text of
// a routed stories260K to the same level in every block at every position,
// and those levels equal a second transformer's routing of the tokens.
#include "TestData.h"

#include "ModelDocument.h"
#include "TokenListModel.h"

#include "model/Model.h"
#include "model/Transformer.h"
#include "route/RouterPolicy.h"
#include "tokenizer/Tokenizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace mobi;

namespace {

const char* kModel = "models/stories260K/stories260K.bin";
const char* kTokenizer = "models/stories260K/tok512.bin";
const char* kText = "text/TinyStories-valid.head30k.txt";
const char* kPrompt = "Once upon a time";
constexpr int kSteps = 40; // positions, prompt included

using Levels = std::vector<std::vector<int>>; // [position][block]

// Levels of a fresh transformer's routers over `ids` in one batched forward.
Levels independentLevels(const Model& m, const std::vector<int>& ids, double bits) {
    Transformer t(m, 1);
    t.setLevelPolicy(std::make_shared<RouterPolicy>(m.routers, bits));
    Levels out(ids.size(), std::vector<int>(size_t(m.config.nLayers), 0));
    t.setObserver([&](const LayerEvent& e) {
        if (e.point != LayerPoint::Route || e.linear > 0) return;
        for (int i = 0; i < e.nTokens; ++i)
            out[size_t(e.pos0 + i)][size_t(e.layer)] = e.levels[i];
    });
    t.forward(ids.data(), static_cast<int>(ids.size()), 0);
    return out;
}

} // namespace

class TestPrecisionPaths : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString routed_;

  private slots:
    void initTestCase() {
        if (!QFileInfo::exists(testdata::path(kModel)) || !QFileInfo::exists(testdata::path(kText)))
            return;
        QVERIFY(dir_.isValid());
        const QString sliced = dir_.filePath(QStringLiteral("sliced.gguf"));
        routed_ = dir_.filePath(QStringLiteral("routed.gguf"));
        auto r = testdata::runCli({"slice", testdata::path(kModel), "--tokenizer",
                                   testdata::path(kTokenizer), "-o", sliced});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = testdata::runCli({"route", "calibrate", sliced, "--text", testdata::path(kText),
                              "--tokens", "2048", "-o", routed_});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void frontEndsRecordTheSameLevels() {
        REQUIRE_DATA(kModel);
        REQUIRE_DATA(kText);
        for (const double budget : {2.7, 3.5, 4.2}) {
            const QString bits = QString::number(budget);
            // generate --budget --json: ids and the recorder's levels.
            auto g =
                testdata::runCli({"generate", routed_, "-p", kPrompt, "-n", QString::number(kSteps),
                                  "--temp", "0", "--budget", bits, "--json"});
            QVERIFY2(g.exitCode == 0, g.err.constData());
            const QJsonObject j = QJsonDocument::fromJson(g.out).object();
            std::vector<int> ids;
            for (const auto& v : j.value("tokens").toArray())
                ids.push_back(v.toInt());
            Levels gen;
            for (const auto& row : j.value("token_levels").toArray()) {
                gen.emplace_back();
                for (const auto& v : row.toArray())
                    gen.back().push_back(v.toInt());
            }
            QCOMPARE(int(gen.size()), kSteps);
            QVERIFY(int(ids.size()) > kSteps);

            // profile --budget: MOBI_TOKEN_LAYER.
            const QString db = dir_.filePath(QStringLiteral("p%1.sqlite").arg(bits));
            auto p = testdata::runCli({"profile", routed_, "-p", kPrompt, "-n",
                                       QString::number(kSteps), "--budget", bits, "--db", db});
            QVERIFY2(p.exitCode == 0, p.err.constData());
            Levels prof(static_cast<size_t>(kSteps));
            {
                const QString conn = QStringLiteral("levels%1").arg(bits);
                {
                    QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), conn);
                    sql.setDatabaseName(db);
                    QVERIFY(sql.open());
                    QSqlQuery q(sql);
                    QVERIFY(q.exec(QStringLiteral("SELECT position, layer, level FROM "
                                                  "MOBI_TOKEN_LAYER ORDER BY position, layer")));
                    while (q.next()) {
                        const int pos = q.value(0).toInt();
                        if (pos < kSteps) prof[size_t(pos)].push_back(q.value(2).toInt());
                    }
                }
                QSqlDatabase::removeDatabase(conn);
            }

            // The GUI: the document owns the budget; a greedy run records levels.
            ModelDocument doc;
            doc.open(routed_);
            QVERIFY(QTest::qWaitFor([&] { return doc.model() && !doc.isLoading(); }, 20000));
            doc.requestBudget(budget);
            QCOMPARE(doc.precision().budget, budget);
            QSignalSpy finished(&doc, &ModelDocument::runFinished);
            RunRequest req;
            req.prompt = QString::fromUtf8(kPrompt);
            req.temperature = 0;
            const int promptTokens = int(doc.model()->tokenizer->encode(kPrompt, true).size());
            req.maxNewTokens = kSteps - promptTokens;
            doc.run(req);
            QVERIFY(finished.wait(20000) || !finished.isEmpty());
            const TokenRecords recs = doc.tokens()->records();
            QCOMPARE(recs.size(), kSteps);
            Levels gui;
            for (const TokenRecord& r : recs) {
                QCOMPARE(r.id, ids[size_t(r.position)]); // the same greedy text
                gui.push_back(r.layerLevel);
            }

            const Levels ref = independentLevels(
                *doc.model(), std::vector<int>(ids.begin(), ids.begin() + kSteps), budget);
            std::set<int> seen;
            for (int pos = 0; pos < kSteps; ++pos) {
                const auto at = QStringLiteral("budget %1, position %2").arg(bits).arg(pos);
                QVERIFY2(gen[size_t(pos)] == ref[size_t(pos)], qPrintable("generate " + at));
                QVERIFY2(prof[size_t(pos)] == ref[size_t(pos)], qPrintable("profile " + at));
                QVERIFY2(gui[size_t(pos)] == ref[size_t(pos)], qPrintable("GUI " + at));
                seen.insert(ref[size_t(pos)].begin(), ref[size_t(pos)].end());
            }
            // Routing, not a uniform level: several levels occur.
            QVERIFY2(seen.size() >= 2, qPrintable(QStringLiteral("budget %1").arg(bits)));
            doc.shutdown();
        }
    }
};

QTEST_MAIN(TestPrecisionPaths)
#include "tst_precision_paths.moc"
