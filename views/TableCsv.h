// Any table model as CSV (header row, RFC 4180 quoting), for "Export table".
#pragma once

#include <QString>

class QAbstractItemModel;

namespace mobi {

// Rows in the model's current order; DisplayRole text, or `valueRole` when the
// cell has it (raw numbers instead of rounded text).
QString tableToCsv(const QAbstractItemModel& model, int valueRole = -1);
// Writes the CSV; false with `error` set when the file cannot be written.
bool writeTableCsv(const QAbstractItemModel& model, const QString& path, QString* error,
                   int valueRole = -1);

} // namespace mobi
