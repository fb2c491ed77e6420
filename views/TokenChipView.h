// Token chips: a painted, wrapping flow of the run's tokens coloured by the model's measure.
#pragma once

#include "ChipLayout.h"

#include <QAbstractScrollArea>
#include <QPointer>

namespace mobi {

class TokenListModel;

class TokenChipView final : public QAbstractScrollArea {
    Q_OBJECT
public:
    explicit TokenChipView(QWidget* parent = nullptr);
    void setModel(TokenListModel* model);
    TokenListModel* model() const { return model_; }

    int chipCount() const { return static_cast<int>(rects_.size()); }
    QRect chipRect(int row) const; // in viewport coordinates
    QColor chipColor(int row) const;
    int selectedToken() const { return selected_; }
    void setSelectedToken(int row);

signals:
    void tokenSelected(int row);
    void tokenHovered(int row); // -1 when leaving

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;
    bool viewportEvent(QEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;

private:
    void relayout();
    void appendRows(int first, int last);
    int chipAt(const QPoint& viewportPos) const;
    void updateScrollBar();

    QPointer<TokenListModel> model_;
    ChipLayout layout_;
    QVector<int> widths_;
    QVector<QRect> rects_;
    int selected_ = -1;
    int hovered_ = -1;
};

} // namespace mobi
