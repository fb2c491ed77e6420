// Perceptual colour ramps for chips, heatmaps and charts (t in [0, 1]).
#pragma once

#include <QColor>
#include <QRgb>

namespace mobi {

enum class ColorRamp { Viridis, Magma, RedYellowGreen };

QRgb rampColor(ColorRamp ramp, double t);
// Black or white, whichever reads better on `background`.
QColor contrastingText(const QColor& background);

} // namespace mobi
