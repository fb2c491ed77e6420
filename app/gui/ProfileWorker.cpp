#include "ProfileWorker.h"

#ifdef MOBISCOPE_WITH_PROFILES
#include "ProfileReport.h"
#include "ProfileStore.h"
#endif

#include <QElapsedTimer>
#include <QFile>
#include <QPdfWriter>
#include <QTemporaryDir>
#include <QTextDocument>

#include <exception>

namespace mobi {

void ProfileWorker::load(quint64 job, const QString& path) {
    QElapsedTimer t;
    t.start();
    try {
        auto data = std::make_shared<ProfileData>(loadProfileData(path));
        emit loaded(job, std::move(data), double(t.nsecsElapsed()) / 1e9);
    } catch (const std::exception& e) {
        emit loadFailed(job, path, QString::fromStdString(e.what()));
    }
}

void ProfileWorker::writeReport(quint64 job, const QString& profilePath, const QString& outPath) {
#ifndef MOBISCOPE_WITH_PROFILES
    emit reportFailed(job, QStringLiteral("This build has no SQLite: no profile reports."));
#else
    try {
        const ProfileStore store(profilePath.toStdString(), ProfileStore::Mode::Read);
        if (!outPath.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive)) {
            writeHtmlReport(store, outPath.toStdString());
            emit reportWritten(job, outPath);
            return;
        }
        QTemporaryDir dir;
        const QString html = dir.filePath(QStringLiteral("report.html"));
        writeHtmlReport(store, html.toStdString());
        QFile f(html);
        if (!f.open(QIODevice::ReadOnly))
            throw std::runtime_error("cannot read back the HTML report");
        QTextDocument doc;
        doc.setHtml(QString::fromUtf8(f.readAll()));
        QPdfWriter pdf(outPath);
        pdf.setPageSize(QPageSize(QPageSize::A4));
        pdf.setTitle(QStringLiteral("mobiscope profile"));
        pdf.setCreator(QStringLiteral("mobiscope"));
        doc.print(&pdf);
        if (!QFile::exists(outPath) || QFile(outPath).size() == 0)
            throw std::runtime_error("could not write " + outPath.toStdString());
        emit reportWritten(job, outPath);
    } catch (const std::exception& e) {
        emit reportFailed(job, QString::fromStdString(e.what()));
    }
#endif
}

} // namespace mobi
