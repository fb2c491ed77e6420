#include "SlicedPrecisionSource.h"

#include "quant/SlicedModel.h"

#include <QStringList>

#include <algorithm>

namespace mobi {

SlicedPrecisionSource::SlicedPrecisionSource(std::vector<int> nominalBits,
                                             std::vector<double> effectiveBits)
    : nominal_(std::move(nominalBits)), effective_(std::move(effectiveBits)) {
    // Defensive: a source without levels would break every accessor.
    if (effective_.empty()) effective_.push_back(32.0);
    nominal_.resize(effective_.size(), 32);
    level_ = levelCount();
}

std::unique_ptr<SlicedPrecisionSource> SlicedPrecisionSource::fromModel(const SlicedModel& sliced) {
    std::vector<int> nominal;
    std::vector<double> effective;
    for (int k = 1; k <= sliced.levels(); ++k) {
        nominal.push_back(sliced.config.bitsForLevel(k));
        effective.push_back(sliced.effectiveBits(k));
    }
    return std::make_unique<SlicedPrecisionSource>(std::move(nominal), std::move(effective));
}

double SlicedPrecisionSource::bitsForLevel(int level) const {
    return effective_[std::clamp(level, 1, levelCount()) - 1];
}

int SlicedPrecisionSource::nominalBits(int level) const {
    return nominal_[std::clamp(level, 1, levelCount()) - 1];
}

void SlicedPrecisionSource::setBudget(double bits) {
    int best = 1;
    for (int k = 1; k <= levelCount(); ++k)
        if (effective_[k - 1] <= bits + 1e-9) best = k;
    level_ = best;
}

void SlicedPrecisionSource::setLevel(int level) {
    level_ = std::clamp(level, 1, levelCount());
}

QString SlicedPrecisionSource::levelLabel(int level) const {
    return QStringLiteral("level %1 \u00b7 %2 bits (%3 b/w)")
        .arg(std::clamp(level, 1, levelCount()))
        .arg(nominalBits(level))
        .arg(bitsForLevel(level), 0, 'f', 2);
}

QString SlicedPrecisionSource::describe() const {
    QStringList bits;
    for (int b : nominal_)
        bits << QString::number(b);
    return QStringLiteral("MoBiSlice, %1 levels (%2 bits)")
        .arg(levelCount())
        .arg(bits.join(QLatin1Char('/')));
}

} // namespace mobi
