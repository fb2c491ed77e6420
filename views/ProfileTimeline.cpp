#include "ProfileTimeline.h"

#include "ColorScale.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace mobi {

namespace {

constexpr double kGutter = 130; // lane labels
constexpr double kAxis = 22;    // time axis at the top
constexpr double kRow = 18;     // one depth level
constexpr double kLaneGap = 10;
constexpr double kLevelRow = 9;     // one layer in the precision lane
constexpr double kMinSpanNs = 1000; // deepest zoom: 1 us across the view

QString formatNs(double ns) {
    const double a = std::abs(ns);
    if (a >= 1e9) return QStringLiteral("%1 s").arg(ns / 1e9, 0, 'g', 4);
    if (a >= 1e6) return QStringLiteral("%1 ms").arg(ns / 1e6, 0, 'g', 4);
    if (a >= 1e3) return QStringLiteral("%1 us").arg(ns / 1e3, 0, 'g', 4);
    return QStringLiteral("%1 ns").arg(ns, 0, 'g', 4);
}

QString xmlEscape(QString s) {
    return s.replace(QLatin1Char('&'), QStringLiteral("&amp;"))
        .replace(QLatin1Char('<'), QStringLiteral("&lt;"))
        .replace(QLatin1Char('>'), QStringLiteral("&gt;"))
        .replace(QLatin1Char('"'), QStringLiteral("&quot;"));
}

} // namespace

