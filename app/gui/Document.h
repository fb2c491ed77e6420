// Something the main window shows: today a model; later a profile (.sqlite).
#pragma once

#include <QObject>
#include <QString>

namespace mobi {

enum class DocumentKind { Model, Profile };

class Document : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    virtual DocumentKind kind() const = 0;
    virtual QString path() const = 0;
    // Cancels background work and joins worker threads; safe to call twice.
    virtual void shutdown() = 0;
};

} // namespace mobi
