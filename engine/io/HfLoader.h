// Hugging Face model directories: config.json, model.safetensors or a
// sharded model.safetensors.index.json, tokenizer.json.
#pragma once

#include "io/ModelLoader.h"

namespace mobi {

Model loadHfDirectory(const std::string& path, const LoadOptions& options);

} // namespace mobi
