#include "HistogramWidget.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace mobi {

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(160, 100);
}

void HistogramWidget::setStatistics(const TensorStatistics& stats) {
    stats_ = stats;
    hoverBin_ = -1;
    update();
}

void HistogramWidget::clear() { setStatistics({}); }

void HistogramWidget::setLogScale(bool on) {
    logScale_ = on;
    update();
}

QRectF HistogramWidget::plotRect() const {
    const int fh = fontMetrics().height();
    return QRectF(8, 6, width() - 16, height() - 12 - 2 * fh);
}

void HistogramWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const QRectF r = plotRect();
    if (stats_.histogram.empty() || stats_.count == 0 || r.width() < 4 || r.height() < 4) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, QStringLiteral("Select a tensor to see its values"));
        return;
    }
    const auto& h = stats_.histogram;
    const int64_t peak = *std::max_element(h.begin(), h.end());
    const auto height = [&](int64_t c) {
        if (c <= 0 || peak <= 0) return 0.0;
        return logScale_ ? std::log1p(static_cast<double>(c)) / std::log1p(static_cast<double>(peak))
                         : static_cast<double>(c) / peak;
    };
    const double bw = r.width() / h.size();
    const QColor bar = pal.color(QPalette::Highlight);
    for (size_t i = 0; i < h.size(); ++i) {
        const double bh = height(h[i]) * r.height();
        if (bh <= 0) continue;
        p.fillRect(QRectF(r.left() + i * bw, r.bottom() - bh, std::max(1.0, bw - 0.5), bh),
                   static_cast<int>(i) == hoverBin_ ? bar.lighter(140) : bar);
    }
    const double span = stats_.histHi - stats_.histLo;
    const auto xOf = [&](double v) { return r.left() + (v - stats_.histLo) / span * r.width(); };
    p.setPen(QPen(pal.color(QPalette::Text), 1, Qt::DashLine));
    const double m = xOf(stats_.mean);
    p.drawLine(QPointF(m, r.top()), QPointF(m, r.bottom()));
    p.setPen(QPen(QColor(220, 60, 60), 1, Qt::DotLine));
    for (double sgn : {-1.0, 1.0}) {
        const double v = stats_.mean + sgn * 6 * stats_.stddev;
        if (v > stats_.histLo && v < stats_.histHi) {
            const double x = xOf(v);
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
        }
    }
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(r.bottomLeft(), r.bottomRight());
    p.setPen(pal.color(QPalette::Text));
    const int fh = fontMetrics().height();
    const QRectF labels(r.left(), r.bottom() + 2, r.width(), fh);
    p.drawText(labels, Qt::AlignLeft, QString::number(stats_.histLo, 'g', 4));
    p.drawText(labels, Qt::AlignRight, QString::number(stats_.histHi, 'g', 4));
    p.drawText(labels, Qt::AlignHCenter, QStringLiteral("mean %1").arg(stats_.mean, 0, 'g', 3));
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(QRectF(r.left(), r.bottom() + 2 + fh, r.width(), fh), Qt::AlignLeft,
               QStringLiteral("%1 bins, %2 counts; red: \u00b16\u03c3")
                   .arg(h.size())
                   .arg(logScale_ ? QStringLiteral("log") : QStringLiteral("linear")));
}

void HistogramWidget::mouseMoveEvent(QMouseEvent* e) {
    const QRectF r = plotRect();
    const auto& h = stats_.histogram;
    int bin = -1;
    if (!h.empty() && stats_.count > 0 && r.contains(e->position()))
        bin = std::clamp(static_cast<int>((e->position().x() - r.left()) / r.width() * h.size()), 0,
                         static_cast<int>(h.size()) - 1);
    if (bin != hoverBin_) {
        hoverBin_ = bin;
        update();
    }
    if (bin >= 0) {
        const double w = (stats_.histHi - stats_.histLo) / h.size();
        QToolTip::showText(e->globalPosition().toPoint(),
                           QStringLiteral("[%1, %2): %3 values")
                               .arg(stats_.histLo + bin * w, 0, 'g', 4)
                               .arg(stats_.histLo + (bin + 1) * w, 0, 'g', 4)
                               .arg(h[bin]),
                           this);
    } else {
        QToolTip::hideText();
    }
}

void HistogramWidget::leaveEvent(QEvent*) {
    hoverBin_ = -1;
    update();
}

} // namespace mobi
