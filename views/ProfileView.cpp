#include "ProfileView.h"

#include "ProfileTimeline.h"
#include "RangeStatsModel.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace mobi {

ProfileView::ProfileView(QWidget* parent)
    : QWidget(parent), summary_(new QLabel(this)), timeline_(new ProfileTimeline(this)),
      filter_(new QLineEdit(this)), table_(new QTableView(this)), stats_(new RangeStatsModel(this)),
      proxy_(new QSortFilterProxyModel(this)) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(4, 4, 4, 4);
    summary_->setObjectName(QStringLiteral("profileSummary"));
    summary_->setTextFormat(Qt::RichText);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setText(QStringLiteral("No profile open. File \u203a Open a .sqlite written by "
                                     "<tt>mobiscope-cli profile MODEL --db OUT.sqlite</tt>."));
    v->addWidget(summary_);
    timeline_->setObjectName(QStringLiteral("profileTimeline"));
    timeline_->setToolTip(QString());
    auto* lower = new QWidget(this);
    auto* lv = new QVBoxLayout(lower);
    lv->setContentsMargins(0, 0, 0, 0);
    filter_->setObjectName(QStringLiteral("profileFilter"));
    filter_->setPlaceholderText(QStringLiteral("Filter ranges by name (regular expression)"));
    filter_->setClearButtonEnabled(true);
    lv->addWidget(filter_);
    proxy_->setSourceModel(stats_);
    proxy_->setSortRole(RangeStatsModel::SortRole);
    proxy_->setFilterKeyColumn(RangeStatsModel::Name);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    table_->setObjectName(QStringLiteral("profileTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RangeStatsModel::Total, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(RangeStatsModel::Name, QHeaderView::Stretch);
    lv->addWidget(table_, 1);
    split_ = new QSplitter(Qt::Vertical, this);
    split_->addWidget(timeline_);
    split_->addWidget(lower);
    split_->setStretchFactor(0, 0);
    split_->setStretchFactor(1, 1);
    v->addWidget(split_, 1);

    connect(filter_, &QLineEdit::textChanged, this, [this](const QString& text) {
        proxy_->setFilterRegularExpression(
            QRegularExpression(text, QRegularExpression::CaseInsensitiveOption));
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ProfileView::onRowChanged);
    connect(timeline_, &ProfileTimeline::rangeSelected, this, &ProfileView::onRangeSelected);
}

void ProfileView::setData(ProfileDataPtr data) {
    data_ = data;
    stats_->setData(data);
    timeline_->setData(data);
    table_->resizeColumnsToContents();
    table_->horizontalHeader()->setSectionResizeMode(RangeStatsModel::Name, QHeaderView::Stretch);
    if (!data_) return;
    // The timeline as tall as its lanes (up to half the view), the table the rest.
    const int total = std::max(split_->height(), 400);
    const int want = std::min(timeline_->sizeHint().height(), total / 2);
    split_->setSizes({want, total - want});
    summary_->setText(
        QStringLiteral("<b>%1</b> &nbsp; run %2 of %3 &nbsp;\u00b7&nbsp; %4 ranges, %5 kernels, "
                       "%6 names over %7 ms &nbsp;\u00b7&nbsp; <i>wheel: zoom, drag: pan, "
                       "double-click: zoom to range</i>")
            .arg(QFileInfo(data_->path).fileName().toHtmlEscaped())
            .arg(data_->runId)
            .arg(QFileInfo(data_->modelPath).fileName().toHtmlEscaped())
            .arg(data_->ranges.size() - static_cast<size_t>(data_->kernelCount))
            .arg(data_->kernelCount)
            .arg(data_->names.size())
            .arg(double(data_->t1 - data_->t0) / 1e6, 0, 'f', 2));
    if (!data_->layerBits.empty()) {
        QStringList bits;
        for (double b : data_->layerBits)
            bits << (std::isnan(b) ? QStringLiteral("-") : QString::number(b, 'f', 2));
        summary_->setText(summary_->text() + QStringLiteral("<br>Average bits per layer: %1")
                                                 .arg(bits.join(QStringLiteral(" \u00b7 "))));
    }
}

QString ProfileView::selectedName() const {
    const QModelIndexList rows = table_->selectionModel()->selectedRows(RangeStatsModel::Name);
    return rows.isEmpty() ? QString() : rows.first().data().toString();
}

bool ProfileView::selectName(const QString& name) {
    if (!data_) return false;
    const int nameIndex = static_cast<int>(data_->names.indexOf(name));
    const int row = stats_->rowOfName(nameIndex);
    if (row < 0) return false;
    const QModelIndex idx = proxy_->mapFromSource(stats_->index(row, 0));
    if (!idx.isValid()) return false;
    table_->selectionModel()->select(idx, QItemSelectionModel::ClearAndSelect |
                                              QItemSelectionModel::Rows);
    table_->setCurrentIndex(idx);
    table_->scrollTo(idx);
    return true;
}

void ProfileView::onRowChanged() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows(RangeStatsModel::Name);
    const int nameIndex =
        rows.isEmpty() ? -1 : rows.first().data(RangeStatsModel::NameIndexRole).toInt();
    timeline_->setHighlightedName(nameIndex);
    if (!syncing_ && data_ && timeline_->selectedRange() >= 0 &&
        data_->ranges[static_cast<size_t>(timeline_->selectedRange())].nameIndex != nameIndex) {
        // A different name chosen in the table: the selected range no longer belongs.
        syncing_ = true;
        timeline_->setSelectedRange(-1);
        syncing_ = false;
    }
    emit nameSelected(selectedName());
}

void ProfileView::onRangeSelected(int index) {
    if (syncing_ || !data_) return;
    syncing_ = true;
    if (index < 0) {
        table_->clearSelection();
    } else {
        const QString& name = data_->names[data_->ranges[static_cast<size_t>(index)].nameIndex];
        if (!selectName(name)) {
            // Hidden by the filter: clear the filter so the row can show.
            filter_->clear();
            selectName(name);
        }
    }
    syncing_ = false;
}

} // namespace mobi
