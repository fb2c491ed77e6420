#include "ProfileDocument.h"

#include "ProfileWorker.h"

#include <QFileInfo>

namespace mobi {

ProfileDocument::ProfileDocument(QObject* parent) : Document(parent) {
    qRegisterMetaType<ProfileDataPtr>();
    thread_.setObjectName(QStringLiteral("mobiscope profile"));
    worker_ = new ProfileWorker;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &ProfileWorker::loaded, this,
            [this](quint64 job, ProfileDataPtr data, double seconds) {
                if (!jobs_.isCurrent(JobKind::Load, job)) return;
                loading_ = false;
                data_ = std::move(data);
                path_ = data_->path;
                emit loaded(path_, seconds);
                emit busyChanged();
            });
    connect(worker_, &ProfileWorker::loadFailed, this,
            [this](quint64 job, const QString& path, const QString& message) {
                if (!jobs_.isCurrent(JobKind::Load, job)) return;
                loading_ = false;
                emit loadFailed(path, message);
                emit busyChanged();
            });
    connect(worker_, &ProfileWorker::reportWritten, this, [this](quint64 job, const QString& out) {
        if (!jobs_.isCurrent(JobKind::Run, job)) return;
        writing_ = false;
        emit reportWritten(out);
        emit busyChanged();
    });
    connect(worker_, &ProfileWorker::reportFailed, this,
            [this](quint64 job, const QString& message) {
                if (!jobs_.isCurrent(JobKind::Run, job)) return;
                writing_ = false;
                emit reportFailed(message);
                emit busyChanged();
            });
    thread_.start();
}

ProfileDocument::~ProfileDocument() {
    shutdown();
}

void ProfileDocument::shutdown() {
    if (shutDown_) return;
    shutDown_ = true;
    jobs_.cancelAll();
    thread_.quit();
    thread_.wait();
}

bool ProfileDocument::isProfilePath(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QStringLiteral("sqlite") || suffix == QStringLiteral("sqlite3") ||
           suffix == QStringLiteral("nsys-rep.sqlite");
}

void ProfileDocument::post(std::function<void()> call) {
    if (shutDown_) return;
    QMetaObject::invokeMethod(worker_, std::move(call), Qt::QueuedConnection);
}

void ProfileDocument::open(const QString& path) {
    const quint64 job = jobs_.start(JobKind::Load);
    loading_ = true;
    emit loadStarted(path);
    emit busyChanged();
    post([w = worker_, job, path] { w->load(job, path); });
}

void ProfileDocument::cancelLoad() {
    if (!loading_) return;
    jobs_.cancel(JobKind::Load);
    loading_ = false;
    emit busyChanged();
}

void ProfileDocument::exportReport(const QString& outPath) {
    if (!data_) return emit reportFailed(QStringLiteral("No profile is open."));
    const quint64 job = jobs_.start(JobKind::Run);
    writing_ = true;
    emit busyChanged();
    post([w = worker_, job, p = data_->path, outPath] { w->writeReport(job, p, outPath); });
}

} // namespace mobi
