#include "LayerHeatmap.h"

#include "PrecisionSource.h"

#include "ColorScale.h"
#include "TokenListModel.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace mobi {

LayerHeatmap::LayerHeatmap(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(200, 100);
}

void LayerHeatmap::setModel(TokenListModel* model) {
    if (model_) disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    const auto invalidate = [this] {
        dirty_ = true;
        update();
    };
    if (model_) {
        connect(model_, &QAbstractItemModel::modelReset, this, [this, invalidate] {
            selected_ = -1;
            invalidate();
        });
        connect(model_, &QAbstractItemModel::rowsInserted, this, invalidate);
        connect(model_, &QAbstractItemModel::dataChanged, this, invalidate);
    }
    invalidate();
}

void LayerHeatmap::setMeasure(LayerMeasure m) {
    measure_ = m;
    dirty_ = true;
    update();
}

void LayerHeatmap::setSelectedToken(int row) {
    selected_ = row;
    update();
}

const QImage& LayerHeatmap::image() {
    if (dirty_) rebuild();
    return image_;
}

void LayerHeatmap::rebuild() {
    dirty_ = false;
    const int tokens = model_ ? model_->rowCount() : 0;
    const int layers = model_ ? model_->layerCount() : 0;
    if (tokens == 0 || layers == 0) {
        image_ = QImage();
        return;
    }
    const auto& records = model_->records();
    lo_ = INFINITY, hi_ = -INFINITY;
    for (const TokenRecord& r : records)
        for (int l = 0; l < layers; ++l) {
            const double v = layerMeasureValue(measure_, r, l, model_->precisionSource());
            if (std::isfinite(v)) lo_ = std::min(lo_, v), hi_ = std::max(hi_, v);
        }
    if (!(hi_ > lo_)) hi_ = lo_ + 1;
    if (!std::isfinite(lo_)) lo_ = 0, hi_ = 1;
    // Levels on the source's fixed 1..K scale, so one uniform level still reads as low or high.
    if (const PrecisionSource* src = model_->precisionSource();
        measure_ == LayerMeasure::Level && src && src->levelCount() > 1)
        lo_ = 1, hi_ = src->levelCount();
    if (const PrecisionSource* src = model_->precisionSource();
        measure_ == LayerMeasure::Bits && src && src->levelCount() > 1)
        lo_ = src->bitsForLevel(1), hi_ = src->bitsForLevel(src->levelCount());
    image_ = QImage(tokens, layers, QImage::Format_RGB32);
    const QRgb missing = qRgb(128, 128, 128);
    for (int l = 0; l < layers; ++l) {
        auto* line = reinterpret_cast<QRgb*>(image_.scanLine(l));
        for (int t = 0; t < tokens; ++t) {
            const double v = layerMeasureValue(measure_, records[t], l, model_->precisionSource());
            line[t] = std::isfinite(v) ? rampColor(ColorRamp::Viridis, (v - lo_) / (hi_ - lo_)) : missing;
        }
    }
}

QRectF LayerHeatmap::plotRect() const {
    const int fh = fontMetrics().height();
    const int left = fontMetrics().horizontalAdvance(QStringLiteral("L00")) + 8;
    return QRectF(left, 4, std::max(10, width() - left - 46), std::max(10, height() - 2 * fh - 10));
}

QPoint LayerHeatmap::cellAt(const QPointF& pos) const {
    const QRectF r = plotRect();
    if (image_.isNull() || !r.contains(pos)) return {-1, -1};
    const int t = static_cast<int>((pos.x() - r.left()) / r.width() * image_.width());
    const int l = static_cast<int>((pos.y() - r.top()) / r.height() * image_.height());
    return {std::clamp(t, 0, image_.width() - 1), std::clamp(l, 0, image_.height() - 1)};
}

void LayerHeatmap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const QImage& img = image();
    const int fh = fontMetrics().height();
    if (img.isNull()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, QStringLiteral("Token x layer heatmap appears after a run"));
        return;
    }
    const QRectF r = plotRect();
    // Nearest-neighbour scaling keeps cells crisp.
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(r, img);
    const double cw = r.width() / img.width(), ch = r.height() / img.height();
    p.setPen(pal.color(QPalette::Text));
    const int every = std::max(1, static_cast<int>(std::ceil(fh / ch)));
    for (int l = 0; l < img.height(); l += every)
        p.drawText(QRectF(0, r.top() + l * ch, r.left() - 4, ch), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("L%1").arg(l));
    if (selected_ >= 0 && selected_ < img.width()) {
        p.setPen(QPen(pal.color(QPalette::Text), 1.5));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(r.left() + selected_ * cw, r.top(), std::max(cw, 2.0), r.height()));
    }
    if (hover_.x() >= 0) {
        p.setPen(QPen(Qt::white, 1));
        p.drawRect(QRectF(r.left() + hover_.x() * cw, r.top() + hover_.y() * ch, std::max(cw, 2.0), ch));
    }
    // Colour bar on the right.
    const QRectF bar(r.right() + 8, r.top(), 10, r.height());
    for (int y = 0; y < static_cast<int>(bar.height()); ++y)
        p.fillRect(QRectF(bar.left(), bar.bottom() - y - 1, bar.width(), 1),
                   QColor(rampColor(ColorRamp::Viridis, y / bar.height())));
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRectF(bar.right() + 2, bar.top(), 40, fh), Qt::AlignLeft, QString::number(hi_, 'g', 2));
    p.drawText(QRectF(bar.right() + 2, bar.bottom() - fh, 40, fh), Qt::AlignLeft,
               QString::number(lo_, 'g', 2));
    // Readout line.
    QString readout = QStringLiteral("%1 \u2014 %2 tokens x %3 blocks; hover for values, click to select")
                          .arg(layerMeasureName(measure_))
                          .arg(img.width())
                          .arg(img.height());
    if (hover_.x() >= 0 && model_) {
        const TokenRecord* rec = model_->record(hover_.x());
        if (rec)
            readout = QStringLiteral("token %1 \u201c%2\u201d, block %3: %4")
                          .arg(rec->position)
                          .arg(displayPiece(rec->piece))
                          .arg(hover_.y())
                          .arg(layerMeasureValue(measure_, *rec, hover_.y(), model_->precisionSource()), 0, 'g', 4);
    }
    p.drawText(QRectF(r.left(), r.bottom() + 4, width() - r.left(), fh + 2), Qt::AlignLeft, readout);
}

void LayerHeatmap::mouseMoveEvent(QMouseEvent* e) {
    const QPoint c = cellAt(e->position());
    if (c == hover_) return;
    hover_ = c;
    update();
    const TokenRecord* rec = model_ ? model_->record(c.x()) : nullptr;
    emit cellHovered(c.x(), c.y(), rec ? layerMeasureValue(measure_, *rec, c.y(), model_->precisionSource()) : NAN);
}

void LayerHeatmap::mousePressEvent(QMouseEvent* e) {
    const QPoint c = cellAt(e->position());
    if (c.x() >= 0) {
        selected_ = c.x();
        update();
        emit tokenSelected(c.x());
    }
}

void LayerHeatmap::leaveEvent(QEvent*) {
    hover_ = {-1, -1};
    update();
    emit cellHovered(-1, -1, NAN);
}

} // namespace mobi
