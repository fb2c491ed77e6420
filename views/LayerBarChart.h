// Painted per-layer bar chart: the selected token's value per block, with the run's mean as ticks.
#pragma once

#include "LayerMeasure.h"

#include <QPointer>
#include <QWidget>

namespace mobi {

class TokenListModel;

class LayerBarChart final : public QWidget {
    Q_OBJECT
public:
    explicit LayerBarChart(QWidget* parent = nullptr);
    void setModel(TokenListModel* model);
    void setMeasure(LayerMeasure m);
    LayerMeasure measure() const { return measure_; }
    void setSelectedToken(int row);
    // Bar heights shown now (selected token, or the mean when none is selected).
    QVector<double> values() const;
    QVector<double> meanValues() const;
    QSize sizeHint() const override { return {360, 200}; }

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent* e) override;

private:
    QRectF plotRect() const;
    QPointer<TokenListModel> model_;
    LayerMeasure measure_ = LayerMeasure::RelativeChange;
    int selected_ = -1;
};

} // namespace mobi
