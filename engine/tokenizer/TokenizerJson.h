// Hugging Face tokenizer.json out of any of our tokenizers
// (TokenizerJsonWriter.cpp); the way in is BpeTokenizer::fromTokenizerJson
// (TokenizerJsonReader.cpp).
#pragma once

#include "tokenizer/Tokenizer.h"

#include <string>

namespace mobi {

// A SentencePieceTokenizer is written as Llama-2's HF form (BPE with merges
// derived from the piece scores, byte_fallback, U+2581 spaces); a
// BpeTokenizer as itself. Loading the result with
// BpeTokenizer::fromTokenizerJson encodes the same ids.
std::string tokenizerToJson(const Tokenizer& tokenizer);
void writeTokenizerJson(const Tokenizer& tokenizer, const std::string& path);

} // namespace mobi
