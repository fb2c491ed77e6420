// mobiscope-cli: the headless front end; every GUI capability, scriptable.
#include "ArgParser.h"
#include "Command.h"

#include "core/Error.h"

#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace {

void printUsage(FILE* out) {
    std::fprintf(out, "usage: mobiscope-cli COMMAND [ARGS] [--help]\n\n"
                      "Explore and profile elastic, mixed-precision LLM inference.\n\n"
                      "commands:\n");
    for (const cli::Command& c : cli::commands())
        std::fprintf(out, "  %-20s %s\n", c.name, c.summary);
    std::fprintf(out, "\nRun 'mobiscope-cli COMMAND --help' for a command's options.\n"
                      "MODEL is a llama2.c .bin, a GGUF file, or a Hugging Face directory.\n");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        printUsage(stdout);
        return 0;
    }
    if (name == "--version") {
        std::printf("mobiscope-cli 0.1.0\n");
        return 0;
    }
    const cli::Command* cmd = nullptr;
    for (const cli::Command& c : cli::commands())
        if (name == c.name) cmd = &c;
    if (!cmd) {
        std::fprintf(stderr,
                     "mobiscope-cli: unknown command '%s'\n"
                     "Run 'mobiscope-cli --help' for the list of commands.\n",
                     name.c_str());
        return 2;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    try {
        return cmd->run(args);
    } catch (const cli::UsageError& e) {
        std::fprintf(stderr, "mobiscope-cli %s: %s\nRun 'mobiscope-cli %s --help' for usage.\n",
                     cmd->name, e.what(), cmd->name);
        return 2;
    } catch (const mobi::EngineError& e) {
        std::fprintf(stderr, "mobiscope-cli %s: error: %s\n", cmd->name, e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "mobiscope-cli %s: error: out of memory\n", cmd->name);
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mobiscope-cli %s: error: %s\n", cmd->name, e.what());
        return 1;
    }
}
