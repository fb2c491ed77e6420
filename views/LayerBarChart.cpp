#include "LayerBarChart.h"

#include "PrecisionSource.h"

#include "ColorScale.h"
#include "TokenListModel.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace mobi {

LayerBarChart::LayerBarChart(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(160, 120);
}

void LayerBarChart::setModel(TokenListModel* model) {
    if (model_) disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    if (model_) {
        connect(model_, &QAbstractItemModel::modelReset, this, [this] {
            selected_ = -1;
            update();
        });
        connect(model_, &QAbstractItemModel::rowsInserted, this, qOverload<>(&QWidget::update));
        connect(model_, &QAbstractItemModel::dataChanged, this, qOverload<>(&QWidget::update));
    }
    update();
}

void LayerBarChart::setMeasure(LayerMeasure m) {
    measure_ = m;
    update();
}

void LayerBarChart::setSelectedToken(int row) {
    selected_ = row;
    update();
}

QVector<double> LayerBarChart::meanValues() const {
    QVector<double> out;
    if (!model_) return out;
    const int layers = model_->layerCount();
    out.fill(0.0, layers);
    QVector<int> counts(layers, 0);
    for (const TokenRecord& r : model_->records())
        for (int l = 0; l < layers; ++l) {
            const double v = layerMeasureValue(measure_, r, l, model_->precisionSource());
            if (std::isfinite(v)) out[l] += v, ++counts[l];
        }
    for (int l = 0; l < layers; ++l) out[l] = counts[l] ? out[l] / counts[l] : NAN;
    return out;
}

QVector<double> LayerBarChart::values() const {
    if (!model_) return {};
    const TokenRecord* r = model_->record(selected_);
    if (!r) return meanValues();
    QVector<double> out;
    for (int l = 0; l < model_->layerCount(); ++l) out.append(layerMeasureValue(measure_, *r, l, model_->precisionSource()));
    return out;
}

QRectF LayerBarChart::plotRect() const {
    const int fh = fontMetrics().height();
    const int left = fontMetrics().horizontalAdvance(QStringLiteral("0.0000")) + 10;
    const int top = 2 * fh + 4; // title line plus room for the top axis label
    return QRectF(left, top, width() - left - 8, height() - top - 2 * fh - 8);
}

void LayerBarChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const QVector<double> v = values();
    const QVector<double> mean = meanValues();
    const QRectF r = plotRect();
    const int fh = fontMetrics().height();
    if (v.isEmpty() || r.width() < 10 || r.height() < 10) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, QStringLiteral("Per-layer data appears after a run"));
        return;
    }
    double hi = 0;
    for (double x : v) if (std::isfinite(x)) hi = std::max(hi, x);
    for (double x : mean) if (std::isfinite(x)) hi = std::max(hi, x);
    if (hi <= 0) hi = 1;
    // Levels on the source's full 0..K axis, so that level 1 reads as low.
    if (const PrecisionSource* src = model_->precisionSource();
        measure_ == LayerMeasure::Level && src && src->levelCount() > 0)
        hi = src->levelCount();
    if (const PrecisionSource* src = model_->precisionSource();
        measure_ == LayerMeasure::Bits && src && src->levelCount() > 0)
        hi = src->bitsForLevel(src->levelCount());
    const TokenRecord* rec = model_->record(selected_);
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRectF(4, 2, width() - 8, fh + 4), Qt::AlignLeft | Qt::AlignVCenter,
               rec ? QStringLiteral("%1 \u2014 token %2 \u201c%3\u201d")
                         .arg(layerMeasureName(measure_))
                         .arg(rec->position)
                         .arg(displayPiece(rec->piece))
                   : QStringLiteral("%1 \u2014 mean over %2 tokens")
                         .arg(layerMeasureName(measure_))
                         .arg(model_->rowCount()));
    // Grid and value axis.
    p.setPen(QPen(pal.color(QPalette::Mid), 0.5));
    for (int g = 0; g <= 4; ++g) {
        const double y = r.bottom() - g / 4.0 * r.height();
        p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
        p.drawText(QRectF(0, y - fh / 2.0, r.left() - 4, fh), Qt::AlignRight | Qt::AlignVCenter,
                   QString::number(hi * g / 4, 'g', 3));
    }
    const int n = static_cast<int>(v.size());
    const double slot = r.width() / n;
    const double bw = std::max(2.0, slot * 0.7);
    for (int l = 0; l < n; ++l) {
        const double x = r.left() + l * slot + (slot - bw) / 2;
        if (std::isfinite(v[l])) {
            const double h = v[l] / hi * r.height();
            p.fillRect(QRectF(x, r.bottom() - h, bw, h),
                       QColor(rampColor(ColorRamp::Viridis, 0.25 + 0.6 * v[l] / hi)));
        }
        if (rec && l < mean.size() && std::isfinite(mean[l])) {
            const double y = r.bottom() - mean[l] / hi * r.height();
            p.setPen(QPen(pal.color(QPalette::Text), 2));
            p.drawLine(QPointF(x - 2, y), QPointF(x + bw + 2, y));
        }
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRectF(r.left() + l * slot, r.bottom() + 2, slot, fh), Qt::AlignCenter,
                   n > 40 && l % 4 ? QString() : QString::number(l));
    }
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(QRectF(r.left(), r.bottom() + fh + 2, r.width(), fh), Qt::AlignCenter,
               rec ? QStringLiteral("block (ticks: mean over all tokens)") : QStringLiteral("block"));
}

void LayerBarChart::mouseMoveEvent(QMouseEvent* e) {
    const QVector<double> v = values();
    const QRectF r = plotRect();
    if (v.isEmpty() || !r.contains(e->position())) return QToolTip::hideText();
    const int l = std::clamp(static_cast<int>((e->position().x() - r.left()) / r.width() * v.size()),
                             0, static_cast<int>(v.size()) - 1);
    const QVector<double> mean = meanValues();
    QToolTip::showText(e->globalPosition().toPoint(),
                       QStringLiteral("block %1: %2 (mean %3)")
                           .arg(l)
                           .arg(v[l], 0, 'g', 4)
                           .arg(l < mean.size() ? mean[l] : NAN, 0, 'g', 4),
                       this);
}

} // namespace mobi
