// The model document's Tokens tab: the prompt and run controls, the token
// chips and the details line of the hovered or selected token.
#pragma once

#include "RunRequest.h"

#include <QWidget>

class QAction;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSettings;
class QSpinBox;

namespace mobi {

class TokenChipView;
class TokenListModel;

class TokenPane final : public QWidget {
    Q_OBJECT
public:
    TokenPane(TokenListModel* tokens, QAction* run, QAction* stop, QWidget* parent = nullptr);

    // Prompt and sampling as entered (the document adds its precision).
    RunRequest request() const;
    void setRunEnabled(bool run, bool stop);
    // The details line for `row` (-1: the hint).
    void showDetails(int row);
    void restore(const QSettings& s);
    void save(QSettings& s) const;

    TokenChipView* chips() const { return chips_; }
    QPlainTextEdit* prompt() const { return prompt_; }
    QSpinBox* maxTokens() const { return maxTokens_; }
    QDoubleSpinBox* temperature() const { return temperature_; }

private:
    QWidget* buildControls(QAction* run, QAction* stop);

    TokenListModel* tokens_;
    QPlainTextEdit* prompt_ = nullptr;
    QSpinBox* maxTokens_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* stopButton_ = nullptr;
    TokenChipView* chips_ = nullptr;
    QLabel* details_ = nullptr;
};

} // namespace mobi
