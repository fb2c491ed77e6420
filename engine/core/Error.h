// Typed errors raised at the engine's boundaries (files, user input).
#pragma once

#include <stdexcept>
#include <string>

namespace mobi {

// An error a user can act on: `where` names the file (or flag, or input) and
// `what()` gives "where: problem" so front ends can print it on one line.
class EngineError : public std::runtime_error {
public:
    EngineError(std::string where, const std::string& problem)
        : std::runtime_error(where.empty() ? problem : where + ": " + problem),
          where_(std::move(where)), problem_(problem) {}
    const std::string& where() const { return where_; }
    const std::string& problem() const { return problem_; }

private:
    std::string where_;
    std::string problem_;
};

// Input file is malformed, truncated or hostile.
class FormatError : public EngineError {
public:
    using EngineError::EngineError;
};

// Input is well-formed but uses something we do not support (dtype, arch).
class UnsupportedError : public EngineError {
public:
    using EngineError::EngineError;
};

} // namespace mobi
