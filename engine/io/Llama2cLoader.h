// llama2.c checkpoints: legacy header-only .bin (with trailing RoPE table)
// and versioned "ak42" exports (v1 fp32, v2 int8 Q8_0-style), plus tokenizer.bin.
#pragma once

#include "io/ModelLoader.h"

namespace mobi {

Model loadLlama2c(const std::string& path, const LoadOptions& options);

} // namespace mobi
