// ProfileStore, the tracer and the profile/report commands (issue 5).
#include "TestData.h"

#include "ProfileStore.h"
#include "core/Error.h"
#include "eval/Generator.h"
#include "io/ModelLoader.h"
#include "trace/Tracer.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QThread>
#include <QtTest>

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <set>

using namespace mobi;

namespace {

const QString kModel = QStringLiteral("models/stories260K/stories260K.bin");
const QString kTok = QStringLiteral("models/stories260K/tok512.bin");

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// Expects an EngineError from opening `path` whose one-line message names it
// and contains `needle`.
void expectOpenError(const std::string& path, ProfileStore::Mode mode, const char* needle) {
    try {
        ProfileStore s(path, mode);
        QFAIL(qPrintable(QStringLiteral("opened without error: ") + QString::fromStdString(path)));
    } catch (const EngineError& e) {
        const std::string msg = e.what();
        QVERIFY2(msg.find(path) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find(needle) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find('\n') == std::string::npos, msg.c_str());
    }
}

// Records of an RFC 4180 CSV (quoted fields may hold newlines).
int csvRecords(const QByteArray& csv) {
    int records = 0;
    bool quoted = false, any = false;
    for (int i = 0; i < csv.size(); ++i) {
        const char c = csv[i];
        if (c == '"') quoted = !quoted;
        if (!quoted && c == '\n') {
            ++records;
            any = false;
        } else if (c != '\r') {
            any = true;
        }
    }
    return records + (any ? 1 : 0);
}

QStringList profileArgs(const QString& db, int n, int delayMs) {
    return {QStringLiteral("profile"),   testdata::path(kModel), QStringLiteral("--tokenizer"),
            testdata::path(kTok),        QStringLiteral("-n"),   QString::number(n),
            QStringLiteral("--threads"), QStringLiteral("1"),    QStringLiteral("--token-delay-ms"),
            QString::number(delayMs),    QStringLiteral("--db"), db};
}

} // namespace

class TestProfileStore : public QObject {
    Q_OBJECT

  private slots:
    void tracerOffRecordsNothing() {
        Tracer::setEnabled(false);
        Tracer::clear();
        { TraceScope s("off"); }
        QVERIFY(Tracer::drain().empty());
        Tracer::setEnabled(true);
        {
            TraceScope outer("outer", 3);
            TraceScope inner("inner", 3, 2);
        }
        Tracer::setEnabled(false);
        const auto r = Tracer::drain();
        QCOMPARE(r.size(), size_t(2));
        QCOMPARE(std::string(r[0].name), std::string("outer"));
        QCOMPARE(r[0].depth, 0);
        QCOMPARE(r[1].depth, 1);
        QCOMPARE(r[1].layer, 2);
        QVERIFY(r[0].startNs <= r[1].startNs && r[1].endNs <= r[0].endNs);
    }

