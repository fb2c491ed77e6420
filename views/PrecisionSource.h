// Where per-token, per-layer precision comes from: the seam through which
// sliced (MoBiSlice) and routed (MoBiRoute) models feed the budget slider,
// level colours and the level heatmap. Levels are 1-based as in the engine
// (Transformer::setLevel); TokenRecord::layerLevel holds them.
#pragma once

#include <QString>

namespace mobi {

class PrecisionSource {
public:
    virtual ~PrecisionSource() = default;
    // False for models without precision levels: the slider stays disabled.
    virtual bool hasLevels() const = 0;
    virtual bool hasRouter() const { return false; }
    // Why levels are unavailable, shown as the slider's tooltip.
    virtual QString unavailableReason() const = 0;
    virtual int levelCount() const { return 0; }
    virtual double bitsForLevel(int level) const { return 32.0 * (level >= 0); }
    // Budget in average bits per weight; the slider maps onto [minBudget, maxBudget].
    virtual double minBudget() const { return 32; }
    virtual double maxBudget() const { return 32; }
    virtual double budget() const { return 32; }
    virtual void setBudget(double bits) { (void)bits; }
    // Uniform level (1..levelCount()) for sources whose budget is a level; 0 otherwise.
    virtual int level() const { return 0; }
    virtual void setLevel(int level) { (void)level; }
    virtual int nominalBits(int level) const { return 32 * (level >= 0); }
    // Slider label of a level, e.g. "level 3 · 4 bits (4.47 b/w)".
    virtual QString levelLabel(int level) const { return QString::number(level); }
    virtual QString describe() const = 0;
};

// Every weight at its stored precision: no levels to choose.
class FullPrecisionSource final : public PrecisionSource {
public:
    bool hasLevels() const override { return false; }
    QString unavailableReason() const override {
        return QStringLiteral("needs a sliced model (mobiscope-cli slice MODEL -o OUT.gguf)");
    }
    QString describe() const override { return QStringLiteral("full precision (FP32 compute)"); }
};

} // namespace mobi
