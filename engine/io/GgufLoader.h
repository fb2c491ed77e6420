// GGUF v2/v3 model files (llama, qwen2, qwen3 architectures).
#pragma once

#include "io/ModelLoader.h"

namespace mobi {

Model loadGguf(const std::string& path, const LoadOptions& options);

} // namespace mobi
