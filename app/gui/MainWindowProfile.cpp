// MainWindow's profile document: opening it, its view's wiring and exports.
#include "MainWindow.h"

#include "ProfileDocument.h"
#include "ProfileTimeline.h"
#include "ProfileView.h"
#include "RecentFilesMenu.h"
#include "TableCsv.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>

namespace mobi {

void MainWindow::openProfile(const QString& path) {
    if (path.isEmpty()) return;
    QSettings().setValue(QStringLiteral("lastDir"), QFileInfo(path).absolutePath());
    profileDoc_->open(QFileInfo(path).absoluteFilePath());
}

void MainWindow::connectProfile() {
    connect(profileDoc_, &ProfileDocument::loadStarted, this, [this](const QString& path) {
        statusBar()->showMessage(QStringLiteral("Opening profile %1\u2026").arg(path));
    });
    connect(profileDoc_, &ProfileDocument::loaded, this, &MainWindow::onProfileLoaded);
    connect(profileDoc_, &ProfileDocument::loadFailed, this, [this](const QString& path, const QString& message) {
        statusBar()->clearMessage();
        startupPending_ = false;
        showError(QStringLiteral("Could not open the profile"), message, path);
    });
    connect(profileDoc_, &ProfileDocument::busyChanged, this, &MainWindow::updateActions);
    connect(profileDoc_, &ProfileDocument::reportWritten, this, [this](const QString& out) {
        statusBar()->showMessage(QStringLiteral("Report written to %1").arg(out), 6000);
    });
    connect(profileDoc_, &ProfileDocument::reportFailed, this, [this](const QString& message) {
        showError(QStringLiteral("Could not write the report"), message, QString());
    });
    connect(profileView_, &ProfileView::nameSelected, this, [this](const QString& name) {
        if (!name.isEmpty()) statusBar()->showMessage(QStringLiteral("Range %1 highlighted in the timeline").arg(name), 3000);
    });
}

void MainWindow::onProfileLoaded(const QString& path, double seconds) {
    recentMenu_->add(path);
    tabs_->setCurrentWidget(profileView_); // shown first, so the view lays out at its real size
    profileView_->setData(profileDoc_->data());
    setWindowTitle(QStringLiteral("%1 \u2014 mobiscope").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(QStringLiteral("Opened profile in %1 s").arg(seconds, 0, 'f', 2), 4000);
    updateActions();
    if (!startupPending_) return;
    startupPending_ = false;
    if (!startup_.rangeName.isEmpty()) profileView_->selectName(startup_.rangeName);
    if (startup_.zoomEndMs > startup_.zoomStartMs) {
        const double t0 = static_cast<double>(profileDoc_->data()->t0);
        profileView_->timeline()->setViewRange(t0 + startup_.zoomStartMs * 1e6, t0 + startup_.zoomEndMs * 1e6);
    }
}

bool MainWindow::exportProfileTable(const QString& csvPath) {
    QString error;
    if (!writeTableCsv(*profileView_->proxy(), csvPath, &error)) {
        showError(QStringLiteral("Could not export the table"), error, QString());
        return false;
    }
    statusBar()->showMessage(QStringLiteral("Table written to %1").arg(csvPath), 6000);
    return true;
}

bool MainWindow::exportTimelineImage(const QString& path) {
    ProfileTimeline* t = profileView_->timeline();
    const QSize size = t->size().expandedTo(QSize(1200, 300));
    bool ok = false;
    QString error;
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive)) {
        QSaveFile f(path);
        ok = f.open(QIODevice::WriteOnly) && f.write(t->toSvg(size).toUtf8()) >= 0 && f.commit();
        if (!ok) error = f.errorString();
    } else {
        ok = t->toImage(size).save(path, "PNG");
        if (!ok) error = QStringLiteral("could not write the PNG");
    }
    if (!ok) {
        showError(QStringLiteral("Could not export the timeline"), QStringLiteral("%1: %2").arg(path, error), QString());
        return false;
    }
    statusBar()->showMessage(QStringLiteral("Timeline written to %1").arg(path), 6000);
    return true;
}

void MainWindow::exportProfileReport(const QString& path) { profileDoc_->exportReport(path); }

} // namespace mobi
