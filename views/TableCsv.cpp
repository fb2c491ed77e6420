#include "TableCsv.h"

#include <QAbstractItemModel>
#include <QSaveFile>

namespace mobi {

namespace {

QString quote(QString s) {
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) &&
        !s.contains(QLatin1Char('\n')) && !s.contains(QLatin1Char('\r')))
        return s;
    s.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + s + QLatin1Char('"');
}

} // namespace

QString tableToCsv(const QAbstractItemModel& model, int valueRole) {
    QString out;
    const int cols = model.columnCount();
    QStringList cells;
    for (int c = 0; c < cols; ++c)
        cells << quote(model.headerData(c, Qt::Horizontal).toString());
    out += cells.join(QLatin1Char(',')) + QStringLiteral("\r\n");
    for (int r = 0; r < model.rowCount(); ++r) {
        cells.clear();
        for (int c = 0; c < cols; ++c) {
            const QModelIndex i = model.index(r, c);
            QVariant v = valueRole >= 0 ? i.data(valueRole) : QVariant();
            if (!v.isValid()) v = i.data(Qt::DisplayRole);
            cells << quote(v.toString());
        }
        out += cells.join(QLatin1Char(',')) + QStringLiteral("\r\n");
    }
    return out;
}

bool writeTableCsv(const QAbstractItemModel& model, const QString& path, QString* error,
                   int valueRole) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, f.errorString());
        return false;
    }
    f.write(tableToCsv(model, valueRole).toUtf8());
    if (!f.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace mobi
