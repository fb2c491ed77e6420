// Painted histogram of a tensor's values with mean and +-6 sigma markers.
#pragma once

#include "TensorStatistics.h"

#include <QWidget>

namespace mobi {

class HistogramWidget final : public QWidget {
    Q_OBJECT
public:
    explicit HistogramWidget(QWidget* parent = nullptr);
    void setStatistics(const TensorStatistics& stats);
    void clear();
    // Counts on a log axis show the tails where outliers live.
    void setLogScale(bool on);
    bool logScale() const { return logScale_; }
    const TensorStatistics& statistics() const { return stats_; }
    QSize sizeHint() const override { return {320, 160}; }

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;

private:
    QRectF plotRect() const;
    TensorStatistics stats_;
    bool logScale_ = true;
    int hoverBin_ = -1;
};

} // namespace mobi
