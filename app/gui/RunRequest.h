// What a run asks the worker for, and what it reports at the end (plain values across threads).
#pragma once

#include "TokenRecord.h"

#include "precision/Precision.h"

#include <QMetaType>
#include <QString>

#include <cmath>
#include <cstdint>

namespace mobi {

struct RunRequest {
    QString prompt;
    int maxNewTokens = 128;  // generated tokens after the prompt (capped by the context)
    float temperature = 0.8f; // 0 = greedy
    int topK = 0;
    float topP = 0.95f;
    uint64_t seed = 42;
    Precision precision; // the document's setting (ModelDocument::run fills it)
};

// Teacher-forced re-scoring of a run's tokens at another precision.
struct ScoreRequest {
    TokenRecords tokens; // the run's records (ids, pieces, prompt flags are kept)
    Precision precision;
};

// What a level change achieved over the current text.
struct ScoreSummary {
    int level = 0;            // uniform level; 0 when routed
    double budget = NAN;      // requested average bits of a routed model; NaN when uniform
    bool perLayer = false;    // the routed budget's allocation
    // Uniform level: effective bits per sliced weight. Routed: the achieved
    // average of the chosen levels' bits over all token x block decisions.
    double averageBits = NAN;
    double perplexity = NAN;  // exp of the mean NLL over the scored tokens (all but the first)
    int scoredTokens = 0;
    double seconds = 0; // 0 when taken from a run rather than a re-score
    bool routed() const { return std::isfinite(budget); }
};

// exp(mean -log p) over the tokens that have a log-probability.
inline double perplexityOf(const TokenRecords& tokens, int* scored = nullptr) {
    double nll = 0;
    int n = 0;
    for (const TokenRecord& r : tokens)
        if (std::isfinite(r.logprob)) nll -= r.logprob, ++n;
    if (scored) *scored = n;
    return n > 0 ? std::exp(nll / n) : NAN;
}

struct RunSummary {
    int promptTokens = 0;
    int generatedTokens = 0;
    double prefillSeconds = 0;
    double decodeSeconds = 0;
    QString stopReason; // "length", "end of text", "context full", "stopped"
    double tokensPerSecond() const {
        return decodeSeconds > 0 ? generatedTokens / decodeSeconds : 0;
    }
};

} // namespace mobi

Q_DECLARE_METATYPE(mobi::RunRequest)
Q_DECLARE_METATYPE(mobi::RunSummary)
Q_DECLARE_METATYPE(mobi::ScoreRequest)
Q_DECLARE_METATYPE(mobi::ScoreSummary)
