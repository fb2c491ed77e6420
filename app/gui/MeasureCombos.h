// The toolbar's measure choosers (token colour, per-layer view) and which of
// their measures a document's precision source has data for.
#pragma once

class QComboBox;
class QWidget;

namespace mobi {

class PrecisionSource;

QComboBox* tokenMeasureCombo(QWidget* parent);
QComboBox* layerMeasureCombo(QWidget* parent);
// Measures without data (levels, router scores) stay listed but greyed, with
// the reason as their tooltip. layerBox may be null.
void markAvailableMeasures(QComboBox* tokenBox, QComboBox* layerBox, const PrecisionSource* src);

} // namespace mobi
