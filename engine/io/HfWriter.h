// Writes a Model as a Hugging Face directory: config.json,
// model.safetensors, tokenizer.json (+ tokenizer_config.json).
#pragma once

#include "core/DType.h"
#include "model/Model.h"

#include <string>

namespace mobi {

struct HfWriteOptions {
    DType matrixType = DType::F32; // F32, F16 or BF16
};

// q/k rows are un-permuted to HF's rotate-half layout when the model uses
// interleaved RoPE, so HF tools read the same function.
void saveHfDirectory(const Model& model, const std::string& dir, const HfWriteOptions& options = {});

} // namespace mobi
