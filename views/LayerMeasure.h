// Per-token, per-layer quantities for the layer chart and the token x layer heatmap.
#pragma once

#include "TokenRecord.h"

#include <QString>

namespace mobi {

enum class LayerMeasure { RelativeChange, HiddenRms, Level };

QString layerMeasureName(LayerMeasure m);
QString layerMeasureKey(LayerMeasure m);
LayerMeasure layerMeasureFromKey(const QString& key, LayerMeasure fallback);
// NaN when the token has no value for that layer.
double layerMeasureValue(LayerMeasure m, const TokenRecord& r, int layer);

} // namespace mobi