ProfileTimeline::ProfileTimeline(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void ProfileTimeline::setData(ProfileDataPtr data) {
    data_ = std::move(data);
    laneTops_.clear();
    double y = kAxis + 4;
    if (data_)
        for (const ProfileLane& l : data_->lanes) {
            laneTops_.push_back(y);
            y += l.depths * kRow + kLaneGap;
        }
    levelTop_ = -1;
    if (data_ && !data_->levelCells.empty()) {
        levelTop_ = y;
        y += data_->levelLayers * kLevelRow + kLaneGap;
    }
    contentHeight_ = y;
    selected_ = hovered_ = highlightName_ = -1;
    setMinimumHeight(static_cast<int>(std::min(contentHeight_, 400.0)));
    updateGeometry();
    resetView();
}

void ProfileTimeline::resetView() {
    if (data_ && data_->t1 > data_->t0)
        setViewRange(data_->t0, data_->t1);
    else
        setViewRange(0, 1e6);
}

void ProfileTimeline::setViewRange(double startNs, double endNs) {
    if (endNs - startNs < kMinSpanNs) {
        const double mid = (startNs + endNs) / 2;
        startNs = mid - kMinSpanNs / 2;
        endNs = mid + kMinSpanNs / 2;
    }
    v0_ = startNs;
    v1_ = endNs;
    update();
}

void ProfileTimeline::zoomBy(double factor, double anchorX) {
    const QSize s = size();
    const double w = std::max(1.0, s.width() - kGutter);
    const double frac = std::clamp((anchorX - kGutter) / w, 0.0, 1.0);
    const double anchor = v0_ + frac * (v1_ - v0_);
    double span = (v1_ - v0_) / factor;
    if (data_ && data_->t1 > data_->t0) span = std::min(span, 1.2 * double(data_->t1 - data_->t0));
    span = std::max(span, kMinSpanNs);
    setViewRange(anchor - frac * span, anchor - frac * span + span);
}

double ProfileTimeline::xOf(double ns, QSize size) const {
    return kGutter + (ns - v0_) / (v1_ - v0_) * (size.width() - kGutter);
}

double ProfileTimeline::laneTop(int lane) const {
    return lane >= 0 && static_cast<size_t>(lane) < laneTops_.size()
               ? laneTops_[static_cast<size_t>(lane)]
               : 0;
}

QRectF ProfileTimeline::rectFor(const ProfileRange& r, QSize size) const {
    double x0 = xOf(static_cast<double>(r.startNs), size);
    double x1 = xOf(static_cast<double>(r.endNs), size);
    if (x1 < kGutter || x0 > size.width()) return {};
    x0 = std::max(x0, kGutter);
    x1 = std::min(x1, double(size.width()));
    const double y = laneTop(r.lane) + r.depth * kRow;
    return {x0, y, std::max(x1 - x0, 1.0), kRow - 2};
}

std::vector<ProfileTimeline::Item> ProfileTimeline::layoutItems(QSize size) const {
    std::vector<Item> out;
    if (!data_) return out;
    // Ranges narrower than a pixel next to one already drawn at the same row are
    // skipped (they would paint the same pixel), which keeps big profiles fast.
    int lastLane = -1;
    std::vector<double> rowEnd;
    for (size_t i = 0; i < data_->ranges.size(); ++i) {
        const ProfileRange& r = data_->ranges[i];
        const QRectF rc = rectFor(r, size);
        if (rc.isEmpty()) continue;
        if (r.lane != lastLane) {
            rowEnd.assign(static_cast<size_t>(data_->lanes[static_cast<size_t>(r.lane)].depths),
                          -1.0);
            lastLane = r.lane;
        }
        double& end = rowEnd[static_cast<size_t>(r.depth)];
        if (rc.width() <= 1.0 && std::floor(rc.left()) <= end && static_cast<int>(i) != selected_)
            continue;
        end = std::floor(rc.right());
        out.push_back({rc, static_cast<int>(i)});
    }
    return out;
}

QColor ProfileTimeline::colorFor(const ProfileRange& r) const {
    // A stable hue per name (golden-angle steps), kernels more saturated.
    const int hue = static_cast<int>(std::fmod(r.nameIndex * 137.508 + 200, 360.0));
    const bool kernel = data_->lanes[static_cast<size_t>(r.lane)].kernels;
    QColor c = QColor::fromHsl(hue, kernel ? 200 : 140, 150);
    if (highlightName_ >= 0 && r.nameIndex != highlightName_) c = QColor::fromHsl(hue, 30, 205);
    return c;
}

std::vector<ProfileTimeline::Tick> ProfileTimeline::ticks(QSize size) const {
    std::vector<Tick> out;
    const double span = v1_ - v0_;
    const double target = span / std::max(1.0, (size.width() - kGutter) / 110.0);
    const double mag = std::pow(10.0, std::floor(std::log10(target)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (mag * m >= target) {
            step = mag * m;
            break;
        }
    const double origin = data_ ? static_cast<double>(data_->t0) : 0;
    for (double t = std::ceil((v0_ - origin) / step) * step; origin + t <= v1_; t += step)
        out.push_back({xOf(origin + t, size), formatNs(t)});
    return out;
}

void ProfileTimeline::paint(QPainter& p, QSize size) const {
    const QPalette pal = palette();
    p.fillRect(QRect(QPoint(0, 0), size), pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Text));
    if (!data_) {
        p.drawText(QRect(QPoint(0, 0), size), Qt::AlignCenter,
                   QStringLiteral("Open a profile (.sqlite)"));
        return;
    }
    if (data_->ranges.empty()) {
        p.drawText(QRect(QPoint(0, 0), size), Qt::AlignCenter,
                   QStringLiteral("The profile holds no ranges"));
        return;
    }
    // Axis and grid.
    QColor grid = pal.color(QPalette::Mid);
    grid.setAlpha(90);
    for (const Tick& t : ticks(size)) {
        p.setPen(grid);
        p.drawLine(QPointF(t.x, kAxis), QPointF(t.x, size.height()));
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRectF(t.x + 3, 2, 100, kAxis - 4), Qt::AlignLeft | Qt::AlignVCenter, t.label);
    }
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(QPointF(kGutter, kAxis), QPointF(size.width(), kAxis));
    // Ranges.
    QFont small = p.font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1));
    p.setFont(small);
    const QFontMetricsF fm(small);
    for (const Item& it : layoutItems(size)) {
        const ProfileRange& r = data_->ranges[static_cast<size_t>(it.index)];
        const QColor c = colorFor(r);
        p.fillRect(it.rect, c);
        if (it.rect.width() > 24) {
            p.setPen(c.darker(140));
            p.drawRect(it.rect.adjusted(0, 0, -0.5, -0.5));
            p.setPen(QColor(20, 20, 20));
            const QString name = data_->names[r.nameIndex];
            p.drawText(it.rect.adjusted(3, 0, -2, 0), Qt::AlignLeft | Qt::AlignVCenter,
                       fm.elidedText(name, Qt::ElideRight, it.rect.width() - 5));
        }
    }
    paintLevels(p, size);
    for (int idx : {hovered_, selected_}) {
        if (idx < 0) continue;
        const QRectF rc = rectFor(data_->ranges[static_cast<size_t>(idx)], size);
        if (rc.isEmpty()) continue;
        p.setPen(QPen(idx == selected_ ? pal.color(QPalette::Highlight) : pal.color(QPalette::Text),
                      idx == selected_ ? 2.5 : 1));
        p.setBrush(Qt::NoBrush);
        p.drawRect(rc.adjusted(-1, -1, 1, 1));
    }
    // Lane labels over the gutter.
    p.fillRect(QRectF(0, 0, kGutter, size.height()), pal.color(QPalette::Window));
    p.setPen(pal.color(QPalette::WindowText));
    p.setFont(font());
    for (size_t l = 0; l < data_->lanes.size(); ++l) {
        const double top = laneTops_[l];
        p.drawText(QRectF(6, top, kGutter - 10, kRow), Qt::AlignLeft | Qt::AlignVCenter,
                   data_->lanes[l].label);
        p.setPen(pal.color(QPalette::Mid));
        const double bottom = top + data_->lanes[l].depths * kRow + kLaneGap / 2;
        p.drawLine(QPointF(0, bottom), QPointF(size.width(), bottom));
        p.setPen(pal.color(QPalette::WindowText));
    }
    if (levelTop_ >= 0) {
        p.drawText(QRectF(6, levelTop_, kGutter - 10, kRow), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("Precision level"));
        p.drawText(QRectF(6, levelTop_ + kRow, kGutter - 10, kRow),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("%1 (dark) \u2013 %2 (yellow)")
                       .arg(data_->minLevel)
                       .arg(data_->maxLevel));
        if (data_->levelLayers * kLevelRow >= 3 * kRow)
            p.drawText(QRectF(6, levelTop_ + 2 * kRow, kGutter - 10, kRow),
                       Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("row = layer"));
    }
    p.drawText(QRectF(6, 2, kGutter - 10, kAxis - 4), Qt::AlignLeft | Qt::AlignVCenter,
               formatNs(v1_ - v0_) + QStringLiteral(" shown"));
}

