#include "RoutedPrecisionSource.h"

#include "quant/SlicedModel.h"
#include "route/RouterSet.h"

#include <QStringList>

#include <algorithm>

namespace mobi {

RoutedPrecisionSource::RoutedPrecisionSource(std::vector<int> nominalBits,
                                             std::vector<double> effectiveBits)
    : nominal_(std::move(nominalBits)), effective_(std::move(effectiveBits)) {
    // Defensive: a source without levels would break every accessor.
    if (nominal_.empty()) nominal_.push_back(32);
    effective_.resize(nominal_.size(), 32.0);
    budget_ = nominal_.back();
}

std::unique_ptr<RoutedPrecisionSource> RoutedPrecisionSource::fromModel(const SlicedModel& sliced,
                                                                        const RouterSet& routers) {
    std::vector<double> effective;
    for (int k = 1; k <= routers.levels(); ++k)
        effective.push_back(k <= sliced.levels() ? sliced.effectiveBits(k) : 32.0);
    return std::make_unique<RoutedPrecisionSource>(routers.levelBits, std::move(effective));
}

double RoutedPrecisionSource::bitsForLevel(int level) const {
    return nominalBits(level);
}

int RoutedPrecisionSource::nominalBits(int level) const {
    return nominal_[std::clamp(level, 1, levelCount()) - 1];
}

double RoutedPrecisionSource::effectiveBits(int level) const {
    return effective_[std::clamp(level, 1, levelCount()) - 1];
}

void RoutedPrecisionSource::setBudget(double bits) {
    budget_ = std::clamp(bits, minBudget(), maxBudget());
}

QString RoutedPrecisionSource::levelLabel(int level) const {
    return QStringLiteral("level %1 \u00b7 %2 bits (%3 b/w)")
        .arg(std::clamp(level, 1, levelCount()))
        .arg(nominalBits(level))
        .arg(effectiveBits(level), 0, 'f', 2);
}

QString RoutedPrecisionSource::describe() const {
    QStringList bits;
    for (int b : nominal_)
        bits << QString::number(b);
    return QStringLiteral("MoBiRoute over %1 levels (%2 bits), %3 allocation")
        .arg(levelCount())
        .arg(bits.join(QLatin1Char('/')))
        .arg(perLayer_ ? QStringLiteral("per-layer") : QStringLiteral("global"));
}

} // namespace mobi
