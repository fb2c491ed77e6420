// The HTML report in headless Chromium (Debian's `chromium`): a report of a
// real stories260K profile loads without a crash, the screenshot is not
// blank (by its compressed size), and the DOM Chromium built holds the inline SVG charts. Skips with a
// message where Chromium is not installed (scripts/setup.sh leaves it out:
// it is large; docs/screenshots/report-*.png were taken with it).
#include "TestData.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>


class TestReportRender : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    static QString chromium() {
        for (const char* n : {"chromium", "chromium-browser", "google-chrome"}) {
            const QString p = QStandardPaths::findExecutable(QString::fromLatin1(n));
            if (!p.isEmpty()) return p;
        }
        return {};
    }

  private slots:
    void reportRendersInHeadlessChromium() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const QString browser = chromium();
        if (browser.isEmpty()) QSKIP("chromium is not installed (apt-get install chromium)");
        const QString db = tmp_.path() + "/run.sqlite", html = tmp_.path() + "/run.html";
        auto r = testdata::runCli({"profile", testdata::path("models/stories260K/stories260K.bin"),
                                   "--tokenizer", testdata::path("models/stories260K/tok512.bin"),
                                   "-n", "40", "--db", db});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = testdata::runCli({"report", db, "--html", html});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QStringList common = {"--headless",
                                    "--no-sandbox",
                                    "--disable-gpu",
                                    "--hide-scrollbars",
                                    "--disable-dev-shm-usage",
                                    "--user-data-dir=" + tmp_.path() + "/profile"};
        const QString png = tmp_.path() + "/shot.png";
        QProcess shot;
        shot.start(browser, common + QStringList{"--window-size=1280,1600", "--screenshot=" + png,
                                                 "file://" + html});
        QVERIFY(shot.waitForFinished(120000));
        QCOMPARE(shot.exitStatus(), QProcess::NormalExit);
        QCOMPARE(shot.exitCode(), 0);
        QFile f(png);
        QVERIFY2(f.open(QIODevice::ReadOnly), "no screenshot");
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.startsWith("\x89PNG"));
        // A blank 1280x1600 page compresses to a few KB; charts and tables
        // take tens.
        QVERIFY2(bytes.size() > 30000, qPrintable(QString::number(bytes.size())));
        // The DOM after parsing: the charts are there as SVG.
        QProcess dom;
        dom.start(browser, common + QStringList{"--dump-dom", "file://" + html});
        QVERIFY(dom.waitForFinished(120000));
        const QByteArray out = dom.readAllStandardOutput();
        QVERIFY(out.count("<svg") >= 3);
        QVERIFY(out.contains("Top ranges"));
    }
};

QTEST_GUILESS_MAIN(TestReportRender)
#include "tst_report_render.moc"
