// Item model of a run's tokens: one row per token, coloured by the chosen measure.
#pragma once

#include "TokenMeasure.h"
#include "TokenRecord.h"

#include <QAbstractTableModel>

namespace mobi {

class TokenListModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PositionColumn, PieceColumn, IdColumn, LogProbColumn, EntropyColumn, ColumnCount };
    enum Role {
        MeasureValueRole = Qt::UserRole + 1, // double, value of the current measure
        PromptRole,                          // bool
        TokenIdRole,                         // int
    };

    explicit TokenListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const final;
    int columnCount(const QModelIndex& parent = {}) const final;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const final;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const final;

    void clear();
    void append(const TokenRecords& records);
    // New values for the same tokens (a re-score at another level): rows stay,
    // so views keep their selection; emits dataChanged over every row.
    // Ignored unless the row count matches.
    bool updateRecords(const TokenRecords& records);
    const TokenRecords& records() const { return records_; }
    const TokenRecord* record(int row) const;

    TokenMeasure measure() const { return measure_; }
    void setMeasure(TokenMeasure m);
    // Source of levels and bits; not owned, may be null.
    void setPrecisionSource(const PrecisionSource* source);
    const PrecisionSource* precisionSource() const { return source_; }
    void setVocabSize(int n);
    int vocabSize() const { return vocabSize_; }
    int layerCount() const;
    QColor colorAt(int row) const;
    // Multi-line description for tooltips (id, piece, position, measures, top alternatives).
    // For a routed model, blockTable adds each block's level and router scores
    // as a table; without it they are one line of levels.
    QString describe(int row, bool blockTable = true) const;

signals:
    void measureChanged(mobi::TokenMeasure measure);

private:
    TokenRecords records_;
    TokenMeasure measure_ = TokenMeasure::LogProb;
    const PrecisionSource* source_ = nullptr;
    int vocabSize_ = 0;
};

// Escapes newlines and tabs so a token piece fits on one line.
QString displayPiece(const QString& piece);

} // namespace mobi
