// Text helpers WebShop's reward and pages rely on:
//  - tokenSetRatio: fuzz.token_set_ratio of thefuzz 0.19.0, the version
//    WebShop pins, without python-Levenshtein (not in WebShop's
//    requirements), so its ratio is difflib.SequenceMatcher's: full_process
//    with force_ascii (U+0080-00FF removed, non-word characters to spaces,
//    lowercased, trimmed), token sets, then the best of ratio(sect, sect+1to2),
//    ratio(sect, sect+2to1), ratio(sect+1to2, sect+2to1), each
//    int(round(100 * SequenceMatcher.ratio())). 0 when a side is empty.
//  - normalizeColor: normalize.py's normalize_color (the first COLOR_SET
//    entry contained in the string, else the string).
//  - nameNouns: a stand-in for the spaCy NOUN/PROPN tokens of a product name
//    that get_type_reward compares (we have no POS tagger): the lowercase
//    alphanumeric words of the name that hold a letter, have two or more
//    characters and are not English function words.
//  - pyFloat: Python's str() of a float ("100.0", "0.6666666666666666").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mobi {

class WebshopText {
  public:
    static int tokenSetRatio(std::string_view a, std::string_view b);
    static std::string normalizeColor(const std::string& s);
    static std::vector<std::string> nameNouns(std::string_view name);
    static std::string lower(std::string_view s);
    // Shortest round-trip digits; integral values get ".0" unless intAsInt.
    static std::string pyFloat(double v, bool intAsInt = false);
    // difflib.SequenceMatcher(None, a, b).ratio() over code points.
    static double sequenceRatio(std::string_view a, std::string_view b);
    // thefuzz 0.19 fuzz.ratio: 100 when equal, 0 when one is empty, else
    // the rounded SequenceMatcher ratio in percent.
    static int fuzzRatio(std::string_view a, std::string_view b);
};

} // namespace mobi
