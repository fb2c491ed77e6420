// The tokenizer.ggml.* keys of a GGUF that describe a mobiscope Tokenizer as
// llama.cpp reads them.
#pragma once

#include "io/GgufMetadataBuilder.h"
#include "tokenizer/Tokenizer.h"

namespace mobi {

// Appends the vocabulary, scores or merges, token types and special ids of
// `tok` (SentencePiece, SentencePiece-compatible BPE as `llama`, byte-level
// BPE as `gpt2`); nothing for another kind.
void putTokenizerKeys(GgufMetadataBuilder& md, const Tokenizer& tok);

} // namespace mobi
