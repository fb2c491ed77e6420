#include "ScoreStatus.h"

#include <QStringList>

namespace mobi {

ScoreStatus describeScore(const ScoreSummary& s, QMap<int, double>& perplexityByLevel) {
    ScoreStatus out;
    if (s.routed()) {
        // Requested budget next to what the routers achieved on this text.
        out.text = QStringLiteral("routed %1: budget %2 \u2192 %3 bits achieved \u00b7 perplexity %4")
                       .arg(s.perLayer ? QStringLiteral("per layer") : QStringLiteral("globally"))
                       .arg(s.budget, 0, 'f', 2)
                       .arg(s.averageBits, 0, 'f', 2)
                       .arg(s.perplexity, 0, 'f', 3);
        if (s.seconds > 0)
            out.text += QStringLiteral(" (re-routed %1 tokens in %2 ms)")
                            .arg(s.scoredTokens + 1)
                            .arg(s.seconds * 1000, 0, 'f', 1);
        out.toolTip = QStringLiteral("Achieved: mean bits of the levels the routers chose over "
                                     "every token x block; perplexity over the %1 scored tokens")
                          .arg(s.scoredTokens);
        return out;
    }
    if (s.level <= 0) return out;
    out.text = QStringLiteral("level %1 \u00b7 %2 b/w \u00b7 perplexity %3")
                   .arg(s.level)
                   .arg(s.averageBits, 0, 'f', 2)
                   .arg(s.perplexity, 0, 'f', 3);
    perplexityByLevel[s.level] = s.perplexity;
    QStringList others;
    for (auto it = perplexityByLevel.constBegin(); it != perplexityByLevel.constEnd(); ++it)
        if (it.key() != s.level)
            others << QStringLiteral("level %1: %2").arg(it.key()).arg(it.value(), 0, 'f', 3);
    if (!others.isEmpty()) out.text += QStringLiteral(" [%1]").arg(others.join(QStringLiteral(", ")));
    if (s.seconds > 0)
        out.text += QStringLiteral(" (re-scored %1 tokens in %2 ms)")
                        .arg(s.scoredTokens + 1)
                        .arg(s.seconds * 1000, 0, 'f', 1);
    out.toolTip = QStringLiteral("Perplexity: exp of the mean negative log-likelihood of the %1 "
                                 "scored tokens at this level")
                      .arg(s.scoredTokens);
    return out;
}

} // namespace mobi
