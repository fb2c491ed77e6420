// Opens a model in any supported format: llama2.c .bin, GGUF, or a Hugging
// Face directory (config.json + safetensors).
#pragma once

#include "model/Model.h"

#include <string>

namespace mobi {

enum class ModelFormat { Llama2c, Gguf, HfDirectory, Unknown };

struct LoadOptions {
    // Tokenizer file for formats that keep it apart (llama2.c tokenizer.bin).
    // Empty: look for tokenizer.bin / tok<vocab>.bin next to the model.
    std::string tokenizerPath;
    // Whether a missing tokenizer is an error (CLI commands that need text).
    bool requireTokenizer = false;
    // Tokenizer::setParseSpecial for the loaded tokenizer: special-token text
    // ("<|endoftext|>") in the input becomes the special token. Off by default
    // (llama.cpp's default; Hugging Face tokenizers parse it by default).
    bool parseSpecial = false;
};

// Sniffs the format from the path (directory) and magic bytes.
ModelFormat detectModelFormat(const std::string& path);

// Loads, validates (Model::validate) and returns the model; throws
// EngineError subclasses whose message names the file and the problem.
Model loadModel(const std::string& path, const LoadOptions& options = {});

} // namespace mobi
