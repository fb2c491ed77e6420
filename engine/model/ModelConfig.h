// Hyper-parameters of a LLaMA-family decoder, as every loader fills them.
#pragma once

#include <cstdint>
#include <string>

namespace mobi {

// How RoPE pairs dimensions inside a head.
//  Interleaved: pairs (2i, 2i+1), as llama2.c and GGUF `llama` (q/k rows are
//               stored permuted by the converters).
//  Half:        pairs (i, i + head_dim/2), "rotate_half" as Hugging Face and
//               GGUF `qwen2`/`qwen3` (NeoX style).
enum class RopeStyle : uint8_t { Interleaved, Half };

struct ModelConfig {
    std::string arch = "llama"; // llama, qwen2, qwen3 (GGUF general.architecture names)
    int dim = 0;                // embedding width
    int hiddenDim = 0;          // FFN width
    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;
    int headDim = 0;            // usually dim / nHeads; Qwen3 may differ
    int vocabSize = 0;
    int seqLen = 0;             // trained context length
    float rmsEps = 1e-5f;
    float ropeTheta = 10000.0f;
    float ropeScale = 1.0f;     // linear position scaling factor (positions divided by it)
    RopeStyle ropeStyle = RopeStyle::Interleaved;
    bool tiedEmbeddings = false; // classifier reuses the token embedding
    bool qkvBias = false;        // Qwen2
    bool qkNorm = false;         // Qwen3: per-head RMSNorm on q and k

    int qDim() const { return nHeads * headDim; }
    int kvDim() const { return nKvHeads * headDim; }
};

} // namespace mobi