    // Acceptance 1: every generated token has its per-layer ranges, and the
    // top-level ranges account for the wall time around the run.
    void generationProfileHasRangesPerTokenAndLayer() {
        REQUIRE_DATA(kModel);
        LoadOptions lo;
        lo.tokenizerPath = testdata::stdPath(kTok);
        lo.requireTokenizer = true;
        const Model m = loadModel(testdata::stdPath(kModel), lo);
        Transformer t(m, 1);
        QTemporaryDir dir;
        const std::string db = (dir.path() + "/gen.sqlite").toStdString();
        ProfileStore store(db, ProfileStore::Mode::Write);
        RunInfo info;
        info.modelPath = m.path;
        const int64_t run = store.beginRun(info);

        GenerateOptions o;
        o.steps = 120;
        o.sampler.temperature = 0;
        std::vector<int> positions;
        o.onToken = [&](int pos, int id, bool prompt) {
            store.addToken(TokenRecord{run, pos, id, "", prompt});
            positions.push_back(pos);
        };
        Tracer::clear();
        Tracer::setEnabled(true);
        const auto t0 = std::chrono::steady_clock::now();
        const GenerateResult r = generate(t, *m.tokenizer, o);
        const double wallNs =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
        Tracer::setEnabled(false);
        std::vector<RangeRecord> recs;
        for (const TraceRange& x : Tracer::drain())
            recs.push_back(RangeRecord{run, x.name, x.startNs, x.endNs, x.threadId, x.depth,
                                       x.position, x.layer, x.step});
        store.addRanges(recs);
        store.flush();
        QVERIFY(r.generatedTokens > 10);

        const int L = m.config.nLayers;
        // Positions whose forward ran: every position but the last sampled one.
        const int forwarded = static_cast<int>(r.tokens.size()) - 1;
        for (const char* name : {"layer", "attention", "ffn"}) {
            const QueryResult q = store.query(
                std::string("SELECT c.position, c.layer, COUNT(*) FROM NVTX_EVENTS e JOIN "
                            "StringIds s ON s.id = e.textId JOIN MOBI_RANGE_CONTEXT c ON "
                            "c.event_rowid = e.rowid WHERE s.value = '") +
                name + "' GROUP BY c.position, c.layer");
            std::set<std::pair<int, int>> seen;
            for (const auto& row : q.rows) {
                QCOMPARE(std::stoi(*row[2]), 1);
                seen.emplace(std::stoi(*row[0]), std::stoi(*row[1]));
            }
            for (int p = 0; p < forwarded; ++p)
                for (int l = 0; l < L; ++l)
                    QVERIFY2(seen.count({p, l}),
                             qPrintable(QStringLiteral("%1 range missing at position %2 layer %3")
                                            .arg(name)
                                            .arg(p)
                                            .arg(l)));
            QCOMPARE(static_cast<int>(seen.size()), forwarded * L);
        }
        // Every layer range lies inside its token's forward range.
        const QueryResult nest = store.query(
            "SELECT COUNT(*) FROM NVTX_EVENTS e JOIN MOBI_RANGE_CONTEXT c ON c.event_rowid = "
            "e.rowid JOIN StringIds s ON s.id = e.textId WHERE s.value = 'layer' AND NOT EXISTS "
            "(SELECT 1 FROM NVTX_EVENTS f JOIN MOBI_RANGE_CONTEXT d ON d.event_rowid = f.rowid "
            "JOIN StringIds u ON u.id = f.textId WHERE u.value = 'forward' AND d.position = "
            "c.position AND f.globalTid = e.globalTid AND f.start <= e.start AND f.end >= e.end)");
        QCOMPARE(*nest.rows[0][0], std::string("0"));

        const QueryResult sums = store.query(
            "SELECT SUM(CASE WHEN c.depth = 0 THEN e.end - e.start ELSE 0 END), SUM(CASE WHEN "
            "s.value = 'forward' THEN e.end - e.start ELSE 0 END) FROM NVTX_EVENTS e JOIN "
            "MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid JOIN StringIds s ON s.id = e.textId");
        const double top = std::stod(*sums.rows[0][0]), fwd = std::stod(*sums.rows[0][1]);
        qInfo("wall %.3f ms, top-level ranges %.3f ms, forward %.3f ms", wallNs / 1e6, top / 1e6,
              fwd / 1e6);
        QVERIFY(top <= wallNs);
        QVERIFY2(std::abs(top - wallNs) <= 0.10 * wallNs, "top-level ranges vs wall");
        QVERIFY2(std::abs(fwd - wallNs) <= 0.10 * wallNs, "forward ranges vs wall");
        // Tokens: positions 0.. contiguous, as generated.
        QCOMPARE(store.count("MOBI_TOKENS"), static_cast<int64_t>(r.tokens.size()));
    }

    // A sliced model's profile records each token's level in every layer.
    void slicedProfileRecordsLevels() {
        REQUIRE_DATA(kModel);
        QTemporaryDir dir;
        const QString sliced = dir.path() + "/s.gguf", db = dir.path() + "/s.sqlite";
        auto s = testdata::runCli({"slice", testdata::path(kModel), "--tokenizer",
                                   testdata::path(kTok), "--group", "32", "-o", sliced});
        QVERIFY2(s.exitCode == 0, s.err.constData());
        auto p = testdata::runCli({"profile", sliced, "-n", "30", "--level", "2", "--db", db});
        QVERIFY2(p.exitCode == 0, p.err.constData());
        ProfileStore store(db.toStdString(), ProfileStore::Mode::Read);
        const int64_t tokens = store.count("MOBI_TOKENS");
        QVERIFY(tokens > 5);
        const QueryResult q = store.query(
            "SELECT position, COUNT(*), MIN(level), MAX(level) FROM MOBI_TOKEN_LAYER GROUP BY "
            "position ORDER BY position");
        QCOMPARE(static_cast<int64_t>(q.rows.size()), tokens);
        for (const auto& row : q.rows) {
            QCOMPARE(*row[1], std::string("5")); // stories260K has 5 layers
            QCOMPARE(*row[2], std::string("2"));
            QCOMPARE(*row[3], std::string("2"));
        }
        const QueryResult bits = store.query("SELECT MIN(avg_bits), MAX(avg_bits), COUNT(*) FROM "
                                             "MOBI_LAYER_PRECISION");
        QCOMPARE(std::stod(*bits.rows[0][0]), 3.0); // slices 2,1,1,1: level 2 = 3 bits
        QCOMPARE(std::stod(*bits.rows[0][1]), 3.0);
    }

