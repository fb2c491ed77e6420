#include "TokenChipView.h"

#include "ColorScale.h"
#include "TokenListModel.h"

#include <QHelpEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

namespace mobi {

TokenChipView::TokenChipView(QWidget* parent) : QAbstractScrollArea(parent) {
    viewport()->setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout_.chipHeight = fontMetrics().height() + 8;
}

void TokenChipView::setModel(TokenListModel* model) {
    if (model_) disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    if (model_) {
        connect(model_, &QAbstractItemModel::modelReset, this, [this] {
            selected_ = hovered_ = -1;
            relayout();
        });
        connect(model_, &QAbstractItemModel::rowsInserted, this,
                [this](const QModelIndex&, int first, int last) { appendRows(first, last); });
        connect(model_, &QAbstractItemModel::dataChanged, viewport(), qOverload<>(&QWidget::update));
    }
    selected_ = hovered_ = -1;
    relayout();
}

QRect TokenChipView::chipRect(int row) const {
    if (row < 0 || row >= rects_.size()) return {};
    return rects_[row].translated(0, -verticalScrollBar()->value());
}

QColor TokenChipView::chipColor(int row) const { return model_ ? model_->colorAt(row) : QColor(); }

void TokenChipView::setSelectedToken(int row) {
    if (row < -1 || row >= rects_.size() || row == selected_) return;
    selected_ = row;
    if (row >= 0) {
        // Keep the selected chip in view.
        const QRect r = rects_[row];
        QScrollBar* sb = verticalScrollBar();
        if (r.top() < sb->value()) sb->setValue(r.top() - layout_.margin);
        else if (r.bottom() > sb->value() + viewport()->height())
            sb->setValue(r.bottom() - viewport()->height() + layout_.margin);
    }
    viewport()->update();
    emit tokenSelected(row);
}

void TokenChipView::relayout() {
    widths_.clear();
    if (model_) {
        const QFontMetrics fm = fontMetrics();
        widths_.reserve(model_->rowCount());
        for (int i = 0; i < model_->rowCount(); ++i)
            widths_.append(fm.horizontalAdvance(displayPiece(model_->records()[i].piece)) + 10);
    }
    rects_ = layout_.place(widths_, viewport()->width());
    updateScrollBar();
    viewport()->update();
}

void TokenChipView::appendRows(int first, int last) {
    if (first != widths_.size()) return relayout();
    QScrollBar* sb = verticalScrollBar();
    const bool atEnd = sb->value() >= sb->maximum() - 2;
    const QFontMetrics fm = fontMetrics();
    for (int i = first; i <= last; ++i)
        widths_.append(fm.horizontalAdvance(displayPiece(model_->records()[i].piece)) + 10);
    rects_ = layout_.place(widths_, viewport()->width());
    updateScrollBar();
    if (atEnd) sb->setValue(sb->maximum()); // follow the stream like a terminal
    viewport()->update();
}

void TokenChipView::updateScrollBar() {
    const int h = layout_.heightFor(rects_);
    verticalScrollBar()->setPageStep(viewport()->height());
    verticalScrollBar()->setSingleStep(layout_.chipHeight);
    verticalScrollBar()->setRange(0, std::max(0, h - viewport()->height()));
}

int TokenChipView::chipAt(const QPoint& viewportPos) const {
    return ChipLayout::hit(rects_, viewportPos + QPoint(0, verticalScrollBar()->value()));
}

void TokenChipView::paintEvent(QPaintEvent*) {
    QPainter p(viewport());
    p.fillRect(viewport()->rect(), palette().base());
    if (!model_ || rects_.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(viewport()->rect(), Qt::AlignCenter,
                   QStringLiteral("Type a prompt and press Run (Ctrl+R)"));
        return;
    }
    p.setRenderHint(QPainter::Antialiasing);
    const int dy = verticalScrollBar()->value();
    const QRect visible = viewport()->rect().translated(0, dy);
    const auto& records = model_->records();
    for (int i = 0; i < rects_.size() && i < records.size(); ++i) {
        const QRect r = rects_[i];
        if (r.bottom() < visible.top()) continue;
        if (r.top() > visible.bottom()) break;
        const QRectF rf = QRectF(r.translated(0, -dy)).adjusted(0.5, 0.5, -0.5, -0.5);
        const QColor fill = model_->colorAt(i);
        p.setBrush(fill);
        if (i == selected_) p.setPen(QPen(palette().color(QPalette::Text), 2.5));
        else if (i == hovered_) p.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
        else if (records[i].prompt) p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
        else p.setPen(Qt::NoPen);
        p.drawRoundedRect(rf, 4, 4);
        p.setPen(contrastingText(fill));
        p.drawText(rf, Qt::AlignCenter, displayPiece(records[i].piece));
    }
}

void TokenChipView::resizeEvent(QResizeEvent* e) {
    QAbstractScrollArea::resizeEvent(e);
    rects_ = layout_.place(widths_, viewport()->width());
    updateScrollBar();
}

void TokenChipView::mouseMoveEvent(QMouseEvent* e) {
    const int i = chipAt(e->position().toPoint());
    if (i != hovered_) {
        hovered_ = i;
        viewport()->update();
        emit tokenHovered(i);
    }
}

void TokenChipView::mousePressEvent(QMouseEvent* e) {
    const int i = chipAt(e->position().toPoint());
    if (i >= 0) setSelectedToken(i);
}

void TokenChipView::leaveEvent(QEvent*) {
    if (hovered_ != -1) {
        hovered_ = -1;
        viewport()->update();
        emit tokenHovered(-1);
    }
}

bool TokenChipView::viewportEvent(QEvent* e) {
    if (e->type() == QEvent::ToolTip && model_) {
        auto* he = static_cast<QHelpEvent*>(e);
        const int i = chipAt(he->pos());
        if (i >= 0) QToolTip::showText(he->globalPos(), model_->describe(i), viewport(), chipRect(i));
        else QToolTip::hideText();
        return true;
    }
    return QAbstractScrollArea::viewportEvent(e);
}

void TokenChipView::keyPressEvent(QKeyEvent* e) {
    if (e->key() == Qt::Key_Left && selected_ > 0) setSelectedToken(selected_ - 1);
    else if (e->key() == Qt::Key_Right && selected_ + 1 < rects_.size()) setSelectedToken(selected_ + 1);
    else QAbstractScrollArea::keyPressEvent(e);
}

} // namespace mobi
