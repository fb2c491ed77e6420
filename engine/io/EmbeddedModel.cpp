#include "io/EmbeddedModel.h"

#include "core/Error.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace mobi {

namespace fs = std::filesystem;

namespace {

fs::path executableDir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

} // namespace

std::vector<std::string> embeddedModelCandidates() {
    std::vector<std::string> out;
    // An explicit MOBISCOPE_MODEL is the only place looked at.
    if (const char* env = std::getenv("MOBISCOPE_MODEL"); env && *env) return {env};
    const fs::path dir = executableDir();
    if (!dir.empty()) {
        for (const char* rel : {"../resources/models", "../../resources/models",
                                "../share/mobiscope/models"})
            out.push_back((dir / rel / kEmbeddedModelName).lexically_normal().string());
    }
#ifdef MOBISCOPE_SOURCE_DIR
    out.push_back((fs::path(MOBISCOPE_SOURCE_DIR) / "resources/models" / kEmbeddedModelName)
                      .lexically_normal()
                      .string());
#endif
    std::vector<std::string> unique;
    for (const std::string& c : out)
        if (std::find(unique.begin(), unique.end(), c) == unique.end()) unique.push_back(c);
    return unique;
}

std::string findEmbeddedModel() {
    const std::vector<std::string> candidates = embeddedModelCandidates();
    std::string searched;
    for (const std::string& c : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(c, ec)) return c;
        searched += (searched.empty() ? "" : ", ") + c;
    }
    throw EngineError("embedded model", "no model was given and the embedded default is "
                                        "missing (searched: " +
                                            searched + "); pass a model file");
}

} // namespace mobi
