// Toolbar control for the precision budget, bound to a PrecisionSource; disabled
// (with the reason as tooltip) when the source has no levels.
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
    QSlider* slider() const { return slider_; }

signals:
    // Emitted while dragging; callers debounce before re-running.
    void budgetChanged(double bits);

private:
    void refresh();
    PrecisionSource* source_ = nullptr;
    QSlider* slider_;
    QLabel* label_;
};

} // namespace mobi
