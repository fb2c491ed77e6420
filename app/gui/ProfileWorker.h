// Reads profiles and writes their reports on the profile document's own
// thread; results go back tagged with their job id (see JobTracker).
#pragma once

#include "ProfileData.h"

#include <QObject>

namespace mobi {

class ProfileWorker final : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;

  public slots:
    void load(quint64 job, const QString& path);
    // HTML report of `profilePath` (profiles/ProfileReport); a .pdf `outPath`
    // is the same HTML laid out by QTextDocument into a QPdfWriter.
    void writeReport(quint64 job, const QString& profilePath, const QString& outPath);

  signals:
    void loaded(quint64 job, mobi::ProfileDataPtr data, double seconds);
    void loadFailed(quint64 job, const QString& path, const QString& message);
    void reportWritten(quint64 job, const QString& outPath);
    void reportFailed(quint64 job, const QString& message);
};

} // namespace mobi