void ProfileTimeline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paint(p, size());
}

QImage ProfileTimeline::toImage(QSize s) const {
    if (!s.isValid() || s.isEmpty()) s = size();
    QImage img(s, QImage::Format_ARGB32_Premultiplied);
    QPainter p(&img);
    p.setFont(font());
    paint(p, s);
    return img;
}

QString ProfileTimeline::toSvg(QSize s) const {
    if (!s.isValid() || s.isEmpty()) s = size();
    const QPalette pal = palette();
    QString out;
    out += QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1\" height=\"%2\" "
                          "font-family=\"sans-serif\" font-size=\"10\">\n")
               .arg(s.width())
               .arg(s.height());
    out += QStringLiteral("<rect width=\"%1\" height=\"%2\" fill=\"%3\"/>\n")
               .arg(s.width())
               .arg(s.height())
               .arg(pal.color(QPalette::Base).name());
    if (!data_) return out + QStringLiteral("</svg>\n");
    for (const Tick& t : ticks(s))
        out += QStringLiteral("<line x1=\"%1\" y1=\"%2\" x2=\"%1\" y2=\"%3\" stroke=\"#ccc\"/>"
                              "<text x=\"%4\" y=\"15\">%5</text>\n")
                   .arg(t.x, 0, 'f', 1)
                   .arg(kAxis)
                   .arg(s.height())
                   .arg(t.x + 3, 0, 'f', 1)
                   .arg(xmlEscape(t.label));
    for (const Item& it : layoutItems(s)) {
        const ProfileRange& r = data_->ranges[static_cast<size_t>(it.index)];
        const QString name = xmlEscape(data_->names[r.nameIndex]);
        out += QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" fill=\"%5\"%6>"
                              "<title>%7 %8</title></rect>")
                   .arg(it.rect.x(), 0, 'f', 2)
                   .arg(it.rect.y(), 0, 'f', 1)
                   .arg(it.rect.width(), 0, 'f', 2)
                   .arg(it.rect.height(), 0, 'f', 1)
                   .arg(colorFor(r).name())
                   .arg(it.index == selected_
                            ? QStringLiteral(" stroke=\"#1565c0\" stroke-width=\"2\"")
                            : QString())
                   .arg(name, formatNs(static_cast<double>(r.durationNs())));
        if (it.rect.width() > 40)
            out +=
                QStringLiteral("<text x=\"%1\" y=\"%2\" clip-path=\"none\">%3</text>")
                    .arg(it.rect.x() + 3, 0, 'f', 1)
                    .arg(it.rect.y() + 12, 0, 'f', 1)
                    .arg(it.rect.width() / 6 >= name.size() ? name
                                                            : name.left(int(it.rect.width() / 6)));
        out += QLatin1Char('\n');
    }
    out += QStringLiteral("<rect width=\"%1\" height=\"%2\" fill=\"%3\"/>\n")
               .arg(kGutter)
               .arg(s.height())
               .arg(pal.color(QPalette::Window).name());
    for (size_t l = 0; l < data_->lanes.size(); ++l)
        out += QStringLiteral("<text x=\"6\" y=\"%1\" font-size=\"11\">%2</text>\n")
                   .arg(laneTops_[l] + 13, 0, 'f', 1)
                   .arg(xmlEscape(data_->lanes[l].label));
    return out + QStringLiteral("</svg>\n");
}

