#include "MeasureCombos.h"

#include "LayerMeasure.h"
#include "PrecisionSource.h"
#include "TokenMeasure.h"

#include <QComboBox>
#include <QStandardItemModel>

namespace mobi {

QComboBox* tokenMeasureCombo(QWidget* parent) {
    auto* box = new QComboBox(parent);
    box->setObjectName(QStringLiteral("measureCombo"));
    for (TokenMeasure m : {TokenMeasure::LogProb, TokenMeasure::Entropy, TokenMeasure::LevelBits,
                           TokenMeasure::RouterScore})
        box->addItem(tokenMeasureName(m), static_cast<int>(m));
    return box;
}

QComboBox* layerMeasureCombo(QWidget* parent) {
    auto* box = new QComboBox(parent);
    for (LayerMeasure m : {LayerMeasure::RelativeChange, LayerMeasure::HiddenRms,
                           LayerMeasure::Level, LayerMeasure::Bits})
        box->addItem(layerMeasureName(m), static_cast<int>(m));
    return box;
}

void markAvailableMeasures(QComboBox* tokenBox, QComboBox* layerBox, const PrecisionSource* src) {
    auto* model = qobject_cast<QStandardItemModel*>(tokenBox->model());
    for (int i = 0; i < tokenBox->count(); ++i) {
        const auto m = static_cast<TokenMeasure>(tokenBox->itemData(i).toInt());
        QStandardItem* item = model->item(i);
        const bool on = tokenMeasureAvailable(m, src);
        item->setEnabled(on);
        item->setToolTip(on ? QString() : src->unavailableReason());
    }
    if (!layerBox) return;
    auto* lm = qobject_cast<QStandardItemModel*>(layerBox->model());
    for (LayerMeasure m : {LayerMeasure::Level, LayerMeasure::Bits}) {
        QStandardItem* level = lm->item(layerBox->findData(static_cast<int>(m)));
        level->setEnabled(src->hasLevels());
        level->setToolTip(src->hasLevels() ? QString() : src->unavailableReason());
    }
}

} // namespace mobi
