// What a run asks the worker for, and what it reports at the end (plain values across threads).
#pragma once

#include <QMetaType>
#include <QString>

#include <cstdint>

namespace mobi {

struct RunRequest {
    QString prompt;
    int maxNewTokens = 128;  // generated tokens after the prompt (capped by the context)
    float temperature = 0.8f; // 0 = greedy
    int topK = 0;
    float topP = 0.95f;
    uint64_t seed = 42;
};

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