    // Acceptance 2: SQL written for nsys exports runs on our file.
    void nsysStyleSqlRuns() {
        QTemporaryDir dir;
        const QString db = dir.path() + "/k.sqlite";
        std::map<std::string, int64_t> expectTotal;
        std::map<int64_t, std::pair<int, int64_t>> expectThread;
        {
            ProfileStore store(db.toStdString(), ProfileStore::Mode::Write);
            const int64_t run = store.beginRun(RunInfo{"m", "", "", "", "", "{}", 1});
            const char* names[] = {"sliced_gemv_l1", "rmsnorm", "attention_decode"};
            int64_t t = 1000;
            for (int i = 0; i < 30; ++i) {
                KernelRecord k;
                k.name = names[i % 3];
                k.startNs = t;
                k.endNs = t + 100 + 37 * i;
                k.correlationId = i + 1;
                k.gridX = 4 + i;
                k.blockX = 128;
                k.registersPerThread = 32;
                t = k.endNs + 5;
                expectTotal[k.name] += k.endNs - k.startNs;
                store.addKernel(k);
            }
            std::vector<RangeRecord> ranges;
            for (int i = 0; i < 40; ++i) {
                const int64_t tid = 1 + i % 3;
                RangeRecord rr{
                    run, i % 2 ? "decode" : "sample", 10 * i, 10 * i + 3 + i, tid, 0, i, -1, -1};
                expectThread[tid].first += 1;
                expectThread[tid].second += 3 + i;
                ranges.push_back(rr);
            }
            store.addRanges(ranges);
        }
        // An independent reader: Qt's SQLite driver.
        {
            QSqlDatabase q = QSqlDatabase::addDatabase("QSQLITE", "nsys");
            q.setDatabaseName(db);
            q.setConnectOptions("QSQLITE_OPEN_READONLY");
            QVERIFY(q.open());
            QSqlQuery k(q);
            QVERIFY(k.exec("SELECT s.value AS name, SUM(k.end - k.start) AS total, COUNT(*) AS n, "
                           "AVG(k.gridX * k.blockX) FROM CUPTI_ACTIVITY_KIND_KERNEL AS k JOIN "
                           "StringIds AS s ON s.id = k.shortName GROUP BY name ORDER BY total "
                           "DESC"));
            int rows = 0;
            int64_t prev = INT64_MAX;
            while (k.next()) {
                const std::string name = k.value(0).toString().toStdString();
                QVERIFY(expectTotal.count(name));
                QCOMPARE(k.value(1).toLongLong(), expectTotal[name]);
                QCOMPARE(k.value(2).toInt(), 10);
                QVERIFY(k.value(1).toLongLong() <= prev);
                prev = k.value(1).toLongLong();
                ++rows;
            }
            QCOMPARE(rows, 3);
            QSqlQuery d(q); // demangledName also resolves through StringIds
            QVERIFY(d.exec("SELECT COUNT(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON "
                           "s.id = k.demangledName"));
            QVERIFY(d.next());
            QCOMPARE(d.value(0).toInt(), 30);
            QSqlQuery th(q);
            QVERIFY(th.exec("SELECT globalTid, COUNT(*), SUM(end - start) FROM NVTX_EVENTS "
                            "WHERE eventType = 59 GROUP BY globalTid ORDER BY globalTid"));
            int threads = 0;
            while (th.next()) {
                const auto& e = expectThread[th.value(0).toLongLong()];
                QCOMPARE(th.value(1).toInt(), e.first);
                QCOMPARE(th.value(2).toLongLong(), e.second);
                ++threads;
            }
            QCOMPARE(threads, 3);
            QSqlQuery text(q); // nsys' NVTX recipe: text inline or through textId
            QVERIFY(text.exec("SELECT COUNT(*) FROM NVTX_EVENTS LEFT JOIN StringIds ON "
                              "StringIds.id = NVTX_EVENTS.textId WHERE IFNULL(NVTX_EVENTS.text, "
                              "StringIds.value) = 'decode'"));
            QVERIFY(text.next());
            QCOMPARE(text.value(0).toInt(), 20);
        }
        QSqlDatabase::removeDatabase("nsys");
    }

