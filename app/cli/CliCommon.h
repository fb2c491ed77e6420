// Helpers shared by the CLI commands: common options, model loading, JSON.
#pragma once

#include "ArgParser.h"

#include "io/ModelLoader.h"

#include <string>

namespace cli {

// Adds --tokenizer FILE and --threads N.
void addModelOptions(ArgParser& p);
// --threads value (0 = all cores), validated.
int threadsOption(const ArgParser& p);
// Loads positional MODEL with --tokenizer; needTokenizer makes a missing one an error.
mobi::Model loadModelArg(const ArgParser& p, bool needTokenizer);
// Reads a whole text file; EngineError naming it on failure.
std::string readTextFile(const std::string& path);

} // namespace cli
