// MoBiRoute calibration: router training targets from measured block errors,
// the routers, and the budget tables.
//
// Objective (documented choice). For block l, token t and optional slice k,
// the gain of the slice is g_k = e_{k-1} - e_k, with e_k the residual-stream
// error the block adds at level k (BlockErrors::residualErr). The router of
// block l regresses, from the block's normalized input, the log gain per bit
//     s_k = log(max(g_k, floor_k) / (bits_k - bits_{k-1}))
// by mean squared error. Spending a bit wherever s is highest is the greedy
// (Lagrangian) solution of "least total error for a given average bits", so
// one threshold lambda on s turns the predictions into levels, and the same
// lambda is comparable across blocks (global allocation). floor_k (1e-3 of
// the median positive gain of slice k) keeps the log finite for tokens a
// slice does not help.
//
// Defaults, measured on stories260K (docs/RESULTS.md): e_k is the absolute
// error (normalised by the block's mean ||y||^2, not each token's: tokens with
// a large residual stream keep their weight), raised to the power 2 before
// taking gains. Errors compound across blocks faster than additively, so a
// convex cost that punishes large errors (tokens left at the lowest level)
// more matches perplexity better than the plain sum (power 1).
#pragma once

#include "route/BlockErrors.h"
#include "route/ErrorTable.h"
#include "route/LinearErrors.h"
#include "route/RouterSet.h"
#include "route/RouterTrainer.h"

#include <atomic>
#include <functional>
#include <vector>

namespace mobi {

// Which block error e_k the gains are taken from.
//  relative: BlockErrors::residualErr (per-token normalised)
//  absolute: BlockErrors::absoluteErr (normalised by the block's mean)
//  kl:       measureOutputKl (the block alone at the level, KL of the
//            next-token distribution; one forward per block and level)
enum class ErrorMeasure : uint8_t { Relative, Absolute, Kl };
const char* errorMeasureName(ErrorMeasure m);
ErrorMeasure parseErrorMeasure(const std::string& s, const std::string& where = "--error");

// The block errors as a table with one unit per block.
ErrorTable blockErrorTable(const BlockErrors& e, ErrorMeasure measure);

// True scores s_k (above) of every token of `unit`: tokens x (K-1), with e_k
// raised to `power` before taking gains (floors from all units). levelBits
// has e.levels entries. Throws EngineError for a power <= 0.
std::vector<float> gainScores(const ErrorTable& e, const std::vector<int>& levelBits, int unit,
                              double power = 2.0);

// gainScores of blockErrorTable(e, measure) for block `layer`.
std::vector<float> errorScores(const BlockErrors& e, const std::vector<int>& levelBits, int layer,
                               ErrorMeasure measure = ErrorMeasure::Absolute, double power = 2.0);

struct RouterCalibrationOptions {
    RouterTrainOptions train{32, 60, 64, 3e-3f, 1e-4f, 1, 0.1f};
    ErrorMeasure measure = ErrorMeasure::Absolute;
    double power = 2.0;
    int tablePoints = 257;
    int threads = 0; // blocks are trained in parallel
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(int done, int total)> progress; // blocks trained
};

struct RouterCalibrationReport {
    std::vector<RouterTrainReport> layers; // per router
    // Spearman rank correlation, per router, between predicted and true s_2
    // on the calibration tokens (how well the router orders tokens).
    std::vector<double> rankCorrelation;
};

// One router per block. Needs e.routerInput (measureBlockErrors with
// keepRouterInputs). Throws EngineError for errors without router inputs or
// levels that do not match.
// `errors`, when given, replaces the errors of e (e.g. measureOutputKl on the
// same tokens), e supplying the router inputs.
RouterSet calibrateRouters(const BlockErrors& e, const std::vector<int>& levelBits,
                           const RouterCalibrationOptions& options,
                           RouterCalibrationReport* report = nullptr,
                           const ErrorTable* errors = nullptr);
// One router per linear (options.measure does not apply: linear errors are
// absolute, normalised by each linear's mean ||W x||^2). shares: the seven
// linears' parameter shares (linearParamShares), weighting the global table.
RouterSet calibrateLinearRouters(const LinearErrors& e, const std::vector<int>& levelBits,
                                 const std::array<double, kLinearsPerBlock>& shares,
                                 const RouterCalibrationOptions& options,
                                 RouterCalibrationReport* report = nullptr);

} // namespace mobi
