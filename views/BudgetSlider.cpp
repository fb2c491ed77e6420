#include "BudgetSlider.h"

#include "PrecisionSource.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include <algorithm>
#include <cmath>

namespace mobi {

BudgetSlider::BudgetSlider(QWidget* parent) : QWidget(parent), achieved_(NAN) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 0, 6, 0);
    auto* title = new QLabel(QStringLiteral("Budget"), this);
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setRange(0, 100);
    slider_->setMinimumWidth(140);
    label_ = new QLabel(this);
    label_->setMinimumWidth(
        label_->fontMetrics().horizontalAdvance(QStringLiteral("level 8 \u00b7 16 bits (16.50 b/w)")));
    layout->addWidget(title);
    layout->addWidget(slider_);
    layout->addWidget(label_);
    connect(slider_, &QSlider::valueChanged, this, [this] {
        if (!source_ || !source_->hasLevels()) return;
        if (stepsLevels()) {
            source_->setLevel(slider_->value());
            label_->setText(source_->levelLabel(source_->level()));
            emit levelChanged(source_->level());
            emit budgetChanged(source_->budget());
            return;
        }
        source_->setBudget(budget());
        achieved_ = NAN; // belongs to the previous budget
        showBudgetLabel();
        emit budgetChanged(budget());
    });
    refresh();
}

void BudgetSlider::setSource(PrecisionSource* source) {
    source_ = source;
    refresh();
}

bool BudgetSlider::stepsLevels() const {
    return source_ && source_->hasLevels() && !source_->hasRouter() && source_->levelCount() > 0;
}

int BudgetSlider::level() const { return stepsLevels() ? slider_->value() : 0; }

void BudgetSlider::setLevel(int level) {
    if (stepsLevels()) slider_->setValue(level);
}

int BudgetSlider::steps() const {
    if (!source_) return 1;
    return std::max(1, qRound((source_->maxBudget() - source_->minBudget()) / kBitsStep));
}

double BudgetSlider::budget() const {
    if (!source_ || !source_->hasLevels()) return source_ ? source_->budget() : 0;
    if (stepsLevels()) return source_->bitsForLevel(slider_->value());
    const double lo = source_->minBudget(), hi = source_->maxBudget();
    return std::min(hi, lo + (hi - lo) * slider_->value() / steps());
}

void BudgetSlider::setBudget(double bits) {
    if (!source_ || !source_->hasLevels() || stepsLevels()) return;
    const double lo = source_->minBudget(), hi = source_->maxBudget();
    if (!(hi > lo)) return;
    slider_->setValue(qRound((std::clamp(bits, lo, hi) - lo) / (hi - lo) * steps()));
}

void BudgetSlider::setAchieved(double bits) {
    if (stepsLevels()) return;
    achieved_ = bits;
    showBudgetLabel();
}

void BudgetSlider::showBudgetLabel() {
    QString text = QStringLiteral("%1 bits").arg(budget(), 0, 'f', 2);
    if (std::isfinite(achieved_))
        text += QStringLiteral(" → %1 achieved").arg(achieved_, 0, 'f', 2);
    label_->setText(text);
}

void BudgetSlider::refresh() {
    const bool on = source_ && source_->hasLevels();
    setEnabled(on);
    const QString tip = on ? QStringLiteral("Target average bits per weight (%1)").arg(source_->describe())
                           : source_ ? source_->unavailableReason()
                                     : QStringLiteral("open a model first");
    setToolTip(tip);
    slider_->setToolTip(tip);
    QSignalBlocker block(slider_);
    if (stepsLevels()) {
        slider_->setRange(1, source_->levelCount());
        slider_->setSingleStep(1);
        slider_->setPageStep(1);
        slider_->setTickPosition(QSlider::TicksBelow);
        slider_->setTickInterval(1);
        slider_->setValue(source_->level());
        label_->setText(source_->levelLabel(source_->level()));
        const QString levelTip = QStringLiteral("Uniform precision level (%1)").arg(source_->describe());
        setToolTip(levelTip);
        slider_->setToolTip(levelTip);
        return;
    }
    achieved_ = NAN;
    slider_->setRange(0, steps());
    slider_->setSingleStep(std::max(1, qRound(0.05 / kBitsStep)));
    slider_->setPageStep(qRound(0.5 / kBitsStep));
    slider_->setTickPosition(on ? QSlider::TicksBelow : QSlider::NoTicks);
    slider_->setTickInterval(qRound(1.0 / kBitsStep)); // a tick per whole bit
    if (on) {
        const double lo = source_->minBudget(), hi = source_->maxBudget();
        slider_->setValue(hi > lo ? qRound((source_->budget() - lo) / (hi - lo) * steps()) : steps());
        showBudgetLabel();
    } else {
        slider_->setValue(steps());
        label_->setText(QStringLiteral("\u2014"));
    }
}

} // namespace mobi
