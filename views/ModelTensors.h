// Stable names for a model's tensors ("layers.3.wq") and lookup by name.
#pragma once

#include "model/Model.h"

#include <string>
#include <utility>
#include <vector>

namespace mobi {

struct NamedTensor {
    std::string key;   // stable name used across the app ("layers.0.attention.wq")
    std::string label; // short label for the tree ("wq")
    int layer = -1;    // block index, -1 outside blocks
    const Tensor* tensor = nullptr;
};

// Every present tensor in forward order: embeddings, blocks, final norm, output.
std::vector<NamedTensor> namedTensors(const Model& model);
const Tensor* findTensor(const Model& model, const std::string& key);
// The key for a GGUF tensor name ("blk.1.ffn_down", ".weight" optional, or
// "token_embd", "output_norm", "output"); any other string is returned as is.
std::string tensorKeyForName(const std::string& name);

} // namespace mobi
