// The per-token quantities a token chip can be coloured by, and how each maps to a colour.
#pragma once

#include "TokenRecord.h"

#include <QColor>
#include <QString>

namespace mobi {

class PrecisionSource;

enum class TokenMeasure { LogProb, Entropy, LevelBits, RouterScore };

struct MeasureRange {
    double lo = 0;
    double hi = 1;
};

QString tokenMeasureName(TokenMeasure m);
QString tokenMeasureKey(TokenMeasure m); // stable identifier for settings
TokenMeasure tokenMeasureFromKey(const QString& key, TokenMeasure fallback);
// Whether data for the measure exists for this precision source (levels and
// router scores need sliced or routed models).
bool tokenMeasureAvailable(TokenMeasure m, const PrecisionSource* source);
// NaN when the token has no value for the measure.
double tokenMeasureValue(TokenMeasure m, const TokenRecord& r, const PrecisionSource* source);
// Fixed ranges keep colours comparable across runs; vocabSize bounds entropy.
MeasureRange tokenMeasureRange(TokenMeasure m, int vocabSize, const PrecisionSource* source);
// Colour of a value; grey when the value is NaN.
QColor tokenMeasureColor(TokenMeasure m, double value, const MeasureRange& range);

} // namespace mobi
