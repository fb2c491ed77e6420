// UTF-8 decoding/encoding and the code point classes the BPE pre-tokenizer regexes use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mobi::unicode {

constexpr uint32_t kReplacement = 0xFFFD;

// Byte length a UTF-8 lead byte announces (llama.cpp's unicode_len_utf8:
// continuation and invalid lead bytes count as 1).
size_t sequenceLength(unsigned char lead);

// Decodes the code point at s[pos] and advances pos. Follows llama.cpp's
// unicode_cpt_from_utf8 so tokenization matches it byte for byte: a lead
// byte with the right number of continuation bytes decodes (overlong forms
// and surrogates included); anything else (stray continuation byte, bad lead
// byte 0xF8-0xFF, truncated sequence, value above U+10FFFF) yields U+FFFD and
// advances by exactly one byte, so every invalid byte becomes one U+FFFD.
uint32_t decodeOne(std::string_view s, size_t& pos);
std::vector<uint32_t> decode(std::string_view s);

// Appends cp as UTF-8 (cp above U+10FFFF is written as U+FFFD).
void append(std::string& out, uint32_t cp);
std::string encode(uint32_t cp);

// General category L* (Lu Ll Lt Lm Lo).
bool isLetter(uint32_t cp);
// General category N* (Nd Nl No).
bool isNumber(uint32_t cp);
// The White_Space property (what \s matches in Oniguruma, Python `regex` and
// llama.cpp): U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A,
// U+2028, U+2029, U+202F, U+205F, U+3000.
bool isWhitespace(uint32_t cp);
// Not general category Cn (unassigned) and not above U+10FFFF.
bool isAssigned(uint32_t cp);

// Bit flags of one code point, for the pre-tokenizer's per-character tests.
enum Flag : uint8_t { kLetterFlag = 1, kNumberFlag = 2, kSpaceFlag = 4, kAssignedFlag = 8 };
uint8_t flags(uint32_t cp);

} // namespace mobi::unicode
