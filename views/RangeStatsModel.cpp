#include "RangeStatsModel.h"

#include <algorithm>
#include <cmath>

namespace mobi {

double nearestRankPercentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto rank =
        static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

RangeStatsModel::RangeStatsModel(QObject* parent) : QAbstractTableModel(parent) {}

void RangeStatsModel::setData(ProfileDataPtr data) {
    beginResetModel();
    data_ = std::move(data);
    stats_.clear();
    rowOfName_.clear();
    if (data_) {
        const auto names = static_cast<size_t>(data_->names.size());
        std::vector<std::vector<double>> durations(names);
        std::vector<char> kernel(names, 0);
        for (const ProfileRange& r : data_->ranges) {
            durations[static_cast<size_t>(r.nameIndex)].push_back(
                static_cast<double>(r.durationNs()) / 1e6);
            if (data_->lanes[static_cast<size_t>(r.lane)].kernels)
                kernel[static_cast<size_t>(r.nameIndex)] = 1;
        }
        for (size_t i = 0; i < names; ++i) {
            std::vector<double>& d = durations[i];
            if (d.empty()) continue;
            std::sort(d.begin(), d.end());
            RangeNameStats s;
            s.name = data_->names[static_cast<qsizetype>(i)];
            s.nameIndex = static_cast<int>(i);
            s.kernel = kernel[i] != 0;
            s.count = static_cast<qint64>(d.size());
            for (double v : d)
                s.totalMs += v;
            s.meanMs = s.totalMs / static_cast<double>(d.size());
            s.p50Ms = nearestRankPercentile(d, 50);
            s.p95Ms = nearestRankPercentile(d, 95);
            stats_.push_back(s);
        }
        std::sort(
            stats_.begin(), stats_.end(),
            [](const RangeNameStats& a, const RangeNameStats& b) { return a.totalMs > b.totalMs; });
        rowOfName_.assign(names, -1);
        for (size_t row = 0; row < stats_.size(); ++row)
            rowOfName_[static_cast<size_t>(stats_[row].nameIndex)] = static_cast<int>(row);
    }
    endResetModel();
}

int RangeStatsModel::rowOfName(int nameIndex) const {
    if (nameIndex < 0 || static_cast<size_t>(nameIndex) >= rowOfName_.size()) return -1;
    return rowOfName_[static_cast<size_t>(nameIndex)];
}

int RangeStatsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(stats_.size());
}

int RangeStatsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RangeStatsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RangeNameStats& s = stats_[static_cast<size_t>(index.row())];
    auto value = [&]() -> QVariant {
        switch (index.column()) {
        case Name:
            return s.name;
        case Count:
            return s.count;
        case Total:
            return s.totalMs;
        case Mean:
            return s.meanMs;
        case P50:
            return s.p50Ms;
        case P95:
            return s.p95Ms;
        default:
            return {};
        }
    };
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() >= Total) return QString::number(value().toDouble(), 'f', 3);
        return value();
    case SortRole:
        return value();
    case NameIndexRole:
        return s.nameIndex;
    case Qt::TextAlignmentRole:
        return index.column() == Name ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                      : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        return QStringLiteral("%1%2: %3 ranges, %4 ms in total")
            .arg(s.name, s.kernel ? QStringLiteral(" (GPU kernel)") : QString())
            .arg(s.count)
            .arg(s.totalMs, 0, 'f', 3);
    default:
        return {};
    }
}

QVariant RangeStatsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, o, role);
    switch (section) {
    case Name:
        return QStringLiteral("Range");
    case Count:
        return QStringLiteral("Count");
    case Total:
        return QStringLiteral("Total ms");
    case Mean:
        return QStringLiteral("Mean ms");
    case P50:
        return QStringLiteral("p50 ms");
    case P95:
        return QStringLiteral("p95 ms");
    default:
        return {};
    }
}

} // namespace mobi
