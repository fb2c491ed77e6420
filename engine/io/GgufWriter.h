// Writes a Model (weights, config, tokenizer) as a GGUF v3 file that
// llama.cpp-style readers understand.
#pragma once

#include "core/DType.h"
#include "model/Model.h"

#include <string>
#include <utility>
#include <vector>

namespace mobi {

struct GgufWriteOptions {
    // Type for 2-D weight matrices (F32 or F16; BF16 allowed); norms and
    // biases are always F32.
    DType matrixType = DType::F16;
    uint32_t alignment = 32;
    // Extra string keys (e.g. mobiscope.agent.prompt_format), written after
    // general.name. A key the writer sets itself (general.*, tokenizer.*,
    // the architecture's, mobiquant.*, mobiroute.*) is an EngineError.
    std::vector<std::pair<std::string, std::string>> extraStrings;
};

// Throws EngineError naming `path` on I/O failure; writes to a temporary file
// and renames it into place so a failed write never leaves a partial file.
void saveGguf(const Model& model, const std::string& path, const GgufWriteOptions& options = {});

} // namespace mobi
