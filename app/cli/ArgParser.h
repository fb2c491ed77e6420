// Declarative command-line parsing for mobiscope-cli subcommands: every
// option is declared (so --help tells the truth) and every value validated.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cli {

// A malformed command line; main prints it with the usage hint, exit code 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class ArgParser {
  public:
    ArgParser(std::string command, std::string summary);

    // --name VALUE (with optional short alias such as "-n").
    ArgParser& option(const std::string& name, const std::string& valueName,
                      const std::string& help, const std::string& def = "",
                      const std::string& shortName = "");
    // --name with no value.
    ArgParser& flag(const std::string& name, const std::string& help);
    // Positional argument, in declaration order.
    ArgParser& positional(const std::string& name, const std::string& help, bool required = true);

    // Throws UsageError on unknown flags, missing values or positionals.
    // Returns false when --help was asked for (help() was printed).
    bool parse(const std::vector<std::string>& args);

    bool has(const std::string& name) const;
    std::string get(const std::string& name) const;
    int getInt(const std::string& name, int min, int max) const;
    long long getInt64(const std::string& name, long long min, long long max) const;
    double getDouble(const std::string& name, double min, double max) const;
    bool flagSet(const std::string& name) const;

    std::string help() const;

  private:
    struct Spec {
        std::string name, shortName, valueName, help, def;
        bool isFlag = false;
    };
    struct Pos {
        std::string name, help;
        bool required;
    };
    const Spec* findSpec(const std::string& arg) const;

    std::string command_, summary_;
    std::vector<Spec> specs_;
    std::vector<Pos> positionals_;
    std::map<std::string, std::string> values_;
    std::map<std::string, bool> flags_;
};

} // namespace cli
