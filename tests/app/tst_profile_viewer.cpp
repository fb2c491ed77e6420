// The profile viewer in the real window on a profile the CLI writes for
// stories260K: the statistics table against a direct SQL query, linked
// selection, exports (CSV, PNG, SVG, HTML and PDF report), corrupt files.
#include "TestData.h"

#include "MainWindow.h"
#include "ProfileDocument.h"
#include "ProfileStore.h"
#include "ProfileTimeline.h"
#include "ProfileView.h"
#include "RangeStatsModel.h"

#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QRandomGenerator>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>

using namespace mobi;

namespace {

const char* kModel = "models/stories260K/stories260K.bin";
const char* kTokenizer = "models/stories260K/tok512.bin";
const char* kText = "text/TinyStories-valid.head30k.txt";

bool openProfileAndWait(MainWindow& w, const QString& path) {
    w.openModel(path); // routed to the profile document by the suffix
    return QTest::qWaitFor([&] { return !w.profileDocument()->isLoading(); }, 20000) &&
           w.profileDocument()->data() != nullptr;
}

void closeErrorBoxes(MainWindow& w) {
    for (QMessageBox* b : w.findChildren<QMessageBox*>(QStringLiteral("errorBox")))
        b->close();
    QCoreApplication::processEvents();
}

} // namespace

