// The profile viewer's model and widgets on a hand-made profile: statistics
// against hand-computed values, QAbstractItemModelTester, linked selection,
// hit testing, zoom, and the CSV / SVG exports.
#include "ProfileTimeline.h"
#include "ProfileView.h"
#include "RangeStatsModel.h"
#include "TableCsv.h"

#include <QAbstractItemModelTester>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

using namespace mobi;

namespace {

constexpr qint64 kMs = 1000000;

ProfileRange range(int name, qint64 startMs, qint64 durUs, int lane, int depth, int layer = -1) {
    ProfileRange r;
    r.nameIndex = name;
    r.startNs = startMs * kMs;
    r.endNs = r.startNs + durUs * 1000;
    r.lane = lane;
    r.depth = depth;
    r.position = static_cast<int>(startMs / 10);
    r.layer = layer;
    return r;
}

// "outer" 4 ranges of 1, 2, 3, 10 ms; "inner" 2 of 0.5 ms; "gemm" a 1 ms kernel.
ProfileDataPtr sample() {
    auto d = std::make_shared<ProfileData>();
    d->path = QStringLiteral("sample.sqlite");
    d->runId = 1;
    d->names = {QStringLiteral("outer"), QStringLiteral("inner"), QStringLiteral("gemm")};
    d->lanes = {{QStringLiteral("CPU thread 1"), false, 2},
                {QStringLiteral("GPU 0 stream 7"), true, 1}};
    d->ranges = {range(0, 0, 1000, 0, 0),  range(1, 0, 500, 0, 1, 0),  range(0, 10, 2000, 0, 0),
                 range(0, 20, 3000, 0, 0), range(1, 20, 500, 0, 1, 1), range(0, 30, 10000, 0, 0),
                 range(2, 31, 1000, 1, 0)};
    d->kernelCount = 1;
    d->t0 = 0;
    d->t1 = 40 * kMs;
    return d;
}

int rowOf(const QAbstractItemModel& m, const QString& name) {
    for (int r = 0; r < m.rowCount(); ++r)
        if (m.index(r, RangeStatsModel::Name).data().toString() == name) return r;
    return -1;
}

} // namespace

class TestProfileViews : public QObject {
    Q_OBJECT
  private slots:
    void statisticsMatchHandComputedValues() {
        RangeStatsModel m;
        m.setData(sample());
        QCOMPARE(m.rowCount(), 3);
        const int outer = rowOf(m, QStringLiteral("outer"));
        QVERIFY(outer >= 0);
        auto v = [&](int row, int col) {
            return m.index(row, col).data(RangeStatsModel::SortRole).toDouble();
        };
        QCOMPARE(v(outer, RangeStatsModel::Count), 4.0);
        QCOMPARE(v(outer, RangeStatsModel::Total), 16.0);
        QCOMPARE(v(outer, RangeStatsModel::Mean), 4.0);
        QCOMPARE(v(outer, RangeStatsModel::P50), 2.0);  // nearest rank: 2nd of 4
        QCOMPARE(v(outer, RangeStatsModel::P95), 10.0); // 4th of 4
        const int inner = rowOf(m, QStringLiteral("inner"));
        QCOMPARE(v(inner, RangeStatsModel::Count), 2.0);
        QCOMPARE(v(inner, RangeStatsModel::Total), 1.0);
        QCOMPARE(m.index(outer, RangeStatsModel::Total).data().toString(),
                 QStringLiteral("16.000"));
        QCOMPARE(m.rowOfName(0), outer);
        QCOMPARE(m.rowOfName(99), -1);
        // Largest total first.
        QCOMPARE(m.index(0, 0).data().toString(), QStringLiteral("outer"));
    }

    void percentileIsNearestRank() {
        QCOMPARE(nearestRankPercentile({}, 50), 0.0);
        QCOMPARE(nearestRankPercentile({5}, 95), 5.0);
        std::vector<double> v;
        for (int i = 1; i <= 100; ++i)
            v.push_back(i);
        QCOMPARE(nearestRankPercentile(v, 50), 50.0);
        QCOMPARE(nearestRankPercentile(v, 95), 95.0);
        QCOMPARE(nearestRankPercentile(v, 100), 100.0);
    }

