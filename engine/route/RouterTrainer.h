// Fits a RouterMlp to per-row regression targets (MoBiRoute calibration:
// per token, the predicted benefit of each optional slice) by weighted mean
// squared error with Adam.
#pragma once

#include "route/RouterMlp.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace mobi {

struct RouterTrainOptions {
    int hidden = 32;
    int epochs = 60;
    int batch = 256;
    float lr = 3e-3f;
    float weightDecay = 1e-4f; // decoupled (AdamW), on w1 and w2 only
    uint64_t seed = 1;
    float validationShare = 0.1f; // in [0, 1)
};

struct RouterTrainReport {
    double trainLoss = 0;      // weighted MSE on the training rows, kept parameters
    double validationLoss = 0; // weighted MSE on the validation rows, kept parameters
    double baselineLoss = 0;   // validation loss of predicting the per-output training mean
    int epochsRun = 0;
    int bestEpoch = 0; // 1-based epoch whose parameters were kept
    int trainRows = 0, validationRows = 0;
};

// Fits logits = f(x) to targets by weighted mean squared error (sum of
// w * (y - t)^2 over entries, divided by the sum of w) with Adam.
// X: n x in, targets: n x out, weights: n x out (>= 0; 0 = ignore that entry,
// whose target may then be non-finite) or nullptr for all 1. Rows whose
// weights are all 0 are ignored entirely.
// Inputs are standardised per feature and targets per output during
// training; both are folded into the result, so forward() takes raw x and
// returns targets in their own units.
// Keeps the parameters of the epoch with the lowest validation loss
// (validation = a seeded random validationShare of rows; with fewer than 20
// rows, all rows train and validate). Deterministic for a given seed.
// Throws EngineError on bad input or options, and
// EngineError("router training", "cancelled") when cancelled() returns true
// before an epoch.
RouterMlp trainRouter(const float* X, const float* targets, const float* weights, int n, int in,
                      int out, const RouterTrainOptions& opt, RouterTrainReport* report = nullptr,
                      const std::function<bool()>& cancelled = {});

// The same weighted MSE as trainRouter minimises, computed in double for m on
// raw X, and, if gradient is not null, its analytic gradient with respect to
// w1, b1, w2, b2 (concatenated in that order, m.parameterCount() values).
// Entries with weight 0 are skipped; returns 0 when no weight is positive.
double routerLoss(const RouterMlp& m, const float* X, const float* targets, const float* weights,
                  int n, std::vector<float>* gradient);

} // namespace mobi