QRectF ProfileTimeline::levelCellRect(const ProfileData::LevelCell& c, QSize size) const {
    double x0 = xOf(double(c.startNs), size);
    double x1 = xOf(double(c.endNs), size);
    if (x1 < kGutter || x0 > size.width()) return {};
    x0 = std::max(x0, kGutter);
    x1 = std::min(x1, double(size.width()));
    return {x0, levelTop_ + c.layer * kLevelRow, std::max(x1 - x0, 1.0), kLevelRow - 1};
}

void ProfileTimeline::paintLevels(QPainter& p, QSize size) const {
    if (levelTop_ < 0) return;
    const double span = std::max(1, data_->maxLevel - data_->minLevel);
    for (const ProfileData::LevelCell& c : data_->levelCells) {
        const QRectF rc = levelCellRect(c, size);
        if (rc.isEmpty()) continue;
        p.fillRect(rc, QColor(rampColor(ColorRamp::Viridis, (c.level - data_->minLevel) / span)));
    }
}

int ProfileTimeline::levelCellAt(const QPointF& pt) const {
    if (!data_ || levelTop_ < 0 || pt.x() < kGutter || pt.y() < levelTop_) return -1;
    for (size_t i = 0; i < data_->levelCells.size(); ++i)
        if (levelCellRect(data_->levelCells[i], size()).adjusted(-0.5, 0, 0.5, 1).contains(pt))
            return int(i);
    return -1;
}

int ProfileTimeline::rangeAt(const QPointF& pt) const {
    if (!data_ || pt.x() < kGutter) return -1;
    // Deepest range under the point wins.
    int best = -1;
    for (const Item& it : layoutItems(size()))
        if (it.rect.adjusted(-1, 0, 1, 0).contains(pt)) best = it.index;
    return best;
}

QRectF ProfileTimeline::rangeRect(int index) const {
    if (!data_ || index < 0 || static_cast<size_t>(index) >= data_->ranges.size()) return {};
    return rectFor(data_->ranges[static_cast<size_t>(index)], size());
}

QString ProfileTimeline::describeRange(int index) const {
    if (!data_ || index < 0 || static_cast<size_t>(index) >= data_->ranges.size()) return {};
    const ProfileRange& r = data_->ranges[static_cast<size_t>(index)];
    QString s = QStringLiteral("<b>%1</b><br>duration %2<br>start %3")
                    .arg(data_->names[r.nameIndex].toHtmlEscaped(),
                         formatNs(double(r.durationNs())), formatNs(double(r.startNs - data_->t0)));
    if (r.position >= 0) s += QStringLiteral("<br>token %1").arg(r.position);
    if (r.layer >= 0) s += QStringLiteral("<br>layer %1").arg(r.layer);
    if (r.layer >= 0 && r.position >= 0) {
        const auto it = data_->tokenLayers.constFind({r.position, r.layer});
        if (it != data_->tokenLayers.constEnd()) {
            s += QStringLiteral("<br>precision level %1").arg(it->level);
            if (!std::isnan(it->routerScore))
                s += QStringLiteral(", router score %1").arg(it->routerScore, 0, 'g', 3);
        }
    }
    if (r.step >= 0) s += QStringLiteral("<br>step %1").arg(r.step);
    s += QStringLiteral("<br>%1, depth %2")
             .arg(data_->lanes[static_cast<size_t>(r.lane)].label)
             .arg(r.depth);
    return s;
}

