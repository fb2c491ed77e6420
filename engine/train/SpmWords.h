// Text as SentencePieceTokenizer (LlamaCpp flavour) sees it, cut into the
// words BPE fitting counts: the fitter and its reference encoder normalise and
// segment exactly as the engine's encoder does, so pieces fitted here merge
// there in the same places.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mobi {

// U+2581, SentencePiece's visible space.
inline constexpr std::string_view kSpmSpace = "\xE2\x96\x81";

// The text the engine's SPM session runs on: a dummy-prefix space, then the
// text with every ' ' as U+2581 (llama.cpp's llm_tokenizer_spm with
// add_space_prefix and no user-defined pieces). Empty text stays empty.
std::string spmNormalize(std::string_view text);

// Byte length of the symbol starting at s[off]: the length its lead byte
// announces, cut at the end of s (llama.cpp's unicode_len_utf8; stray
// continuation bytes count as 1). Symbols are what the engine merges.
size_t spmSymbolLength(std::string_view s, size_t off);

// The symbols of s, in order.
std::vector<std::string_view> spmSymbols(std::string_view s);

// Whether a symbol is one well-formed UTF-8 character (lead byte, then the
// continuation bytes it announces). Any concatenation holding a malformed
// symbol is itself malformed, so it never equals a fitted piece.
bool isWellFormedChar(std::string_view symbol);

// Calls fn(word, mergeable) for the words of a normalised text, in order,
// covering it exactly. A word starts at a U+2581 symbol (or at the start, or
// after a barrier) and holds no other U+2581; '\n' and malformed symbols are
// barriers, one-symbol words that never merge. Pieces fitted inside words
// never contain '\n' or an inner U+2581, so the engine never merges across
// a word boundary either.
void forEachSpmWord(std::string_view normalised,
                    const std::function<void(std::string_view, bool)>& fn);

} // namespace mobi
