// What a model file holds as stored (matrix types, MoBiSlice levels,
// routers, tokenizer) and which runtimes can load it: what `info` shows and
// what `convert` reports after reading back the file it wrote.
#pragma once

#include "model/Model.h"
#include "util/Json.h"

#include <string>
#include <utility>
#include <vector>

namespace cli {

struct ModelStorage {
    std::string path;
    std::string format; // gguf, llama2c, safetensors
    // Types of the 2-D weights (embeddings, classifier, block linears) in
    // order of first appearance with their counts; block linears held as
    // MoBiSlice bit-planes count as "bit-planes".
    std::vector<std::pair<std::string, int>> matrices;
    std::vector<int> sliceBits; // empty for a dense model
    bool routers = false;
    std::string tokenizer; // "llama, 512 tokens"; empty when none
    // GGUF only: other runtimes load it (checkGgufPortability).
    bool standardGguf = false;
    std::vector<std::string> needsMobiscope, problems;

    // "F32 x 37", "Q8_0 x 31, F16 x 6".
    std::string matricesText() const;
    // Which runtimes load the file, and how to get a file others load.
    std::string runtimesText() const;
    mobi::Json runtimesJson() const;
    mobi::Json json() const;
};

// Reads the facts off a loaded model; for a GGUF it reopens m.path to check
// tensor names and types as another runtime would see them.
ModelStorage modelStorage(const mobi::Model& m);

} // namespace cli
