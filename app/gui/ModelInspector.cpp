#include "ModelInspector.h"

#include "GroupScaleHeatmap.h"
#include "HistogramWidget.h"
#include "ModelTreeModel.h"
#include "SlicedTensorReport.h"
#include "TensorStatistics.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QTreeView>
#include <QVBoxLayout>

#include <cmath>

namespace mobi {

namespace {

QString fmt(double v, int decimals = 4) {
    return std::isfinite(v) ? QString::number(v, 'g', decimals) : QStringLiteral("-");
}

} // namespace

ModelInspector::ModelInspector(QAbstractItemModel* treeModel, QWidget* parent)
    : QSplitter(Qt::Vertical, parent) {
    tree_ = new QTreeView(this);
    tree_->setObjectName(QStringLiteral("modelTree"));
    tree_->setModel(treeModel);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    statsLabel_ = new QLabel(QStringLiteral("Select a tensor"), this);
    statsLabel_->setTextFormat(Qt::RichText);
    statsLabel_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    statsLabel_->setMargin(4);
    statsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    histogram_ = new HistogramWidget(this);
    slicedPanel_ = buildSlicedPanel();
    addWidget(tree_);
    addWidget(statsLabel_);
    addWidget(slicedPanel_);
    addWidget(histogram_);
    setStretchFactor(0, 3);
    setStretchFactor(2, 2);
    setStretchFactor(3, 2);
    connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                const QString key = current.siblingAtColumn(0).data(ModelTreeModel::TensorKeyRole).toString();
                if (key.isEmpty()) return;
                slicedKey_.clear();
                slicedPanel_->hide();
                scaleHeatmap_->clear();
                levelTable_->setRowCount(0);
                statsLabel_->setText(QStringLiteral("<b>%1</b><br>computing\u2026").arg(key));
                emit statisticsRequested(key, 0);
            });
}

// Sliced linears: per-level error table and slice 1's group scales.
QWidget* ModelInspector::buildSlicedPanel() {
    auto* panel = new QWidget(this);
    panel->setObjectName(QStringLiteral("slicedPanel"));
    auto* slicedLayout = new QVBoxLayout(panel);
    slicedLayout->setContentsMargins(4, 0, 4, 0);
    slicedLabel_ = new QLabel(panel);
    slicedLabel_->setTextFormat(Qt::RichText);
    slicedLabel_->setWordWrap(true);
    levelTable_ = new QTableWidget(0, 4, panel);
    levelTable_->setObjectName(QStringLiteral("levelErrorTable"));
    levelTable_->setHorizontalHeaderLabels({QStringLiteral("Level"), QStringLiteral("Bits"),
                                            QStringLiteral("Bits/weight"), QStringLiteral("Rel. error")});
    levelTable_->verticalHeader()->hide();
    levelTable_->verticalHeader()->setDefaultSectionSize(levelTable_->fontMetrics().height() + 4);
    levelTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    levelTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
    levelTable_->setSelectionMode(QAbstractItemView::SingleSelection);
    levelTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    levelTable_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    levelTable_->setToolTip(QStringLiteral("Select a level to see its dequantized weights' statistics"));
    scaleHeatmap_ = new GroupScaleHeatmap(panel);
    scaleHeatmap_->setObjectName(QStringLiteral("groupScaleHeatmap"));
    auto* slicedRow = new QHBoxLayout;
    slicedRow->addWidget(levelTable_);
    slicedRow->addWidget(scaleHeatmap_, 1);
    slicedLayout->addWidget(slicedLabel_);
    slicedLayout->addLayout(slicedRow, 1);
    panel->hide();
    connect(levelTable_, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (fillingLevelTable_ || row < 0 || slicedKey_.isEmpty()) return;
        const int level = levelTable_->item(row, 0)->data(Qt::UserRole).toInt();
        statsLabel_->setText(QStringLiteral("<b>%1</b> @ level %2<br>computing\u2026").arg(slicedKey_).arg(level));
        emit statisticsRequested(slicedKey_, level);
    });
    return panel;
}

void ModelInspector::clear() {
    histogram_->clear();
    slicedKey_.clear();
    slicedPanel_->hide();
    scaleHeatmap_->clear();
    levelTable_->setRowCount(0);
    statsLabel_->setText(QStringLiteral("Select a tensor"));
}

void ModelInspector::showStatisticsFailed(const QString& message) {
    statsLabel_->setText(QStringLiteral("Statistics failed: %1").arg(message.toHtmlEscaped()));
}

void ModelInspector::showStatistics(const TensorStatistics& s) {
    histogram_->setStatistics(s);
    statsLabel_->setText(
        QStringLiteral("<b>%1</b> &nbsp; %2 values<table cellspacing=0 cellpadding=1>"
                       "<tr><td>min</td><td align=right>&nbsp;%3</td><td>&nbsp;&nbsp;max</td><td align=right>&nbsp;%4</td></tr>"
                       "<tr><td>mean</td><td align=right>&nbsp;%5</td><td>&nbsp;&nbsp;std</td><td align=right>&nbsp;%6</td></tr>"
                       "<tr><td>abs-max</td><td align=right>&nbsp;%7</td><td>&nbsp;&nbsp;&gt;6\u03c3</td><td align=right>&nbsp;%8%</td></tr>"
                       "</table>")
            .arg(s.key)
            .arg(s.count)
            .arg(fmt(s.min), fmt(s.max), fmt(s.mean), fmt(s.stddev), fmt(s.absMax))
            .arg(s.outlierFraction * 100, 0, 'g', 3));
}

void ModelInspector::showSlicedReport(const SlicedTensorReport& r) {
    slicedKey_ = r.key;
    slicedLabel_->setText(
        QStringLiteral("<b>Sliced</b> %1 x %2, slices %3 (%4), group %5. Rel. Frobenius error %6")
            .arg(r.rows)
            .arg(r.cols)
            .arg(r.sliceBits, r.mode)
            .arg(r.groupSize)
            .arg(r.againstDense ? QStringLiteral("vs dense weights")
                                : QStringLiteral("vs top level (file has no dense weights)")));
    fillingLevelTable_ = true;
    levelTable_->setRowCount(static_cast<int>(r.levels.size()));
    for (int i = 0; i < static_cast<int>(r.levels.size()); ++i) {
        const SlicedLevelError& e = r.levels[static_cast<size_t>(i)];
        const QStringList cells = {QString::number(e.level), QString::number(e.bits),
                                   QString::number(e.effectiveBits, 'f', 3), QString::number(e.relError, 'g', 4)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (c == 0) item->setData(Qt::UserRole, e.level);
            item->setData(Qt::UserRole + 1, c == 3 ? e.relError : c == 2 ? e.effectiveBits : e.level);
            levelTable_->setItem(i, c, item);
        }
    }
    // The statistics that follow are of the top level.
    if (!r.levels.empty()) levelTable_->setCurrentCell(static_cast<int>(r.levels.size()) - 1, 0);
    fillingLevelTable_ = false;
    // Wide enough for every column; the heatmap takes the rest.
    levelTable_->resizeColumnsToContents();
    int tableWidth = 2 * levelTable_->frameWidth() + 2;
    for (int c = 0; c < levelTable_->columnCount(); ++c) tableWidth += levelTable_->columnWidth(c);
    levelTable_->setFixedWidth(tableWidth);
    scaleHeatmap_->setScales(r.rows, r.groups, r.scales);
    slicedPanel_->show();
}

} // namespace mobi
