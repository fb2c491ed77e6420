// Per-token results of a run (prefill + generation) as plain values the worker hands to views.
#pragma once

#include <QString>
#include <QVector>

#include <cmath>
#include <vector>

namespace mobi {

struct TokenAlternative {
    int id = -1;
    QString piece;
    float logprob = NAN;
};

struct TokenRecord {
    int id = -1;
    int position = 0;
    QString piece;            // decoded text of the token as it prints
    bool prompt = false;      // part of the prompt (BOS included) rather than generated
    float logprob = NAN;      // log p(token | prefix); NaN for the first token (nothing predicts it)
    float entropy = NAN;      // entropy (nats) of the distribution the token was drawn from
    std::vector<TokenAlternative> top; // most likely tokens at this position, best first
    std::vector<float> layerRms;       // RMS of the residual stream after each block
    std::vector<float> layerChange;    // ||out - in|| / ||in|| of each block
    std::vector<int> layerLevel;       // precision level per block; empty until sliced models
    // Router scores of a routed model, layers x routerScoreWidth (the K-1
    // outputs of each block's router); empty otherwise.
    std::vector<float> layerRouterScores;
    int routerScoreWidth = 0;
    float routerScore = NAN;           // mean router score; NaN until routed models
};

using TokenRecords = QVector<TokenRecord>;

} // namespace mobi
