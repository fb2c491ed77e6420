#include "TokenMeasure.h"

#include "ColorScale.h"
#include "PrecisionSource.h"

#include <algorithm>
#include <cmath>

namespace mobi {

QString tokenMeasureName(TokenMeasure m) {
    switch (m) {
    case TokenMeasure::LogProb: return QStringLiteral("Log-probability");
    case TokenMeasure::Entropy: return QStringLiteral("Entropy");
    case TokenMeasure::LevelBits: return QStringLiteral("Level / bits");
    case TokenMeasure::RouterScore: return QStringLiteral("Router score");
    }
    return {};
}

QString tokenMeasureKey(TokenMeasure m) {
    switch (m) {
    case TokenMeasure::LogProb: return QStringLiteral("logprob");
    case TokenMeasure::Entropy: return QStringLiteral("entropy");
    case TokenMeasure::LevelBits: return QStringLiteral("bits");
    case TokenMeasure::RouterScore: return QStringLiteral("router");
    }
    return {};
}

TokenMeasure tokenMeasureFromKey(const QString& key, TokenMeasure fallback) {
    for (TokenMeasure m : {TokenMeasure::LogProb, TokenMeasure::Entropy, TokenMeasure::LevelBits,
                           TokenMeasure::RouterScore})
        if (tokenMeasureKey(m) == key) return m;
    return fallback;
}

bool tokenMeasureAvailable(TokenMeasure m, const PrecisionSource* source) {
    switch (m) {
    case TokenMeasure::LogProb:
    case TokenMeasure::Entropy: return true;
    case TokenMeasure::LevelBits: return source && source->hasLevels();
    case TokenMeasure::RouterScore: return source && source->hasRouter();
    }
    return false;
}

double tokenMeasureValue(TokenMeasure m, const TokenRecord& r, const PrecisionSource* source) {
    switch (m) {
    case TokenMeasure::LogProb: return r.logprob;
    case TokenMeasure::Entropy: return r.entropy;
    case TokenMeasure::LevelBits: {
        if (!source || r.layerLevel.empty()) return NAN;
        double sum = 0;
        for (int level : r.layerLevel) sum += source->bitsForLevel(level);
        return sum / r.layerLevel.size();
    }
    case TokenMeasure::RouterScore: return r.routerScore;
    }
    return NAN;
}

MeasureRange tokenMeasureRange(TokenMeasure m, int vocabSize, const PrecisionSource* source) {
    switch (m) {
    case TokenMeasure::LogProb: return {-8.0, 0.0}; // below e^-8 every token looks equally unlikely
    case TokenMeasure::Entropy: return {0.0, std::log(std::max(2, vocabSize))};
    case TokenMeasure::LevelBits:
        if (source && source->levelCount() > 0)
            return {source->bitsForLevel(1), source->bitsForLevel(source->levelCount())};
        return {0, 16};
    case TokenMeasure::RouterScore: return {0.0, 1.0};
    }
    return {};
}

QColor tokenMeasureColor(TokenMeasure m, double value, const MeasureRange& range) {
    if (!std::isfinite(value)) return QColor(150, 150, 150);
    const double t = range.hi > range.lo ? (value - range.lo) / (range.hi - range.lo) : 0.5;
    switch (m) {
    case TokenMeasure::LogProb: return QColor(rampColor(ColorRamp::RedYellowGreen, t));
    // Low entropy (confident) is calm, high entropy hot.
    case TokenMeasure::Entropy: return QColor(rampColor(ColorRamp::Magma, 0.15 + 0.85 * t));
    case TokenMeasure::LevelBits:
    case TokenMeasure::RouterScore: return QColor(rampColor(ColorRamp::Viridis, t));
    }
    return QColor(rampColor(ColorRamp::Viridis, t));
}

} // namespace mobi
