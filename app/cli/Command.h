// The subcommands of mobiscope-cli; each lives in its own Cmd*.cpp.
#pragma once

#include <string>
#include <vector>

namespace cli {

struct Command {
    const char* name;
    const char* summary;
    // Parses its own arguments (with --help) and returns the exit code.
    int (*run)(const std::vector<std::string>& args);
};

// All commands, in the order `mobiscope-cli --help` lists them.
const std::vector<Command>& commands();

} // namespace cli
