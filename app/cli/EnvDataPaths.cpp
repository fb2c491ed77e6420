#include "EnvDataPaths.h"

#include "ArgParser.h"

#include "agent/EnvFactory.h"

#include <cstdlib>
#include <filesystem>

namespace cli {

namespace {

bool isEvalSplit(const std::filesystem::path& p) {
    for (const auto& part : p) {
        const std::string s = part.string();
        if (s.rfind("valid_", 0) == 0) return true;
    }
    return false;
}

} // namespace

std::string envDataDir() {
    const char* env = std::getenv("MOBISCOPE_DATA");
    return env && *env ? env : "../shared/data";
}

void refuseEvalGames(const std::string& path, const std::string& command) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(fs::path(path), ec);
    bool eval = isEvalSplit(ec ? fs::path(path) : canon) || isEvalSplit(fs::path(path));
    if (!eval && fs::is_directory(path, ec))
        for (const std::string& g : mobi::EnvFactory::findGames(path))
            if (isEvalSplit(fs::weakly_canonical(fs::path(g), ec))) {
                eval = true;
                break;
            }
    if (eval)
        throw UsageError(command + ": '" + path +
                         "' holds ALFWorld evaluation games (valid_*): they are for evaluation "
                         "only and must never feed training; use the train split");
}

} // namespace cli
