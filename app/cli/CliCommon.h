// Helpers shared by the CLI commands: common options, model loading, JSON.
#pragma once

#include "ArgParser.h"

#include "io/ModelLoader.h"

#include <string>
#include <utility>
#include <vector>

namespace cli {

// Adds --tokenizer FILE and --threads N.
void addModelOptions(ArgParser& p);
// --parse-special (in addModelOptions; loadModelArg applies it).
void addParseSpecialFlag(ArgParser& p);
// --threads value (0 = all cores), validated.
int threadsOption(const ArgParser& p);
// Loads positional MODEL with --tokenizer; needTokenizer makes a missing one an error.
mobi::Model loadModelArg(const ArgParser& p, bool needTokenizer);
// Adds --level K and --bits B (MoBiSlice precision of a sliced model).
void addLevelOptions(ArgParser& p);
// The level --level/--bits ask for, 0 when neither is given. UsageError when
// both are given, the model is not sliced, or the level/bits do not exist
// (the message lists the available ones).
int levelOption(const ArgParser& p, const mobi::Model& m);
// "1 (2 bits), 2 (3 bits), ..." for error messages and info.
std::string availableLevels(const mobi::Model& m);
// `command SUB [args]`: runs the subcommand named by args[0] with the rest.
// No arguments: UsageError with `usage`; --help/-h: prints `usage`, exit 0;
// an unknown name: UsageError naming it.
using Subcommand = int (*)(const std::vector<std::string>&);
int runSubcommand(const std::string& command, const std::vector<std::string>& args,
                  const std::string& usage,
                  const std::vector<std::pair<std::string, Subcommand>>& subcommands);
// Reads a whole text file; EngineError naming it on failure.
std::string readTextFile(const std::string& path);

} // namespace cli
