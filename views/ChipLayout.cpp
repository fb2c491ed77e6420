#include "ChipLayout.h"

#include <algorithm>

namespace mobi {

QVector<QRect> ChipLayout::place(const QVector<int>& widths, int width) const {
    QVector<QRect> rects;
    rects.reserve(widths.size());
    const int right = std::max(width - margin, margin + 1);
    int x = margin, y = margin;
    for (int w : widths) {
        if (x > margin && x + w > right) {
            x = margin;
            y += chipHeight + lineSpacing;
        }
        rects.append(QRect(x, y, w, chipHeight));
        x += w + spacing;
    }
    return rects;
}

int ChipLayout::heightFor(const QVector<QRect>& rects) const {
    return rects.isEmpty() ? 2 * margin : rects.last().bottom() + 1 + margin;
}

int ChipLayout::hit(const QVector<QRect>& rects, const QPoint& pos) {
    // Rects are sorted by line, so a binary search on the line finds the candidates.
    const auto it = std::lower_bound(rects.begin(), rects.end(), pos.y(),
                                     [](const QRect& r, int y) { return r.bottom() < y; });
    for (auto i = it; i != rects.end() && i->top() <= pos.y(); ++i)
        if (i->contains(pos)) return static_cast<int>(i - rects.begin());
    return -1;
}

} // namespace mobi
