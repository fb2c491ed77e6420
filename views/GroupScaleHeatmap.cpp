#include "GroupScaleHeatmap.h"

#include "ColorScale.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mobi {

GroupScaleHeatmap::GroupScaleHeatmap(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void GroupScaleHeatmap::clear() {
    rows_ = groups_ = 0;
    scales_.clear();
    image_ = QImage();
    lo_ = hi_ = 0;
    hover_ = {-1, -1};
    update();
}

void GroupScaleHeatmap::setScales(int64_t rows, int64_t groups, std::vector<float> scales) {
    if (rows <= 0 || groups <= 0 || scales.size() != static_cast<size_t>(rows * groups))
        return clear();
    rows_ = rows;
    groups_ = groups;
    scales_ = std::move(scales);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (float s : scales_)
        if (std::isfinite(s)) {
            lo = std::min<double>(lo, s);
            hi = std::max<double>(hi, s);
        }
    if (!std::isfinite(lo)) lo = hi = 0;
    lo_ = lo;
    hi_ = hi;
    const double span = hi > lo ? hi - lo : 1.0;
    image_ = QImage(static_cast<int>(groups), static_cast<int>(rows), QImage::Format_RGB32);
    for (int64_t r = 0; r < rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(image_.scanLine(static_cast<int>(r)));
        for (int64_t g = 0; g < groups; ++g) {
            const float s = scales_[static_cast<size_t>(r * groups + g)];
            line[g] = std::isfinite(s) ? rampColor(ColorRamp::Viridis, (s - lo) / span)
                                       : qRgb(128, 128, 128);
        }
    }
    hover_ = {-1, -1};
    update();
}

QRectF GroupScaleHeatmap::plotRect() const {
    const int fh = fontMetrics().height();
    const double barSpace = 10 + 8 + fontMetrics().horizontalAdvance(QStringLiteral("0.00000")) + 4;
    return QRectF(4, fh + 6, std::max(10.0, width() - 8 - barSpace),
                  std::max(10.0, height() - 2.0 * fh - 14));
}

QPoint GroupScaleHeatmap::cellAt(const QPointF& pos) const {
    if (image_.isNull()) return {-1, -1};
    const QRectF r = plotRect();
    if (!r.contains(pos)) return {-1, -1};
    const int g = std::clamp(static_cast<int>((pos.x() - r.left()) / r.width() * groups_), 0,
                             int(groups_) - 1);
    const int row =
        std::clamp(static_cast<int>((pos.y() - r.top()) / r.height() * rows_), 0, int(rows_) - 1);
    return {g, row};
}

void GroupScaleHeatmap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const int fh = fontMetrics().height();
    if (image_.isNull()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter,
                   QStringLiteral("Select a sliced linear for its group scales"));
        return;
    }
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRectF(4, 2, width() - 8, fh + 2), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("Slice 1 scale, %1 x %2").arg(rows_).arg(groups_));
    const QRectF r = plotRect();
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(r, image_);
    const double cw = r.width() / groups_, ch = r.height() / rows_;
    if (groups_ > 1 && cw >= 6) {
        // Thin separators between groups keep few wide columns readable.
        p.setPen(QPen(pal.color(QPalette::Base), 1));
        for (int64_t g = 1; g < groups_; ++g)
            p.drawLine(QPointF(r.left() + g * cw, r.top()), QPointF(r.left() + g * cw, r.bottom()));
    }
    if (hover_.x() >= 0) {
        p.setPen(QPen(Qt::white, 1));
        p.setBrush(Qt::NoBrush);
        p.drawRect(
            QRectF(r.left() + hover_.x() * cw, r.top() + hover_.y() * ch, cw, std::max(ch, 2.0)));
    }
    const QRectF bar(r.right() + 8, r.top(), 10, r.height());
    for (int y = 0; y < static_cast<int>(bar.height()); ++y)
        p.fillRect(QRectF(bar.left(), bar.bottom() - y - 1, bar.width(), 1),
                   QColor(rampColor(ColorRamp::Viridis, y / bar.height())));
    p.setPen(pal.color(QPalette::Text));
    const double labelW = width() - bar.right() - 2;
    p.drawText(QRectF(bar.right() + 2, bar.top(), labelW, fh), Qt::AlignLeft,
               QString::number(hi_, 'g', 3));
    p.drawText(QRectF(bar.right() + 2, bar.bottom() - fh, labelW, fh), Qt::AlignLeft,
               QString::number(lo_, 'g', 3));
    QString readout = QStringLiteral("rows \u2193 groups \u2192");
    if (hover_.x() >= 0) {
        const float s = scales_[static_cast<size_t>(hover_.y() * groups_ + hover_.x())];
        readout = QStringLiteral("r%1 g%2: %3").arg(hover_.y()).arg(hover_.x()).arg(s, 0, 'g', 4);
    }
    p.drawText(QRectF(r.left(), r.bottom() + 4, width() - r.left(), fh + 2), Qt::AlignLeft,
               readout);
}

void GroupScaleHeatmap::mouseMoveEvent(QMouseEvent* e) {
    const QPoint c = cellAt(e->position());
    if (c == hover_) return;
    hover_ = c;
    update();
}

void GroupScaleHeatmap::leaveEvent(QEvent*) {
    hover_ = {-1, -1};
    update();
}

} // namespace mobi
