// The model dock: the tensor tree, the selected tensor's statistics and
// histogram, and for a sliced linear its per-level errors and group scales.
// It asks for statistics through a signal; the window forwards them to the
// document and hands the results back.
#pragma once

#include <QSplitter>
#include <QString>

class QAbstractItemModel;
class QLabel;
class QTableWidget;
class QTreeView;

namespace mobi {

class GroupScaleHeatmap;
class HistogramWidget;
struct SlicedTensorReport;
struct TensorStatistics;

class ModelInspector final : public QSplitter {
    Q_OBJECT
public:
    explicit ModelInspector(QAbstractItemModel* tree, QWidget* parent = nullptr);

    void showStatistics(const TensorStatistics& s);
    void showSlicedReport(const SlicedTensorReport& r);
    void showStatisticsFailed(const QString& message);

    QTreeView* tree() const { return tree_; }
    HistogramWidget* histogram() const { return histogram_; }
    QWidget* slicedPanel() const { return slicedPanel_; }
    GroupScaleHeatmap* groupScaleHeatmap() const { return scaleHeatmap_; }
    QTableWidget* levelErrorTable() const { return levelTable_; }
    QLabel* slicedInfoLabel() const { return slicedLabel_; }
    QLabel* statsLabel() const { return statsLabel_; }
    // Forgets the shown tensor (a new model was opened).
    void clear();

signals:
    // Statistics of tensor `key` (level 0: the top level, and the sliced report).
    void statisticsRequested(const QString& key, int level);

private:
    QWidget* buildSlicedPanel();

    QTreeView* tree_ = nullptr;
    QLabel* statsLabel_ = nullptr;
    HistogramWidget* histogram_ = nullptr;
    QWidget* slicedPanel_ = nullptr;
    QLabel* slicedLabel_ = nullptr;
    QTableWidget* levelTable_ = nullptr;
    GroupScaleHeatmap* scaleHeatmap_ = nullptr;
    QString slicedKey_; // key of the sliced linear the panel shows
    bool fillingLevelTable_ = false;
};

} // namespace mobi
