// Painted timeline of a profile: one lane per CPU thread / GPU stream, ranges
// nested by depth. Wheel (or Ctrl+wheel) zooms around the cursor, dragging
// pans, hovering shows a tooltip, clicking selects a range.
#pragma once

#include "ProfileData.h"

#include <QImage>
#include <QWidget>

#include <algorithm>
#include <vector>

namespace mobi {

class ProfileTimeline final : public QWidget {
    Q_OBJECT
  public:
    explicit ProfileTimeline(QWidget* parent = nullptr);
    void setData(ProfileDataPtr data);
    const ProfileDataPtr& profile() const { return data_; }

    // Visible time window, ns (absolute, as stored).
    double viewStart() const { return v0_; }
    double viewEnd() const { return v1_; }
    void setViewRange(double startNs, double endNs);
    void resetView();
    // Zooms by `factor` (>1: in) keeping the time under widget x `anchorX` fixed.
    void zoomBy(double factor, double anchorX);

    int selectedRange() const { return selected_; }
    int highlightedName() const { return highlightName_; }
    // Index into ProfileData::ranges at a widget point, -1 for none.
    int rangeAt(const QPointF& p) const;
    // Where range `index` is drawn now (empty when out of view).
    QRectF rangeRect(int index) const;
    QString describeRange(int index) const;
    // Index into ProfileData::levelCells at a widget point (precision lane), -1 for none.
    int levelCellAt(const QPointF& p) const;

    // The timeline as drawn at `size` (default: the widget's), for export.
    QImage toImage(QSize size = {}) const;
    // The same as SVG (rectangles, labels and axis; written directly).
    QString toSvg(QSize size = {}) const;

    QSize sizeHint() const override { return {900, std::max(160, int(contentHeight_) + 24)}; }
    QSize minimumSizeHint() const override { return {300, 120}; }

  public slots:
    void setSelectedRange(int index);
    // Ranges of this name (ProfileData::names index) stand out; -1: none.
    void setHighlightedName(int nameIndex);

  signals:
    void rangeSelected(int index);
    void rangeHovered(int index);

  protected:
    void paintEvent(QPaintEvent*) override;
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;
    bool event(QEvent* e) override;

  private:
    struct Item {
        QRectF rect;
        int index;
    };
    // Visible ranges and their rectangles for a canvas of `size`.
    std::vector<Item> layoutItems(QSize size) const;
    QRectF rectFor(const ProfileRange& r, QSize size) const;
    double laneTop(int lane) const;
    QRectF levelCellRect(const ProfileData::LevelCell& c, QSize size) const;
    void paintLevels(QPainter& p, QSize size) const;
    double xOf(double ns, QSize size) const;
    QColor colorFor(const ProfileRange& r) const;
    void paint(QPainter& p, QSize size) const;
    struct Tick {
        double x;
        QString label;
    };
    std::vector<Tick> ticks(QSize size) const;

    ProfileDataPtr data_;
    std::vector<double> laneTops_;
    double levelTop_ = -1; // precision lane (routed runs), -1: none
    double contentHeight_ = 0;
    double v0_ = 0, v1_ = 1;
    int selected_ = -1;
    int hovered_ = -1;
    int highlightName_ = -1;
    bool dragging_ = false;
    bool dragged_ = false;
    QPointF dragStart_;
    double dragV0_ = 0;
};

} // namespace mobi
