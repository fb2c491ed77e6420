// The profile viewer: a summary line, the timeline, and the statistics table
// with its filter; selection is linked both ways (a row highlights its name's
// ranges; a clicked range selects its row).
#pragma once

#include "ProfileData.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;

namespace mobi {

class ProfileTimeline;
class RangeStatsModel;

class ProfileView final : public QWidget {
    Q_OBJECT
  public:
    explicit ProfileView(QWidget* parent = nullptr);
    void setData(ProfileDataPtr data);
    const ProfileDataPtr& profile() const { return data_; }

    ProfileTimeline* timeline() const { return timeline_; }
    QTableView* table() const { return table_; }
    RangeStatsModel* statsModel() const { return stats_; }
    QSortFilterProxyModel* proxy() const { return proxy_; }
    QLineEdit* filterEdit() const { return filter_; }
    QLabel* summaryLabel() const { return summary_; }
    // Name selected in the table (empty when none).
    QString selectedName() const;
    // Selects the table row of `name`; false when the filter hides it or it is absent.
    bool selectName(const QString& name);

  signals:
    void nameSelected(const QString& name);

  private:
    void onRowChanged();
    void onRangeSelected(int index);

    ProfileDataPtr data_;
    QLabel* summary_;
    QSplitter* split_ = nullptr;
    ProfileTimeline* timeline_;
    QLineEdit* filter_;
    QTableView* table_;
    RangeStatsModel* stats_;
    QSortFilterProxyModel* proxy_;
    bool syncing_ = false;
};

} // namespace mobi
