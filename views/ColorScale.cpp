#include "ColorScale.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace mobi {

namespace {

using Stops = std::array<std::array<int, 3>, 5>;

// Five stops sampled from matplotlib's viridis and magma, and a diverging
// red-yellow-green for "bad to good" measures.
constexpr Stops kViridis = {{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
constexpr Stops kMagma = {{{0, 0, 4}, {81, 18, 124}, {183, 55, 121}, {252, 137, 97}, {252, 253, 191}}};
constexpr Stops kRdYlGn = {{{215, 48, 39}, {252, 141, 89}, {254, 224, 139}, {145, 207, 96}, {26, 152, 80}}};

QRgb interpolate(const Stops& s, double t) {
    if (!std::isfinite(t)) t = 0;
    t = std::clamp(t, 0.0, 1.0) * (s.size() - 1);
    const int i = std::min(static_cast<int>(t), static_cast<int>(s.size()) - 2);
    const double f = t - i;
    int c[3];
    for (int k = 0; k < 3; ++k) c[k] = static_cast<int>(std::lround(s[i][k] + f * (s[i + 1][k] - s[i][k])));
    return qRgb(c[0], c[1], c[2]);
}

} // namespace

QRgb rampColor(ColorRamp ramp, double t) {
    switch (ramp) {
    case ColorRamp::Viridis: return interpolate(kViridis, t);
    case ColorRamp::Magma: return interpolate(kMagma, t);
    case ColorRamp::RedYellowGreen: return interpolate(kRdYlGn, t);
    }
    return interpolate(kViridis, t);
}

QColor contrastingText(const QColor& background) {
    // Relative luminance with the sRGB weights; 0.5 splits well for these ramps.
    const double l = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return l > 0.5 ? QColor(Qt::black) : QColor(Qt::white);
}

} // namespace mobi