    // Acceptance 4: a run killed mid-write keeps every committed token;
    // readers open the profile while it is written.
    void killedRunKeepsCommittedTokens() {
        REQUIRE_DATA(kModel);
        QTemporaryDir dir;
        const QString full = dir.path() + "/full.sqlite", killed = dir.path() + "/killed.sqlite";
        auto ref = testdata::runCli(profileArgs(full, 400, 0));
        QVERIFY2(ref.exitCode == 0, ref.err.constData());
        QProcess p;
        p.start(testdata::cli(), profileArgs(killed, 400, 5));
        QVERIFY(p.waitForStarted(10000));
        int64_t seen = 0;
        for (int i = 0; i < 1000 && seen < 40 && p.state() == QProcess::Running; ++i) {
            QThread::msleep(10);
            if (!QFileInfo::exists(killed)) continue;
            try {
                ProfileStore live(killed.toStdString(), ProfileStore::Mode::Read);
                seen = live.count("MOBI_TOKENS");
            } catch (const EngineError&) {
                // schema not created yet
            }
        }
        QVERIFY2(p.state() == QProcess::Running, "the run ended before it could be killed");
        p.kill(); // SIGKILL
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        QVERIFY(seen >= 40);

        ProfileStore a(killed.toStdString(), ProfileStore::Mode::Read);
        ProfileStore b(full.toStdString(), ProfileStore::Mode::Read);
        const QueryResult ka =
            a.query("SELECT position, token_id FROM MOBI_TOKENS ORDER BY position");
        const QueryResult kb =
            b.query("SELECT position, token_id FROM MOBI_TOKENS ORDER BY position");
        QVERIFY(static_cast<int64_t>(ka.rows.size()) >= seen);
        QVERIFY(ka.rows.size() < kb.rows.size());
        for (size_t i = 0; i < ka.rows.size(); ++i) {
            QCOMPARE(std::stoll(*ka.rows[i][0]), static_cast<long long>(i)); // contiguous from 0
            QCOMPARE(*ka.rows[i][1], *kb.rows[i][1]); // the same greedy tokens
        }
    }

    void badFilesGiveClearErrors() {
        REQUIRE_DATA(kModel);
        QTemporaryDir dir;
        const QString good = dir.path() + "/good.sqlite";
        auto r = testdata::runCli(profileArgs(good, 40, 0));
        QVERIFY2(r.exitCode == 0, r.err.constData());

        const std::string text = (dir.path() + "/text.sqlite").toStdString();
        {
            QFile f(QString::fromStdString(text));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("this is not a database, just some text\n").repeated(200));
        }
        expectOpenError(text, ProfileStore::Mode::Read, "not a SQLite database");
        expectOpenError(text, ProfileStore::Mode::Write, "not a SQLite database");

        const std::string foreign = (dir.path() + "/foreign.sqlite").toStdString();
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr,
                              nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        expectOpenError(foreign, ProfileStore::Mode::Read, "not a mobiscope profile");
        expectOpenError(foreign, ProfileStore::Mode::Write, "not a mobiscope profile");

