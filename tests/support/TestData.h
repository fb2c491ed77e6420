// Locating ../shared/data (env MOBISCOPE_DATA first) and the CLI for tests.
#pragma once

#include <QByteArray>
#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <vector>

namespace testdata {

inline QString dir() {
    const QByteArray env = qgetenv("MOBISCOPE_DATA");
    return env.isEmpty() ? QStringLiteral(MOBISCOPE_DEFAULT_DATA_DIR) : QString::fromLocal8Bit(env);
}

inline QString path(const QString& rel) {
    return dir() + QLatin1Char('/') + rel;
}

inline std::string stdPath(const QString& rel) {
    return path(rel).toStdString();
}

inline QString cli() {
    return QStringLiteral(MOBISCOPE_CLI_PATH);
}

// Every ALFWorld game file under <data>/alfworld/<split> (valid_seen unless
// said), sorted by path (empty when the data is absent).
inline std::vector<QString> alfworldGameFiles(const QString& split = QStringLiteral("valid_seen")) {
    std::vector<QString> out;
    QDirIterator it(path(QStringLiteral("alfworld/") + split), {QStringLiteral("game.tw-pddl")},
                    QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        out.push_back(it.next());
    std::sort(out.begin(), out.end());
    return out;
}

struct CliResult {
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;
};

// Runs mobiscope-cli with args; fails the test on a hang (timeout).
inline CliResult runCli(const QStringList& args, int timeoutMs = 120000) {
    QProcess p;
    p.start(cli(), args);
    CliResult r;
    if (!p.waitForStarted(10000)) return r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.crashed = true;
        r.err = "timed out";
        return r;
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace testdata

// Skips the current test with a clear message when a data file is absent.
#define REQUIRE_DATA(rel)                                                                          \
    do {                                                                                           \
        if (!QFileInfo::exists(testdata::path(rel)))                                               \
            QSKIP(qPrintable(QStringLiteral("shared test data not found: ") +                      \
                             testdata::path(rel) +                                                 \
                             QStringLiteral(" (set MOBISCOPE_DATA to ../shared/data)")));          \
    } while (0)
