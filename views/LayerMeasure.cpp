#include "LayerMeasure.h"

#include "PrecisionSource.h"

#include <cmath>

namespace mobi {

QString layerMeasureName(LayerMeasure m) {
    switch (m) {
    case LayerMeasure::RelativeChange: return QStringLiteral("Block change ||out-in||/||in||");
    case LayerMeasure::HiddenRms: return QStringLiteral("Residual RMS after block");
    case LayerMeasure::Level: return QStringLiteral("Precision level");
    case LayerMeasure::Bits: return QStringLiteral("Bits of the level");
    }
    return {};
}

QString layerMeasureKey(LayerMeasure m) {
    switch (m) {
    case LayerMeasure::RelativeChange: return QStringLiteral("change");
    case LayerMeasure::HiddenRms: return QStringLiteral("rms");
    case LayerMeasure::Level: return QStringLiteral("level");
    case LayerMeasure::Bits: return QStringLiteral("bits");
    }
    return {};
}

LayerMeasure layerMeasureFromKey(const QString& key, LayerMeasure fallback) {
    for (LayerMeasure m : {LayerMeasure::RelativeChange, LayerMeasure::HiddenRms, LayerMeasure::Level,
                           LayerMeasure::Bits})
        if (layerMeasureKey(m) == key) return m;
    return fallback;
}

double layerMeasureValue(LayerMeasure m, const TokenRecord& r, int layer,
                         const PrecisionSource* source) {
    if (layer < 0) return NAN;
    const auto at = [layer](const auto& v) -> double {
        return static_cast<size_t>(layer) < v.size() ? static_cast<double>(v[layer]) : NAN;
    };
    switch (m) {
    case LayerMeasure::RelativeChange: return at(r.layerChange);
    case LayerMeasure::HiddenRms: return at(r.layerRms);
    case LayerMeasure::Level: return at(r.layerLevel);
    case LayerMeasure::Bits: {
        const double level = at(r.layerLevel);
        return source && std::isfinite(level) ? source->bitsForLevel(static_cast<int>(level)) : NAN;
    }
    }
    return NAN;
}

} // namespace mobi