        const std::string newer = (dir.path() + "/newer.sqlite").toStdString();
        QVERIFY(QFile::copy(good, QString::fromStdString(newer)));
        QCOMPARE(sqlite3_open(newer.c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "UPDATE MOBI_META SET value = '99' WHERE key = 'schema_version'",
                              nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        expectOpenError(newer, ProfileStore::Mode::Read, "newer");
        expectOpenError(newer, ProfileStore::Mode::Write, "newer");

        // Corrupt: garbage over every page but the header page.
        const std::string corrupt = (dir.path() + "/corrupt.sqlite").toStdString();
        QVERIFY(QFile::copy(good, QString::fromStdString(corrupt)));
        {
            QFile f(QString::fromStdString(corrupt));
            QVERIFY(f.open(QIODevice::ReadWrite));
            const qint64 size = f.size();
            QVERIFY(size > 8192);
            for (qint64 off = 4096 + 100; off + 64 < size; off += 4096) {
                f.seek(off);
                f.write(QByteArray(64, '\xA5'));
            }
        }
        expectOpenError(corrupt, ProfileStore::Mode::Read, "corrupt");

        auto cli = testdata::runCli(
            {"report", QString::fromStdString(text), "--html", dir.path() + "/x.html"});
        QCOMPARE(cli.exitCode, 1);
        QVERIFY2(cli.err.contains(text.c_str()), cli.err.constData());
        QCOMPARE(cli.err.trimmed().count('\n'), 0);
    }

    // A version-1 file (before episodes, steps and outliers) is read as it is
    // and migrated forward, data kept, when opened for writing.
    void olderSchemaIsMigratedForward() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/old.sqlite").toStdString();
        {
            ProfileStore s(path, ProfileStore::Mode::Write);
            const int64_t run = s.beginRun(RunInfo{"m", "", "", "", "", "{}", 1});
            for (int p = 0; p < 5; ++p)
                s.addToken(TokenRecord{run, p, 10 + p, "t", p == 0});
        }
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db,
                              "DROP TABLE MOBI_STEPS; DROP TABLE MOBI_EPISODES; DROP TABLE "
                              "MOBI_OUTLIERS; UPDATE MOBI_META SET value = '1' WHERE key = "
                              "'schema_version'",
                              nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        const QByteArray before = fileHash(QString::fromStdString(path));
        {
            ProfileStore r(path, ProfileStore::Mode::Read);
            QCOMPARE(r.schemaVersion(), 1);
            QCOMPARE(r.count("MOBI_TOKENS"), int64_t(5));
            const auto t = r.tables();
            QVERIFY(std::find(t.begin(), t.end(), "MOBI_STEPS") == t.end());
        }
        QCOMPARE(fileHash(QString::fromStdString(path)), before);
        {
            ProfileStore w(path, ProfileStore::Mode::Write);
            QCOMPARE(w.schemaVersion(), ProfileStore::kSchemaVersion);
            QCOMPARE(w.count("MOBI_TOKENS"), int64_t(5));
            const int64_t ep = w.beginEpisode(1, "budget-agent", "{}");
            for (int k = 0; k < 4; ++k)
                w.addStep(
                    StepRecord{ep, k, k, "{}", "level+1", 2.0 + k, 0.1 * k, -0.5 * k, 10, 20});
            w.flush();
            QCOMPARE(w.count("MOBI_STEPS"), int64_t(4));
            const QueryResult v =
                w.query("SELECT value FROM MOBI_META WHERE key = 'schema_version'");
            QCOMPARE(std::stoi(*v.rows[0][0]), ProfileStore::kSchemaVersion);
            const QueryResult sum = w.query("SELECT SUM(precision_bits), MAX(step) FROM "
                                            "MOBI_STEPS WHERE episode_id = " +
                                            std::to_string(ep));
            QCOMPARE(std::stod(*sum.rows[0][0]), 14.0);
            QCOMPARE(*sum.rows[0][1], std::string("3"));
        }
    }

    void readOnlyOpenNeverWrites() {
        REQUIRE_DATA(kModel);
        QTemporaryDir dir;
        const QString db = dir.path() + "/ro.sqlite";
        auto r = testdata::runCli(profileArgs(db, 40, 0));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QByteArray before = fileHash(db);
        const QDateTime mtime = QFileInfo(db).lastModified();
        QThread::msleep(20);
        {
            ProfileStore s(db.toStdString(), ProfileStore::Mode::Read);
            QVERIFY(s.count("MOBI_TOKENS") > 0);
            QVERIFY_THROWS_EXCEPTION(EngineError, s.addToken(TokenRecord{1, 999, 1, "", false}));
        }
        auto rep = testdata::runCli(
            {"report", db, "--html", dir.path() + "/ro.html", "--json", dir.path() + "/ro.json"});
        QVERIFY2(rep.exitCode == 0, rep.err.constData());
        QCOMPARE(fileHash(db), before);
        QCOMPARE(QFileInfo(db).lastModified(), mtime);
    }