class TestProfileViewer : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString profile_;

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("mobiscope-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_profile_viewer"));
        QSettings().clear();
        REQUIRE_DATA(kModel);
        profile_ = dir_.filePath(QStringLiteral("stories260K.sqlite"));
        const testdata::CliResult r = testdata::runCli(
            {QStringLiteral("profile"), testdata::path(kModel), QStringLiteral("--tokenizer"),
             testdata::path(kTokenizer), QStringLiteral("-p"), QStringLiteral("Once upon a time"),
             QStringLiteral("-n"), QStringLiteral("60"), QStringLiteral("--db"), profile_});
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
        QVERIFY(QFileInfo::exists(profile_));
    }

    void tableMatchesDirectSql() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QVERIFY(openProfileAndWait(w, profile_));
        QCOMPARE(w.centralTabs()->currentWidget(), w.profileView());
        QCOMPARE(w.recentFiles().value(0), QFileInfo(profile_).absoluteFilePath());

        // Independent: count, sum and the sorted durations per name straight from SQL.
        const ProfileStore store(profile_.toStdString(), ProfileStore::Mode::Read);
        const QueryResult q =
            store.query("SELECT s.value, e.end - e.start FROM NVTX_EVENTS e JOIN StringIds s ON "
                        "s.id = e.textId "
                        "JOIN MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid "
                        "WHERE c.run_id = (SELECT MAX(id) FROM MOBI_RUNS) ORDER BY 1, 2");
        std::map<QString, std::vector<qint64>> byName;
        for (const auto& row : q.rows)
            byName[QString::fromStdString(*row[0])].push_back(std::stoll(*row[1]));
        const QueryResult agg = store.query(
            "SELECT s.value, COUNT(*), SUM(e.end - e.start) FROM NVTX_EVENTS e JOIN StringIds s ON "
            "s.id = "
            "e.textId JOIN MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid WHERE c.run_id = "
            "(SELECT MAX(id) FROM MOBI_RUNS) GROUP BY s.value");
        QVERIFY(agg.rows.size() >= 5); // prefill, decode, forward, layer, attention, ffn, ...

        QAbstractItemModel* table = w.profileView()->table()->model();
        QCOMPARE(table->rowCount(), static_cast<int>(agg.rows.size()));
        for (const auto& row : agg.rows) {
            const QString name = QString::fromStdString(*row[0]);
            const QModelIndexList hit = table->match(table->index(0, RangeStatsModel::Name),
                                                     Qt::DisplayRole, name, 1, Qt::MatchExactly);
            QVERIFY2(hit.size() == 1, qPrintable(name));
            const int r = hit.first().row();
            const qint64 count = std::stoll(*row[1]);
            const double totalMs = double(std::stoll(*row[2])) / 1e6;
            QCOMPARE(table->index(r, RangeStatsModel::Count)
                         .data(RangeStatsModel::SortRole)
                         .toLongLong(),
                     count);
            QCOMPARE(table->index(r, RangeStatsModel::Count).data().toString(),
                     QString::number(count));
            const double shownTotal =
                table->index(r, RangeStatsModel::Total).data(RangeStatsModel::SortRole).toDouble();
            QVERIFY2(std::abs(shownTotal - totalMs) <= 1e-9 * std::max(1.0, totalMs),
                     qPrintable(name));
            QCOMPARE(table->index(r, RangeStatsModel::Total).data().toString(),
                     QString::number(totalMs, 'f', 3));
            const std::vector<qint64>& d = byName[name];
            QCOMPARE(static_cast<qint64>(d.size()), count);
            const auto nearest = [&](double p) {
                const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * double(d.size())));
                return double(d[std::max<size_t>(rank, 1) - 1]) / 1e6;
            };
            QCOMPARE(
                table->index(r, RangeStatsModel::P50).data(RangeStatsModel::SortRole).toDouble(),
                nearest(50));
            QCOMPARE(
                table->index(r, RangeStatsModel::P95).data(RangeStatsModel::SortRole).toDouble(),
                nearest(95));
        }
        // The timeline has one CPU lane and every range of the run.
        const ProfileDataPtr& data = w.profileDocument()->data();
        QCOMPARE(static_cast<int>(data->ranges.size()), static_cast<int>(q.rows.size()));
        QCOMPARE(data->lanes.size(), size_t(1));
        QVERIFY(data->lanes[0].depths >= 3);
    }

    void linkedSelectionAndExports() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openProfileAndWait(w, profile_));
        ProfileView* v = w.profileView();
        ProfileTimeline* t = v->timeline();
        const ProfileDataPtr& data = w.profileDocument()->data();
        // Click the first range that is wide enough on screen.
        int target = -1;
        for (size_t i = 0; i < data->ranges.size() && target < 0; ++i)
            if (t->rangeRect(int(i)).width() > 6 &&
                t->rangeAt(t->rangeRect(int(i)).center()) == int(i))
                target = int(i);
        QVERIFY(target >= 0);
        QTest::mouseClick(t, Qt::LeftButton, {}, t->rangeRect(target).center().toPoint());
        QCOMPARE(t->selectedRange(), target);
        QCOMPARE(v->selectedName(), data->names[data->ranges[size_t(target)].nameIndex]);
        QVERIFY(v->selectName(QStringLiteral("attention")));
        QCOMPARE(data->names[t->highlightedName()], QStringLiteral("attention"));

        const QString csv = dir_.filePath(QStringLiteral("ranges.csv"));
        QVERIFY(w.exportProfileTable(csv));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const int lines = QString::fromUtf8(f.readAll()).count(QStringLiteral("\r\n"));
        QCOMPARE(lines, v->proxy()->rowCount() + 1);
        const QString png = dir_.filePath(QStringLiteral("timeline.png"));
        const QString svg = dir_.filePath(QStringLiteral("timeline.svg"));
        QVERIFY(w.exportTimelineImage(png));
        QVERIFY(w.exportTimelineImage(svg));
        QVERIFY(!QImage(png).isNull());
        QFile s(svg);
        QVERIFY(s.open(QIODevice::ReadOnly));
        QVERIFY(s.readAll().contains("<title>attention"));

        for (const QString& name : {QStringLiteral("report.html"), QStringLiteral("report.pdf")}) {
            const QString out = dir_.filePath(name);
            QSignalSpy written(w.profileDocument(), &ProfileDocument::reportWritten);
            w.exportProfileReport(out);
            QTRY_COMPARE_WITH_TIMEOUT(written.count(), 1, 30000);
            QFile r(out);
            QVERIFY(r.open(QIODevice::ReadOnly));
            const QByteArray bytes = r.readAll();
            if (name.endsWith(QStringLiteral(".pdf")))
                QVERIFY(bytes.startsWith("%PDF"));
            else
                QVERIFY(bytes.contains("mobiscope profile") && bytes.contains("attention"));
        }
    }

    void routedProfileCarriesLevels() {
        REQUIRE_DATA(kModel);
        REQUIRE_DATA(kText);
        const QString sliced = dir_.filePath(QStringLiteral("sliced.gguf"));
        const QString routed = dir_.filePath(QStringLiteral("routed.gguf"));
        const QString prof = dir_.filePath(QStringLiteral("routed.sqlite"));
        testdata::CliResult r = testdata::runCli(
            {QStringLiteral("slice"), testdata::path(kModel), QStringLiteral("--tokenizer"),
             testdata::path(kTokenizer), QStringLiteral("-o"), sliced});
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        r = testdata::runCli({QStringLiteral("route"), QStringLiteral("calibrate"), sliced,
                              QStringLiteral("--text"), testdata::path(kText),
                              QStringLiteral("--tokens"), QStringLiteral("2048"),
                              QStringLiteral("-o"), routed});
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        r = testdata::runCli({QStringLiteral("profile"), routed, QStringLiteral("-p"),
                              QStringLiteral("Once upon a time"), QStringLiteral("-n"),
                              QStringLiteral("30"), QStringLiteral("--budget"),
                              QStringLiteral("3.5"), QStringLiteral("--db"), prof});
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(openProfileAndWait(w, prof));
        const ProfileDataPtr& data = w.profileDocument()->data();
        const ProfileStore store(prof.toStdString(), ProfileStore::Mode::Read);
        const QueryResult levels =
            store.query("SELECT position, layer, level FROM MOBI_TOKEN_LAYER");
        QVERIFY(!levels.rows.empty());
        QCOMPARE(data->tokenLayers.size(), static_cast<qsizetype>(levels.rows.size()));
        for (const auto& row : levels.rows) {
            const auto it = data->tokenLayers.constFind({std::stoi(*row[0]), std::stoi(*row[1])});
            QVERIFY(it != data->tokenLayers.constEnd());
            QCOMPARE(it->level, std::stoi(*row[2]));
        }
        const QueryResult bits =
            store.query("SELECT layer, avg_bits FROM MOBI_LAYER_PRECISION ORDER BY layer");
        QCOMPARE(data->layerBits.size(), bits.rows.size());
        for (const auto& row : bits.rows)
            QCOMPARE(data->layerBits[std::stoul(*row[0])], std::stod(*row[1]));
        // The precision lane: one cell per "layer" range that has a recorded level.
        const QueryResult cells =
            store.query("SELECT COUNT(*) FROM NVTX_EVENTS e JOIN StringIds s ON s.id = e.textId "
                        "JOIN MOBI_RANGE_CONTEXT c "
                        "ON c.event_rowid = e.rowid JOIN MOBI_TOKEN_LAYER t ON t.run_id = c.run_id "
                        "AND t.position = "
                        "c.position AND t.layer = c.layer WHERE s.value = 'layer'");
        QCOMPARE(static_cast<qint64>(data->levelCells.size()), std::stoll(*cells.rows[0][0]));
        QVERIFY(!data->levelCells.empty());
        // A layer range's tooltip names its level.
        for (size_t i = 0; i < data->ranges.size(); ++i)
            if (data->names[data->ranges[i].nameIndex] == QStringLiteral("layer") &&
                data->ranges[i].position >= 0) {
                QVERIFY(w.profileView()->timeline()->describeRange(int(i)).contains(
                    QStringLiteral("precision level")));
                break;
            }
        QVERIFY(w.profileView()->summaryLabel()->text().contains(
            QStringLiteral("Average bits per layer")));
    }

    void kernelsGetAStreamLaneAndThreadsTheirOwn() {
        // A profile written through ProfileStore with two CPU threads and GPU
        // kernels on two streams (the CUDA build writes these; here by hand).
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("kernels.sqlite"));
        {
            ProfileStore store(path.toStdString(), ProfileStore::Mode::Write);
            RunInfo info;
            info.modelPath = "synthetic";
            const int64_t run = store.beginRun(info);
            std::vector<RangeRecord> ranges;
            for (int i = 0; i < 3; ++i) {
                ranges.push_back(
                    {run, "forward", 1000 + i * 1000, 1800 + i * 1000, 7, 0, i, -1, i});
                ranges.push_back({run, "layer", 1100 + i * 1000, 1500 + i * 1000, 7, 1, i, 0, i});
            }
            ranges.push_back({run, "loader", 500, 4000, 9, 0, -1, -1, -1});
            store.addRanges(ranges);
            for (int i = 0; i < 4; ++i) {
                KernelRecord k;
                k.startNs = 1200 + i * 700;
                k.endNs = k.startNs + 300;
                k.streamId = i % 2 ? 14 : 7;
                k.name = i % 2 ? "gemv_q4" : "rmsnorm";
                store.addKernel(k);
            }
            store.flush();
        }
        MainWindow w;
        w.show();
        QVERIFY(openProfileAndWait(w, path));
        const ProfileDataPtr& d = w.profileDocument()->data();
        QCOMPARE(d->lanes.size(), size_t(4));
        QCOMPARE(d->kernelCount, 4);
        int kernelLanes = 0;
        for (const ProfileLane& l : d->lanes)
            kernelLanes += l.kernels ? 1 : 0;
        QCOMPARE(kernelLanes, 2);
        QCOMPARE(d->lanes[0].depths, 2);
        QCOMPARE(d->t0, qint64(500));
        QCOMPARE(d->t1, qint64(4000));
        // Kernels are rows of the table too.
        RangeStatsModel* m = w.profileView()->statsModel();
        const int gemv =
            m->rowOfName(static_cast<int>(d->names.indexOf(QStringLiteral("gemv_q4"))));
        QVERIFY(gemv >= 0);
        QCOMPARE(m->stats()[size_t(gemv)].count, qint64(2));
        QVERIFY(std::abs(m->stats()[size_t(gemv)].totalMs - 600e-6) < 1e-12);
        QCOMPARE(m->rowCount(), 5);
    }

    void cancelledLoadIsDropped() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QSignalSpy loaded(w.profileDocument(), &ProfileDocument::loaded);
        w.openModel(profile_);
        QVERIFY(w.profileDocument()->isLoading());
        w.stopRun(); // Esc: before the worker's result is delivered
        QVERIFY(!w.profileDocument()->isLoading());
        QVERIFY(w.profileDocument()->data() == nullptr);
        // The worker runs jobs in order: once the next open is shown, the
        // cancelled one's result has arrived too, and was dropped.
        QVERIFY(openProfileAndWait(w, profile_));
        QCOMPARE(loaded.count(), 1);
    }

    void dropOpensAProfile() {
        REQUIRE_DATA(kModel);
        MainWindow w;
        w.show();
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(profile_)});
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        // Straight to the window's handler (QApplication only routes drops of a live drag).
        static_cast<QObject*>(&w)->event(&drop);
        QVERIFY(drop.isAccepted());
        QTRY_VERIFY_WITH_TIMEOUT(w.profileDocument()->data() != nullptr, 20000);
        QCOMPARE(w.profileDocument()->path(), QFileInfo(profile_).absoluteFilePath());
    }

    void corruptProfilesShowAnErrorAndTheAppKeepsWorking() {
        QTemporaryDir dir;
        const QString random = dir.filePath(QStringLiteral("random.sqlite"));
        const QString text = dir.filePath(QStringLiteral("notes.sqlite"));
        const QString truncated = dir.filePath(QStringLiteral("truncated.sqlite"));
        {
            QFile f(random);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QByteArray b(8192, '\0');
            QRandomGenerator rng(7);
            for (char& c : b)
                c = static_cast<char>(rng.bounded(256));
            f.write(b);
            QFile g(text);
            QVERIFY(g.open(QIODevice::WriteOnly));
            g.write("this is a text file, not a profile\n");
        }
        if (QFileInfo::exists(profile_)) {
            QFile src(profile_);
            QVERIFY(src.open(QIODevice::ReadOnly));
            QFile dst(truncated);
            QVERIFY(dst.open(QIODevice::WriteOnly));
            dst.write(src.read(src.size() / 3));
        }
        MainWindow w;
        w.show();
        QSignalSpy errors(&w, &MainWindow::errorShown);
        QStringList bad = {random, text, dir.filePath(QStringLiteral("missing.sqlite"))};
        if (QFileInfo::exists(truncated)) bad << truncated;
        for (const QString& p : bad) {
            const int before = errors.count();
            w.openModel(p);
            QTRY_COMPARE_WITH_TIMEOUT(errors.count(), before + 1, 20000);
            QVERIFY(!w.profileDocument()->isLoading());
            QVERIFY(!w.findChildren<QMessageBox*>(QStringLiteral("errorBox")).isEmpty());
            closeErrorBoxes(w);
        }
        QVERIFY(w.profileDocument()->data() == nullptr);
        // Still usable: a good profile opens afterwards.
        if (QFileInfo::exists(profile_)) {
            QVERIFY(openProfileAndWait(w, profile_));
            QVERIFY(w.profileView()->statsModel()->rowCount() > 0);
        }
    }
};

QTEST_MAIN(TestProfileViewer)
#include "tst_profile_viewer.moc"