    void modelsPassTheModelTester() {
        RangeStatsModel m;
        QAbstractItemModelTester t(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setData(sample());
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&m);
        proxy.setSortRole(RangeStatsModel::SortRole);
        QAbstractItemModelTester tp(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(RangeStatsModel::Count, Qt::AscendingOrder);
        proxy.setFilterFixedString(QStringLiteral("er"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setFilterFixedString(QString());
        m.setData(nullptr);
        QCOMPARE(m.rowCount(), 0);
        m.setData(sample());
        QCOMPARE(proxy.rowCount(), 3);
    }

    void sortingUsesTheNumbers() {
        ProfileView v;
        v.setData(sample());
        v.table()->sortByColumn(RangeStatsModel::Count, Qt::DescendingOrder);
        QCOMPARE(v.proxy()->index(0, 0).data().toString(), QStringLiteral("outer"));
        v.table()->sortByColumn(RangeStatsModel::P95, Qt::AscendingOrder);
        QCOMPARE(v.proxy()->index(0, 0).data().toString(), QStringLiteral("inner"));
        v.filterEdit()->setText(QStringLiteral("^g"));
        QCOMPARE(v.proxy()->rowCount(), 1);
        QCOMPARE(v.proxy()->index(0, 0).data().toString(), QStringLiteral("gemm"));
    }

    void selectionIsLinkedBothWays() {
        ProfileView v;
        v.resize(1000, 600);
        v.setData(sample());
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        ProfileTimeline* t = v.timeline();
        // Clicking the inner range at 20 ms selects it and its table row.
        const QRectF rc = t->rangeRect(4);
        QVERIFY(!rc.isEmpty());
        QCOMPARE(t->rangeAt(rc.center()), 4);
        QTest::mouseClick(t, Qt::LeftButton, {}, rc.center().toPoint());
        QCOMPARE(t->selectedRange(), 4);
        QCOMPARE(v.selectedName(), QStringLiteral("inner"));
        QCOMPARE(t->highlightedName(), 1);
        // A row chosen in the table highlights that name and drops the other range.
        QVERIFY(v.selectName(QStringLiteral("gemm")));
        QCOMPARE(t->highlightedName(), 2);
        QCOMPARE(t->selectedRange(), -1);
        // A range hidden by the filter: the filter clears so its row can be selected.
        v.filterEdit()->setText(QStringLiteral("gemm"));
        t->setSelectedRange(0);
        QCOMPARE(v.filterEdit()->text(), QString());
        QCOMPARE(v.selectedName(), QStringLiteral("outer"));
        // Clicking empty space clears both.
        QTest::mouseClick(t, Qt::LeftButton, {}, QPoint(t->width() - 5, t->height() - 5));
        QCOMPARE(t->selectedRange(), -1);
        QCOMPARE(v.selectedName(), QString());
    }

    void wheelZoomsAroundTheCursorAndDragPans() {
        ProfileTimeline t;
        t.resize(930, 200);
        t.setData(sample());
        const double span = t.viewEnd() - t.viewStart();
        QCOMPARE(span, 40.0 * kMs);
        const QPointF at(530, 50); // 1/2 of the plot (gutter 130)
        QWheelEvent in(at, t.mapToGlobal(at), {}, QPoint(0, 120), Qt::NoButton, Qt::ControlModifier,
                       Qt::NoScrollPhase, false);
        QApplication::sendEvent(&t, &in);
        QVERIFY(t.viewEnd() - t.viewStart() < span * 0.9);
        QVERIFY(qAbs((t.viewStart() + t.viewEnd()) / 2 - 20.0 * kMs) < 1e3); // anchor kept
        const double v0 = t.viewStart();
        QTest::mousePress(&t, Qt::LeftButton, {}, QPoint(500, 150));
        QTest::mouseMove(&t, QPoint(400, 150));
        QTest::mouseRelease(&t, Qt::LeftButton, {}, QPoint(400, 150));
        QVERIFY(t.viewStart() > v0);     // dragged left: later times come into view
        QCOMPARE(t.selectedRange(), -1); // a drag is not a click
    }

    void csvHasOneLinePerRow() {
        ProfileView v;
        v.setData(sample());
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.csv"));
        QString error;
        QVERIFY(writeTableCsv(*v.proxy(), path, &error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(f.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0], QStringLiteral("Range,Count,Total ms,Mean ms,p50 ms,p95 ms"));
        v.filterEdit()->setText(QStringLiteral("outer"));
        QCOMPARE(tableToCsv(*v.proxy()).count(QStringLiteral("\r\n")), 2);
        QVERIFY(tableToCsv(*v.proxy(), RangeStatsModel::SortRole)
                    .contains(QStringLiteral("outer,4,16,4,2,10")));
        QVERIFY(
            !writeTableCsv(*v.proxy(), dir.filePath(QStringLiteral("no/such/dir/t.csv")), &error));
        QVERIFY(!error.isEmpty());
    }

    void svgAndPngExports() {
        ProfileTimeline t;
        t.resize(800, 200);
        t.setData(sample());
        const QString svg = t.toSvg(QSize(1200, 300));
        QXmlStreamReader xml(svg);
        int rects = 0, titles = 0;
        while (!xml.atEnd()) {
            if (xml.readNext() == QXmlStreamReader::StartElement) {
                if (xml.name() == QStringLiteral("rect")) ++rects;
                if (xml.name() == QStringLiteral("title")) ++titles;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(titles, 7);    // every range is wide enough to draw at 1200 px
        QCOMPARE(rects, 7 + 2); // plus the background and the gutter
        const QImage img = t.toImage(QSize(640, 200));
        QCOMPARE(img.size(), QSize(640, 200));
        // Something other than the background got painted in the plot area.
        const QRgb bg = img.pixel(639, 199);
        bool painted = false;
        for (int x = 140; x < 640 && !painted; ++x)
            painted = img.pixel(x, 35) != bg;
        QVERIFY(painted);
    }
};

QTEST_MAIN(TestProfileViews)
#include "tst_profile_views.moc"