    void reportWritesHtmlCsvJson() {
        REQUIRE_DATA(kModel);
        QTemporaryDir dir;
        const QString db = dir.path() + "/r.sqlite";
        auto r = testdata::runCli(profileArgs(db, 60, 0));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString html = dir.path() + "/r.html", csv = dir.path() + "/csv",
                      json = dir.path() + "/r.json";
        auto rep = testdata::runCli({"report", db, "--html", html, "--csv", csv, "--json", json});
        QVERIFY2(rep.exitCode == 0, rep.err.constData());
        QFile h(html);
        QVERIFY(h.open(QIODevice::ReadOnly));
        const QByteArray page = h.readAll();
        QVERIFY(page.count("<svg") >= 3);
        QVERIFY(page.contains("Top ranges"));
        QVERIFY(!page.contains("<script src") && !page.contains("<link")); // self-contained
        QVERIFY(page.contains("<td>forward</td>"));

        ProfileStore store(db.toStdString(), ProfileStore::Mode::Read);
        QFile jf(json);
        QVERIFY(jf.open(QIODevice::ReadOnly));
        const QJsonObject counts =
            QJsonDocument::fromJson(jf.readAll()).object().value("row_counts").toObject();
        const auto tables = store.tables();
        QVERIFY(tables.size() >= 15);
        for (const std::string& t : tables) {
            QFile f(csv + "/" + QString::fromStdString(t) + ".csv");
            QVERIFY2(f.open(QIODevice::ReadOnly), t.c_str());
            const int64_t n = store.count(t);
            QCOMPARE(static_cast<int64_t>(csvRecords(f.readAll())), n + 1); // + header
            QCOMPARE(static_cast<int64_t>(counts.value(QString::fromStdString(t)).toDouble()), n);
        }
        QVERIFY(store.count("NVTX_EVENTS") > 60 * 5 * 3);
        QVERIFY(store.count("MOBI_TOKENS") > 10);
    }

