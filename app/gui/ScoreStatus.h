// The status-bar line (and its tooltip) that says at what precision the text
// shown was scored: level, bits and perplexity, or the routed budget against
// what the routers achieved; earlier levels' perplexities for comparison.
#pragma once

#include "RunRequest.h"

#include <QMap>
#include <QString>

namespace mobi {

struct ScoreStatus {
    QString text, toolTip;
};

// perplexityByLevel collects the uniform levels seen on this text.
ScoreStatus describeScore(const ScoreSummary& s, QMap<int, double>& perplexityByLevel);

} // namespace mobi
