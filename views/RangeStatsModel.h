// Per-name statistics of a profile's ranges (count, total, mean, p50, p95 in
// ms) as a table; sort with a proxy on SortRole (the raw numbers).
#pragma once

#include "ProfileData.h"

#include <QAbstractTableModel>

namespace mobi {

struct RangeNameStats {
    QString name;
    int nameIndex = 0;
    bool kernel = false;
    qint64 count = 0;
    double totalMs = 0, meanMs = 0, p50Ms = 0, p95Ms = 0;
};

class RangeStatsModel final : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Name, Count, Total, Mean, P50, P95, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, NameIndexRole };

    explicit RangeStatsModel(QObject* parent = nullptr);
    void setData(ProfileDataPtr data);
    const ProfileDataPtr& profile() const { return data_; }
    const std::vector<RangeNameStats>& stats() const { return stats_; }
    // Row of a name (ProfileData::names index), -1 when absent.
    int rowOfName(int nameIndex) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

  private:
    ProfileDataPtr data_;
    std::vector<RangeNameStats> stats_;
    std::vector<int> rowOfName_;
};

// Nearest-rank percentile (p in 0..100) of sorted values; 0 when empty.
double nearestRankPercentile(const std::vector<double>& sorted, double p);

} // namespace mobi