    // Two runs in one report: the sliced level 1 and level 4 of the same model.
    void reportComparesTwoRuns() {
        REQUIRE_DATA(kModel);
        QTemporaryDir dir;
        const QString sliced = dir.path() + "/s.gguf";
        auto s = testdata::runCli({"slice", testdata::path(kModel), "--tokenizer",
                                   testdata::path(kTok), "--group", "32", "-o", sliced});
        QVERIFY2(s.exitCode == 0, s.err.constData());
        const QString a = dir.path() + "/a.sqlite", b = dir.path() + "/b.sqlite";
        for (const auto& [db, level] : {std::pair{a, "1"}, std::pair{b, "4"}}) {
            auto p =
                testdata::runCli({"profile", sliced, "-n", "20", "--level", level, "--db", db});
            QVERIFY2(p.exitCode == 0, p.err.constData());
        }
        const QString html = dir.path() + "/c.html", json = dir.path() + "/c.json";
        auto r = testdata::runCli({"report", a, "--compare", b, "--html", html, "--json", json});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QFile h(html);
        QVERIFY(h.open(QIODevice::ReadOnly));
        const QByteArray page = h.readAll();
        QVERIFY(page.contains("Comparison"));
        QVERIFY(page.contains(b.toUtf8()));
        // Level 1 = 2 bits, level 4 = 5 bits (slices 2,1,1,1), side by side per layer.
        QVERIFY(page.contains("<tr><td>0</td><td>2.00</td><td>5.00</td></tr>"));
        QFile jf(json);
        QVERIFY(jf.open(QIODevice::ReadOnly));
        const QJsonObject cmp =
            QJsonDocument::fromJson(jf.readAll()).object().value("compare").toObject();
        QCOMPARE(cmp.value("profile").toString(), b);
        QVERIFY(cmp.value("ranges").toArray().size() >= 5);
        // --bits 4 runs level 3 on every token and layer; --budget means what it
        // means in every command: the routers' budget, which this model lacks.
        const QString c = dir.path() + "/c.sqlite";
        auto pb = testdata::runCli({"profile", sliced, "-n", "10", "--bits", "4", "--db", c});
        QVERIFY2(pb.exitCode == 0, pb.err.constData());
        {
            ProfileStore sc(c.toStdString(), ProfileStore::Mode::Read);
            const QueryResult lv = sc.query("SELECT MIN(level), MAX(level) FROM MOBI_TOKEN_LAYER");
            QCOMPARE(*lv.rows[0][0], std::string("3"));
            QCOMPARE(*lv.rows[0][1], std::string("3"));
        }
        auto unrouted = testdata::runCli({"profile", sliced, "--budget", "4.5", "--db", c});
        QCOMPARE(unrouted.exitCode, 2);
        QVERIFY2(unrouted.err.contains("has no routers"), unrouted.err.constData());
        // A routed model: every position x layer gets the routers' level and
        // score, and the layer precision is the achieved average.
        const QString routed = dir.path() + "/routed.gguf";
        auto cal = testdata::runCli({"route", "calibrate", sliced, "--text",
                                     testdata::path("text/TinyStories-valid.head30k.txt"),
                                     "--tokens", "1024", "--epochs", "10", "-o", routed});
        QVERIFY2(cal.exitCode == 0, cal.err.constData());
        const QString d = dir.path() + "/d.sqlite";
        auto pr = testdata::runCli({"profile", routed, "-p", "Once upon a time", "-n", "30",
                                    "--budget", "3.5", "--db", d});
        QVERIFY2(pr.exitCode == 0, pr.err.constData());
        QVERIFY(pr.err.contains("achieved"));
        {
            ProfileStore sd(d.toStdString(), ProfileStore::Mode::Read);
            const QueryResult q =
                sd.query("SELECT COUNT(*), COUNT(DISTINCT position), MIN(level), MAX(level), "
                         "COUNT(router_score), AVG(level) FROM MOBI_TOKEN_LAYER");
            QCOMPARE(std::stoi(*q.rows[0][0]), 30 * 5);
            QCOMPARE(std::stoi(*q.rows[0][1]), 30);
            QVERIFY(std::stoi(*q.rows[0][2]) >= 1 && std::stoi(*q.rows[0][3]) <= 4);
            QCOMPARE(std::stoi(*q.rows[0][4]), 30 * 5);
            // Level k has k + 1 bits here (slices 2,1,1,1). The stored levels
            // average to the achieved bits the CLI reports (printed to 3
            // decimals), which the routers hold near the budget: 3.553 on the
            // reference machine for these 30 positions (150 decisions, 1/150
            // bit each, on text the routers were not calibrated on).
            const double stored = std::stod(*q.rows[0][5]) + 1;
            const QRegularExpressionMatch achieved =
                QRegularExpression(QStringLiteral("achieved ([0-9.]+) bits"))
                    .match(QString::fromUtf8(pr.err));
            QVERIFY2(achieved.hasMatch(), pr.err.constData());
            QVERIFY(std::fabs(stored - achieved.captured(1).toDouble()) <= 0.0005);
            QVERIFY2(std::fabs(stored - 3.5) < 0.1, qPrintable(QString::number(stored)));
            // Each layer's precision is the average of its own stored levels.
            const QueryResult lp = sd.query(
                "SELECT p.layer, p.avg_bits, AVG(t.level) + 1 FROM MOBI_LAYER_PRECISION p JOIN "
                "MOBI_TOKEN_LAYER t ON t.layer = p.layer GROUP BY p.layer ORDER BY p.layer");
            QCOMPARE(int(lp.rows.size()), 5);
            for (const auto& row : lp.rows)
                QVERIFY2(std::fabs(std::stod(*row[1]) - std::stod(*row[2])) < 1e-9,
                         row[0]->c_str());
        }
        auto bad = testdata::runCli(
            {"report", a, "--compare", dir.path() + "/none.sqlite", "--html", html});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(bad.err.contains("none.sqlite"));
    }

    void helpForBothCommands() {
        for (const char* c : {"profile", "report"}) {
            auto r = testdata::runCli({c, "--help"});
            QCOMPARE(r.exitCode, 0);
            QVERIFY(r.out.contains("usage"));
        }
        auto r = testdata::runCli({"profile", testdata::path(kModel)});
        QCOMPARE(r.exitCode, 2); // --db missing
    }
};

QTEST_GUILESS_MAIN(TestProfileStore)
#include "tst_profile_store.moc"
