// Per-group scale heatmap of a sliced matrix: one QImage pixel per (row,
// group) cell (groups across, rows down) coloured by slice 1's scale, drawn
// scaled with a colour bar and a hover readout.
#pragma once

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <vector>

namespace mobi {

class GroupScaleHeatmap final : public QWidget {
    Q_OBJECT
  public:
    explicit GroupScaleHeatmap(QWidget* parent = nullptr);
    // scales: rows x groups, row-major. Non-finite values are drawn grey.
    void setScales(int64_t rows, int64_t groups, std::vector<float> scales);
    void clear();
    // width = groups, height = rows (null when empty).
    const QImage& image() const { return image_; }
    int64_t rows() const { return rows_; }
    int64_t groups() const { return groups_; }
    double rangeLo() const { return lo_; }
    double rangeHi() const { return hi_; }
    // (group, row) under a widget position, or (-1, -1).
    QPoint cellAt(const QPointF& pos) const;
    QSize sizeHint() const override { return {320, 200}; }
    QSize minimumSizeHint() const override { return {160, 90}; }

  protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;

  private:
    QRectF plotRect() const;
    int64_t rows_ = 0, groups_ = 0;
    std::vector<float> scales_;
    QImage image_;
    double lo_ = 0, hi_ = 0;
    QPoint hover_{-1, -1};
};

} // namespace mobi
