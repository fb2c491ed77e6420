// Per-token, per-layer quantities for the layer chart and the token x layer heatmap.
#pragma once

#include "TokenRecord.h"

#include <QString>

namespace mobi {

enum class LayerMeasure { RelativeChange, HiddenRms, Level, Bits };

QString layerMeasureName(LayerMeasure m);
QString layerMeasureKey(LayerMeasure m);
LayerMeasure layerMeasureFromKey(const QString& key, LayerMeasure fallback);
class PrecisionSource;

// NaN when the token has no value for that layer. Bits (the level's bits)
// needs the source of the levels.
double layerMeasureValue(LayerMeasure m, const TokenRecord& r, int layer,
                         const PrecisionSource* source = nullptr);

} // namespace mobi
