#include "TokenListModel.h"

#include "PrecisionSource.h"

#include <QStringList>

#include <algorithm>
#include <cmath>

namespace mobi {

QString displayPiece(const QString& piece) {
    QString s = piece;
    s.replace(QLatin1Char('\n'), QStringLiteral("\u21b5"));
    s.replace(QLatin1Char('\t'), QStringLiteral("\u21e5"));
    if (s.isEmpty()) s = QStringLiteral("\u2205");
    return s;
}

TokenListModel::TokenListModel(QObject* parent) : QAbstractTableModel(parent) {}

int TokenListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(records_.size());
}

int TokenListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

const TokenRecord* TokenListModel::record(int row) const {
    return row >= 0 && row < records_.size() ? &records_[row] : nullptr;
}

int TokenListModel::layerCount() const {
    for (const TokenRecord& r : records_)
        if (!r.layerRms.empty()) return static_cast<int>(r.layerRms.size());
    return 0;
}

QColor TokenListModel::colorAt(int row) const {
    const TokenRecord* r = record(row);
    if (!r) return {};
    return tokenMeasureColor(measure_, tokenMeasureValue(measure_, *r, source_),
                             tokenMeasureRange(measure_, vocabSize_, source_));
}

bool TokenListModel::updateRecords(const TokenRecords& records) {
    if (records.size() != records_.size()) return false;
    records_ = records;
    if (!records_.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    return true;
}

static QString number(double v, int decimals = 3) {
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("-");
}

QString TokenListModel::describe(int row, bool blockTable) const {
    const TokenRecord* r = record(row);
    if (!r) return {};
    QString s = QStringLiteral("<b>%1</b> &nbsp; id %2, position %3%4<br>")
                    .arg(displayPiece(r->piece).toHtmlEscaped())
                    .arg(r->id)
                    .arg(r->position)
                    .arg(r->prompt ? QStringLiteral(" (prompt)") : QString());
    s += QStringLiteral("log p = %1 &nbsp; (p = %2)<br>entropy = %3 nats<br>")
             .arg(number(r->logprob), number(std::exp(r->logprob), 4), number(r->entropy));
    if (!r->layerLevel.empty() && source_ && source_->hasLevels()) {
        const auto [lo, hi] = std::minmax_element(r->layerLevel.begin(), r->layerLevel.end());
        if (*lo == *hi)
            s += source_->levelLabel(*lo).toHtmlEscaped() + QStringLiteral("<br>");
        else
            s += QStringLiteral("levels %1\u2013%2, %3 b/w over the blocks<br>")
                     .arg(*lo)
                     .arg(*hi)
                     .arg(number(tokenMeasureValue(TokenMeasure::LevelBits, *r, source_), 2));
        if (source_->hasRouter() && !blockTable) {
            QStringList levels;
            for (int level : r->layerLevel)
                levels << QString::number(level);
            s += QStringLiteral("levels by block: %1<br>").arg(levels.join(QStringLiteral(" ")));
        } else if (source_->hasRouter()) {
            // Routed: every block's level and its router's scores (one per level step).
            const int w = r->routerScoreWidth;
            const size_t layers = r->layerLevel.size();
            s += QStringLiteral("<table cellspacing=0 cellpadding=1><tr><th align=left>block</th>"
                                "<th>&nbsp;level</th><th>&nbsp;bits</th>%1</tr>")
                     .arg(w > 0 ? QStringLiteral("<th align=left>&nbsp;router scores</th>")
                                : QString());
            for (size_t l = 0; l < layers; ++l) {
                QStringList scores;
                for (int j = 0; j < w; ++j) {
                    const size_t at = l * static_cast<size_t>(w) + static_cast<size_t>(j);
                    if (at < r->layerRouterScores.size())
                        scores << number(r->layerRouterScores[at], 2);
                }
                s += QStringLiteral("<tr><td>L%1</td><td align=right>%2</td><td align=right>%3</td>"
                                    "<td>&nbsp;%4</td></tr>")
                         .arg(l)
                         .arg(r->layerLevel[l])
                         .arg(source_->nominalBits(r->layerLevel[l]))
                         .arg(scores.join(QStringLiteral(" ")));
            }
            s += QStringLiteral("</table>");
        }
    }
    if (!r->top.empty()) {
        s += QStringLiteral("<table cellspacing=0 cellpadding=1>");
        for (const TokenAlternative& a : r->top)
            s += QStringLiteral("<tr><td>%1</td><td>&nbsp;%2</td><td align=right>&nbsp;%3</td></tr>")
                     .arg(a.id == r->id ? QStringLiteral("\u25b6") : QString())
                     .arg(displayPiece(a.piece).toHtmlEscaped())
                     .arg(number(std::exp(a.logprob), 4));
        s += QStringLiteral("</table>");
    }
    return s;
}

QVariant TokenListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TokenRecord& r = records_[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case PositionColumn: return r.position;
        case PieceColumn: return displayPiece(r.piece);
        case IdColumn: return r.id;
        case LogProbColumn: return std::isfinite(r.logprob) ? QVariant(r.logprob) : QVariant();
        case EntropyColumn: return std::isfinite(r.entropy) ? QVariant(r.entropy) : QVariant();
        }
        return {};
    case Qt::BackgroundRole: return colorAt(index.row());
    case Qt::ToolTipRole: return describe(index.row());
    case MeasureValueRole: return tokenMeasureValue(measure_, r, source_);
    case PromptRole: return r.prompt;
    case TokenIdRole: return r.id;
    }
    return {};
}

QVariant TokenListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case PositionColumn: return QStringLiteral("Pos");
    case PieceColumn: return QStringLiteral("Token");
    case IdColumn: return QStringLiteral("Id");
    case LogProbColumn: return QStringLiteral("Log p");
    case EntropyColumn: return QStringLiteral("Entropy");
    }
    return {};
}

void TokenListModel::clear() {
    beginResetModel();
    records_.clear();
    endResetModel();
}

void TokenListModel::append(const TokenRecords& records) {
    if (records.isEmpty()) return;
    const int first = static_cast<int>(records_.size());
    beginInsertRows({}, first, first + static_cast<int>(records.size()) - 1);
    records_ += records;
    endInsertRows();
}

void TokenListModel::setMeasure(TokenMeasure m) {
    if (m == measure_) return;
    measure_ = m;
    if (!records_.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                         {Qt::BackgroundRole, MeasureValueRole});
    emit measureChanged(m);
}

void TokenListModel::setPrecisionSource(const PrecisionSource* source) {
    source_ = source;
    if (!records_.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                         {Qt::BackgroundRole, MeasureValueRole});
}

void TokenListModel::setVocabSize(int n) { vocabSize_ = n; }

} // namespace mobi
