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
    // Type for 2-D weight matrices (F32, F16, BF16 or Q8_0; Q8_0 falls back
    // to F16 for a matrix whose rows are not whole blocks of 32); norms and
    // biases are always F32.
    DType matrixType = DType::F16;
    uint32_t alignment = 32;
    // Extra string keys (e.g. mobiscope.agent.prompt_format), written after
    // general.name. A key the writer sets itself (general.*, tokenizer.*,
    // the architecture's, mobiquant.*, mobiroute.*) is an EngineError.
    std::vector<std::pair<std::string, std::string>> extraStrings;
    // A sliced model: 0 keeps its bit-planes (and routers) as they are; k >= 1
    // writes every block linear as a dense matrixType matrix holding level k,
    // with standard tensor names and keys only (no mobiquant/mobiroute keys,
    // no routers): a plain GGUF that other runtimes load. The rows are
    // dequantized while writing (no dense copy of the model in memory).
    int denseLevel = 0;
};

// Throws EngineError naming `path` on I/O failure or a bad option (a dense
// level of a model that is not sliced or that it does not have); writes to a
// temporary file and renames it into place so a failed write never leaves a
// partial file.
void saveGguf(const Model& model, const std::string& path, const GgufWriteOptions& options = {});

} // namespace mobi
