// Whether a GGUF holds only what llama.cpp-style runtimes read for its
// architecture (standard tensor names, float/quantized weight types, every
// dense block linear), or parts only mobiscope reads (MoBiSlice bit-planes,
// MoBiRoute routers).
#pragma once

#include <string>
#include <vector>

namespace mobi {

class GgufFile;

struct GgufPortability {
    // True when other GGUF runtimes can load the file as it is.
    bool standard() const { return needsMobiscope.empty() && problems.empty(); }
    // Parts only mobiscope reads: "MoBiSlice bit-planes", "MoBiRoute routers".
    std::vector<std::string> needsMobiscope;
    // Anything else a llama.cpp-style loader would refuse, one phrase each
    // (a tensor outside the architecture, an integer weight type, a missing
    // block linear).
    std::vector<std::string> problems;
};

// The tensors llama.cpp's llama / qwen2 / qwen3 graphs read: token_embd,
// output_norm, output, rope_freqs and blk.N.{attn_norm, attn_q, attn_k,
// attn_v, attn_output, attn_q_norm, attn_k_norm, ffn_norm, ffn_gate, ffn_up,
// ffn_down}.weight plus blk.N.attn_{q,k,v}.bias, N < blocks.
bool isStandardTensorName(const std::string& name, int blocks);

GgufPortability checkGgufPortability(const GgufFile& f);

} // namespace mobi
