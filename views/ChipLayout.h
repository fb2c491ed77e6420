// Flow layout of token chips: left to right, wrapping at the width (plain math, tested alone).
#pragma once

#include <QRect>
#include <QVector>

namespace mobi {

struct ChipLayout {
    int spacing = 3;
    int lineSpacing = 4;
    int margin = 6;
    int chipHeight = 20;

    // Rectangles of chips of the given widths in a view `width` pixels wide;
    // a chip wider than a line gets its own line.
    QVector<QRect> place(const QVector<int>& widths, int width) const;
    // Total height needed for those rectangles.
    int heightFor(const QVector<QRect>& rects) const;
    // Index of the chip under `pos`, or -1.
    static int hit(const QVector<QRect>& rects, const QPoint& pos);
};

} // namespace mobi
