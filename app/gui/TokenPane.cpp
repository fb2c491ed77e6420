#include "TokenPane.h"

#include "TokenChipView.h"
#include "TokenListModel.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace mobi {

namespace {

const QString kHint = QStringLiteral("Hover a token for details; click to select it.");

} // namespace

TokenPane::TokenPane(TokenListModel* tokens, QAction* run, QAction* stop, QWidget* parent)
    : QWidget(parent), tokens_(tokens) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(6, 6, 6, 6);
    v->addWidget(buildControls(run, stop));
    chips_ = new TokenChipView(this);
    chips_->setObjectName(QStringLiteral("tokenChips"));
    chips_->setModel(tokens);
    v->addWidget(chips_, 1);
    details_ = new QLabel(this);
    details_->setTextFormat(Qt::RichText);
    details_->setWordWrap(true);
    details_->setMinimumHeight(details_->fontMetrics().lineSpacing() * 2);
    details_->setText(kHint);
    v->addWidget(details_);
    connect(chips_, &TokenChipView::tokenHovered, this,
            [this](int row) { showDetails(row >= 0 ? row : chips_->selectedToken()); });
}

QWidget* TokenPane::buildControls(QAction* run, QAction* stop) {
    auto* box = new QWidget(this);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    prompt_ = new QPlainTextEdit(box);
    prompt_->setObjectName(QStringLiteral("promptEdit"));
    prompt_->setPlaceholderText(QStringLiteral("Prompt (empty: start from BOS)"));
    prompt_->setFixedHeight(prompt_->fontMetrics().lineSpacing() * 3 + 14);
    prompt_->setTabChangesFocus(true);
    row->addWidget(prompt_, 1);
    auto* params = new QVBoxLayout;
    auto* line1 = new QHBoxLayout;
    runButton_ = new QPushButton(run->icon(), QStringLiteral("Run"), box);
    stopButton_ = new QPushButton(stop->icon(), QStringLiteral("Stop"), box);
    connect(runButton_, &QPushButton::clicked, run, &QAction::trigger);
    connect(stopButton_, &QPushButton::clicked, stop, &QAction::trigger);
    line1->addWidget(runButton_);
    line1->addWidget(stopButton_);
    params->addLayout(line1);
    auto* line2 = new QHBoxLayout;
    maxTokens_ = new QSpinBox(box);
    maxTokens_->setRange(1, 1 << 20);
    maxTokens_->setValue(128);
    maxTokens_->setPrefix(QStringLiteral("new tokens "));
    temperature_ = new QDoubleSpinBox(box);
    temperature_->setRange(0, 5);
    temperature_->setSingleStep(0.1);
    temperature_->setValue(0.8);
    temperature_->setPrefix(QStringLiteral("temp "));
    temperature_->setToolTip(QStringLiteral("0 = greedy"));
    seed_ = new QSpinBox(box);
    seed_->setRange(1, 1 << 30);
    seed_->setValue(42);
    seed_->setPrefix(QStringLiteral("seed "));
    line2->addWidget(maxTokens_);
    line2->addWidget(temperature_);
    line2->addWidget(seed_);
    params->addLayout(line2);
    row->addLayout(params);
    return box;
}

RunRequest TokenPane::request() const {
    RunRequest r;
    r.prompt = prompt_->toPlainText();
    r.maxNewTokens = maxTokens_->value();
    r.temperature = static_cast<float>(temperature_->value());
    r.seed = static_cast<uint64_t>(seed_->value());
    return r;
}

void TokenPane::setRunEnabled(bool run, bool stop) {
    runButton_->setEnabled(run);
    stopButton_->setEnabled(stop);
}

void TokenPane::showDetails(int row) {
    details_->setText(row >= 0 ? tokens_->describe(row, false).replace(
                                     QStringLiteral("<br>"), QStringLiteral(" &nbsp;|&nbsp; "))
                               : kHint);
}

void TokenPane::restore(const QSettings& s) {
    prompt_->setPlainText(
        s.value(QStringLiteral("prompt"), QStringLiteral("Once upon a time")).toString());
    maxTokens_->setValue(s.value(QStringLiteral("maxNewTokens"), 128).toInt());
    temperature_->setValue(s.value(QStringLiteral("temperature"), 0.8).toDouble());
    seed_->setValue(s.value(QStringLiteral("seed"), 42).toInt());
}

void TokenPane::save(QSettings& s) const {
    s.setValue(QStringLiteral("prompt"), prompt_->toPlainText());
    s.setValue(QStringLiteral("maxNewTokens"), maxTokens_->value());
    s.setValue(QStringLiteral("temperature"), temperature_->value());
    s.setValue(QStringLiteral("seed"), seed_->value());
}

} // namespace mobi
