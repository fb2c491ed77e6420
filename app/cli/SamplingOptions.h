// --temp / --top-k / --top-p / --seed: how the commands that generate text
// sample (generate, profile). One declaration and one reading; each command
// states its defaults (generate follows run.c, profile is greedy).
#pragma once

#include "ArgParser.h"

#include "model/Sampler.h"

namespace cli {

// Defaults a command gives the options (the engine's SamplerConfig fields).
mobi::SamplerConfig runcSamplingDefaults();   // temp 1.0, top-p 0.9, seed 0 = clock
mobi::SamplerConfig greedySamplingDefaults(); // temp 0, top-p off, seed 1

void addSamplingOptions(ArgParser& p, const mobi::SamplerConfig& defaults);
// The values given (validated: temp 0..100, top-k >= 0, top-p 0..1, seed >= 0).
mobi::SamplerConfig samplingOption(const ArgParser& p);

} // namespace cli
