// An opened profile (.sqlite): loads it on its own worker thread and keeps the
// data the profile view shows; also writes its report in the background.
#pragma once

#include "Document.h"
#include "JobTracker.h"
#include "ProfileData.h"

#include <QThread>

#include <functional>

namespace mobi {

class ProfileWorker;

class ProfileDocument final : public Document {
    Q_OBJECT
  public:
    explicit ProfileDocument(QObject* parent = nullptr);
    ~ProfileDocument() override;

    DocumentKind kind() const override { return DocumentKind::Profile; }
    QString path() const override { return path_; }
    void shutdown() override;

    const ProfileDataPtr& data() const { return data_; }
    bool isLoading() const { return loading_; }
    bool isWritingReport() const { return writing_; }

    // Whether `path` names a profile rather than a model (by its suffix).
    static bool isProfilePath(const QString& path);

  public slots:
    void open(const QString& path);
    void cancelLoad();
    // HTML (or PDF by the suffix) report of the open profile.
    void exportReport(const QString& outPath);

  signals:
    void loadStarted(const QString& path);
    void loaded(const QString& path, double seconds);
    void loadFailed(const QString& path, const QString& message);
    void reportWritten(const QString& outPath);
    void reportFailed(const QString& message);
    void busyChanged();

  private:
    void post(std::function<void()> call);

    JobTracker jobs_;
    QThread thread_;
    ProfileWorker* worker_ = nullptr;
    QString path_;
    ProfileDataPtr data_;
    bool loading_ = false;
    bool writing_ = false;
    bool shutDown_ = false;
};

} // namespace mobi
