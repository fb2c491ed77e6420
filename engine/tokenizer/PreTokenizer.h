// Hand-written matchers for the byte-level BPE pre-tokenizer regexes (GPT-2, Llama-3, Qwen2).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mobi {

enum class PreTokenizer; // defined in tokenizer/BpeTokenizer.h

// Splits text into the words the pre-tokenizer's regex finds, left to right,
// each word as UTF-8 (invalid bytes become U+FFFD, see unicode::decodeOne).
// Gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// Llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//          ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// Qwen2:  as Llama3 with \p{N} instead of \p{N}{1,3}
// None:   the whole text is one word.
// Matching follows llama.cpp: its hand-written GPT-2 and Llama-3 splitters
// (which, unlike the regex, never put an unassigned code point into the
// [^\s\p{L}\p{N}]+ class: it stays a word of its own) and its std::regex run
// for Qwen2 (plain regex semantics).
std::vector<std::string> preTokenize(PreTokenizer kind, std::string_view text);

// The pre-tokenizer a tokenizer.json Split regex names (GPT-2's, Llama-3's or
// Qwen2's, as Hugging Face or llama.cpp spell them); false for another regex.
bool preTokenizerFromRegex(const std::string& regex, PreTokenizer& out);
// The regex tokenizer.json spells for `kind` (GPT-2's for None).
const char* preTokenizerRegex(PreTokenizer kind);

// The same split on decoded code points: the length of each word in code points.
std::vector<size_t> preTokenizeLengths(PreTokenizer kind, const std::vector<uint32_t>& cpts);

} // namespace mobi
