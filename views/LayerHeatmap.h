// Token x layer heatmap: one QImage pixel per cell filled through scanLine, drawn scaled.
#pragma once

#include "LayerMeasure.h"

#include <QImage>
#include <QPointer>
#include <QWidget>

namespace mobi {

class TokenListModel;

class LayerHeatmap final : public QWidget {
    Q_OBJECT
public:
    explicit LayerHeatmap(QWidget* parent = nullptr);
    void setModel(TokenListModel* model);
    void setMeasure(LayerMeasure m);
    LayerMeasure measure() const { return measure_; }
    void setSelectedToken(int row);
    // The cell image (tokens across, layers down), rebuilt lazily.
    const QImage& image();
    double rangeLo() const { return lo_; }
    double rangeHi() const { return hi_; }
    // Token and layer under a widget position, or (-1, -1).
    QPoint cellAt(const QPointF& pos) const;
    QSize sizeHint() const override { return {600, 180}; }

signals:
    void tokenSelected(int row);
    void cellHovered(int token, int layer, double value); // token -1 when leaving

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;

private:
    void rebuild();
    QRectF plotRect() const;
    QPointer<TokenListModel> model_;
    LayerMeasure measure_ = LayerMeasure::RelativeChange;
    QImage image_;
    bool dirty_ = true;
    double lo_ = 0, hi_ = 1;
    int selected_ = -1;
    QPoint hover_{-1, -1};
};

} // namespace mobi
