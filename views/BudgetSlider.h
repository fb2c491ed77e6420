// Toolbar control for the precision budget, bound to a PrecisionSource: steps
// through uniform levels for a sliced model, spans average bits for a routed
// one, and is disabled (with the reason as tooltip) when the source has no levels.
#pragma once

#include <QWidget>

class QLabel;
class QSlider;

namespace mobi {

class PrecisionSource;

class BudgetSlider final : public QWidget {
    Q_OBJECT
public:
    explicit BudgetSlider(QWidget* parent = nullptr);
    // Not owned; null disables the slider.
    void setSource(PrecisionSource* source);
    PrecisionSource* source() const { return source_; }
    double budget() const;
    // Whether the slider steps through uniform levels (sliced, unrouted models).
    bool stepsLevels() const;
    // The uniform level shown (0 when the slider does not step levels).
    int level() const;
    void setLevel(int level);
    // Routed sources: moves the slider to the nearest step of `bits`.
    void setBudget(double bits);
    // Bits per step of a continuous (routed) slider.
    static constexpr double kBitsStep = 0.01;
    // Routed sources: the average bits the routers achieved at the budget
    // shown (NaN clears it); shown in the label next to the budget.
    void setAchieved(double bits);
    QLabel* label() const { return label_; }
    QSlider* slider() const { return slider_; }

signals:
    // Emitted while dragging; callers debounce before re-running.
    void budgetChanged(double bits);
    // Emitted with budgetChanged when the slider steps levels.
    void levelChanged(int level);

private:
    void refresh();
    int steps() const;
    void showBudgetLabel();
    PrecisionSource* source_ = nullptr;
    double achieved_;
    QSlider* slider_;
    QLabel* label_;
};

} // namespace mobi