void ProfileTimeline::setSelectedRange(int index) {
    if (!data_ || index < -1 || index >= static_cast<int>(data_->ranges.size())) index = -1;
    if (index == selected_) return;
    selected_ = index;
    if (index >= 0) {
        // Bring it into view, keeping the zoom unless the range is wider than the view.
        const ProfileRange& r = data_->ranges[static_cast<size_t>(index)];
        const double span = v1_ - v0_;
        if (r.endNs < v0_ || r.startNs > v1_ || double(r.durationNs()) > span) {
            const double want = std::max(span, double(r.durationNs()) * 1.2);
            const double mid = (double(r.startNs) + double(r.endNs)) / 2;
            setViewRange(mid - want / 2, mid + want / 2);
        }
    }
    update();
    emit rangeSelected(index);
}

void ProfileTimeline::setHighlightedName(int nameIndex) {
    if (nameIndex == highlightName_) return;
    highlightName_ = nameIndex;
    update();
}

void ProfileTimeline::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (e->modifiers() & Qt::ShiftModifier) {
        const double shift = -steps * 0.1 * (v1_ - v0_);
        setViewRange(v0_ + shift, v1_ + shift);
    } else {
        // Plain wheel and Ctrl+wheel both zoom around the cursor.
        zoomBy(std::pow(1.25, steps), e->position().x());
    }
    e->accept();
}

void ProfileTimeline::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return QWidget::mousePressEvent(e);
    dragging_ = true;
    dragged_ = false;
    dragStart_ = e->position();
    dragV0_ = v0_;
    setCursor(Qt::ClosedHandCursor);
}

void ProfileTimeline::mouseMoveEvent(QMouseEvent* e) {
    if (dragging_) {
        const double dx = e->position().x() - dragStart_.x();
        if (std::abs(dx) > 3) dragged_ = true;
        if (dragged_) {
            const double span = v1_ - v0_;
            const double start = dragV0_ - dx / std::max(1.0, width() - kGutter) * span;
            setViewRange(start, start + span);
        }
        return;
    }
    const int h = rangeAt(e->position());
    if (h != hovered_) {
        hovered_ = h;
        update();
        emit rangeHovered(h);
    }
}

void ProfileTimeline::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton || !dragging_) return QWidget::mouseReleaseEvent(e);
    dragging_ = false;
    unsetCursor();
    if (!dragged_) setSelectedRange(rangeAt(e->position()));
}

void ProfileTimeline::mouseDoubleClickEvent(QMouseEvent* e) {
    // Double click zooms to the range under the cursor; on empty space, to everything.
    const int idx = rangeAt(e->position());
    if (idx < 0) return resetView();
    const ProfileRange& r = data_->ranges[static_cast<size_t>(idx)];
    const double pad = 0.05 * double(r.durationNs());
    setViewRange(double(r.startNs) - pad, double(r.endNs) + pad);
}

void ProfileTimeline::leaveEvent(QEvent*) {
    if (hovered_ >= 0) {
        hovered_ = -1;
        update();
        emit rangeHovered(-1);
    }
}

bool ProfileTimeline::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        const int idx = rangeAt(he->pos());
        const int cell = idx < 0 ? levelCellAt(he->pos()) : -1;
        if (idx >= 0) {
            QToolTip::showText(he->globalPos(), describeRange(idx), this);
        } else if (cell >= 0) {
            const ProfileData::LevelCell& c = data_->levelCells[size_t(cell)];
            QString text = QStringLiteral("<b>precision level %1</b><br>token %2, layer %3")
                               .arg(c.level)
                               .arg(c.position)
                               .arg(c.layer);
            if (!std::isnan(c.routerScore))
                text += QStringLiteral("<br>router score %1").arg(c.routerScore, 0, 'g', 3);
            QToolTip::showText(he->globalPos(), text, this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(e);
}

} // namespace mobi
