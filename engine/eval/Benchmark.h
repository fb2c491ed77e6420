// The `bench` protocol: machine read bandwidth, batched prefill and decode
// speed of a model, and weight traffic per decoded token, in one run.
#pragma once

#include "model/Model.h"
#include "precision/Precision.h"

#include <cstdint>

namespace mobi {

struct BenchOptions {
    int threads = 0;       // 0 = all cores
    int promptTokens = 64; // prefill batch
    int genTokens = 32;    // decoded tokens after the prefill
    int repeats = 3;       // best of
    uint64_t seed = 1;
    // Uniform level, or the routers at a budget, and the sliced kernels'
    // activations (applyPrecision).
    Precision precision;
};

struct BenchResult {
    int threads = 0;
    double bandwidthGBs = 0; // best streaming read bandwidth with `threads`
    double prefillTokPerS = 0;
    double decodeTokPerS = 0;
    double bytesPerToken = 0; // weight bytes one decode step reads
    double decodeGBs = 0;     // bytesPerToken * decode tok/s
    // Median over repeats of (decode GB/s / bandwidth probed just before it).
    double bandwidthFraction = 0;
    double peakRssBytes = 0; // process peak resident memory after a warm-up run, before probing
    // Routed: average bits of the decode steps' (token, block)
    // decisions in the warm-up run, and bytesPerToken weighted by them.
    double routedBits = 0;
};

// Weight bytes a single-token decode step reads: every block matrix, norms,
// the classifier and one embedding row.
// A sliced model reads the planes and scales of `level` (0 = top) instead of
// dense block matrices.
double decodeBytesPerToken(const Model& model, int level = 0);

BenchResult runBenchmark(const Model& model, const BenchOptions& options);

} // namespace mobi
