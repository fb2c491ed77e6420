// The text analysis behind WebShop's search engine: pyserini indexes product
// text with Anserini's default English analyzer (Lucene StandardTokenizer,
// English possessive filter, lowercasing, Lucene's 33 English stop words,
// Porter stemming), and analyzes queries the same way.
//
// The tokenizer follows the UAX #29 word-break rules that matter for product
// text: runs of letters and digits form a token; '.', ':', '\'' and U+2019
// join two letters ("u.s.a", "description:solid", "don't"); '.', ',', ';'
// and '\'' join two digits ("14.125", "1,000"); '_' joins anything. Every
// other ASCII character separates. Emoji and other Extended_Pictographic
// symbols (★, ✔, ™, ❤️) are tokens of their own, with any variation selector,
// skin-tone modifier or ZWJ sequence; combining marks stick to the token
// before them. Other non-ASCII code points count as letters except
// punctuation and symbol blocks (U+0080-00BF but ª µ º, U+00D7, U+00F7,
// U+2000-2BFF, U+3000-303F, U+FE30-FE4F, fullwidth punctuation); the
// non-ASCII mid-word joiners of UAX #29 (U+00B7, U+2018/2019, U+FF1A, ...)
// join as their ASCII kin do; CJK ideographs (U+3400-9FFF) are one token
// each. Lowercasing covers ASCII and Latin-1. Tokens longer than 255 bytes are
// dropped (Lucene's limit). Checked against Lucene 8.7's EnglishAnalyzer on
// the 100 product texts of shared/data/webshop.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mobi {

class Bm25Analyzer {
  public:
    // The raw tokens, before lowercasing and filtering.
    static std::vector<std::string> tokenize(std::string_view text);
    // The indexed terms: tokenize, drop a trailing "'s", lowercase, drop stop
    // words, stem.
    static std::vector<std::string> analyze(std::string_view text);
    static bool isStopWord(std::string_view lowercaseWord);
};

} // namespace mobi
