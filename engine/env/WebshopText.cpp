#include "env/WebshopText.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>

namespace mobi {

namespace {

// thefuzz 0.19 full_process(force_ascii=True): drop U+0080-00FF, every
// character that is not a letter, digit or '_' becomes a space, lowercase.
// Non-ASCII code points from U+0100 count as letters except the
// punctuation/symbol blocks U+2000-2BFF, U+3000-303F and U+1F000 up.
std::string fullProcess(std::string_view s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
                out += static_cast<char>(c);
            else if (c >= 'A' && c <= 'Z')
                out += static_cast<char>(c + 32);
            else
                out += ' ';
            ++i;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + len > s.size()) len = s.size() - i;
        uint32_t cp = len == 4 ? (c & 0x07) : len == 3 ? (c & 0x0F) : len == 2 ? (c & 0x1F) : c;
        for (size_t t = 1; t < len; ++t)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + t]) & 0x3F);
        if (cp >= 0x100) {
            const bool symbol =
                (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || cp >= 0x1F000;
            if (symbol)
                out += ' ';
            else
                out.append(s.substr(i, len));
        }
        i += len;
    }
    const size_t b = out.find_first_not_of(' ');
    if (b == std::string::npos) return {};
    return out.substr(b, out.find_last_not_of(' ') - b + 1);
}

std::vector<uint32_t> codePoints(std::string_view s) {
    std::vector<uint32_t> out;
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + len > s.size()) len = s.size() - i;
        uint32_t cp = len == 4 ? (c & 0x07) : len == 3 ? (c & 0x0F) : len == 2 ? (c & 0x1F) : c;
        for (size_t t = 1; t < len; ++t)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + t]) & 0x3F);
        out.push_back(cp);
        i += len;
    }
    return out;
}

// difflib.SequenceMatcher(None, a, b): the total size of the matching blocks
// (longest match first, then recursively left and right of it), with
// autojunk (in a b of 200 or more items, items occurring more than
// len(b) / 100 + 1 times are not indexed).
size_t matchingCharacters(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
    std::map<uint32_t, std::vector<size_t>> b2j;
    for (size_t j = 0; j < b.size(); ++j)
        b2j[b[j]].push_back(j);
    if (b.size() >= 200) {
        const size_t ntest = b.size() / 100 + 1;
        for (auto it = b2j.begin(); it != b2j.end();)
            it = it->second.size() > ntest ? b2j.erase(it) : std::next(it);
    }
    auto longest = [&](size_t alo, size_t ahi, size_t blo, size_t bhi) {
        size_t besti = alo, bestj = blo, bestsize = 0;
        std::map<size_t, size_t> j2len;
        for (size_t i = alo; i < ahi; ++i) {
            std::map<size_t, size_t> next;
            const auto found = b2j.find(a[i]);
            if (found != b2j.end()) {
                for (size_t j : found->second) {
                    if (j < blo) continue;
                    if (j >= bhi) break;
                    const auto prev = j > 0 ? j2len.find(j - 1) : j2len.end();
                    const size_t k = (prev != j2len.end() ? prev->second : 0) + 1;
                    next[j] = k;
                    if (k > bestsize) {
                        besti = i + 1 - k;
                        bestj = j + 1 - k;
                        bestsize = k;
                    }
                }
            }
            j2len = std::move(next);
        }
        // Extend over items autojunk left out of the index (no junk here).
        while (besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1]) {
            --besti;
            --bestj;
            ++bestsize;
        }
        while (besti + bestsize < ahi && bestj + bestsize < bhi &&
               a[besti + bestsize] == b[bestj + bestsize])
            ++bestsize;
        return std::array<size_t, 3>{besti, bestj, bestsize};
    };
    size_t matched = 0;
    std::vector<std::array<size_t, 4>> queue = {{0, a.size(), 0, b.size()}};
    while (!queue.empty()) {
        const auto [alo, ahi, blo, bhi] = queue.back();
        queue.pop_back();
        const auto [i, j, k] = longest(alo, ahi, blo, bhi);
        if (k == 0) continue;
        matched += k;
        if (alo < i && blo < j) queue.push_back({alo, i, blo, j});
        if (i + k < ahi && j + k < bhi) queue.push_back({i + k, ahi, j + k, bhi});
    }
    return matched;
}

std::set<std::string> tokenSet(const std::string& s) {
    std::set<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ')
            ++i;
        const size_t b = i;
        while (i < s.size() && s[i] != ' ')
            ++i;
        if (i > b) out.insert(s.substr(b, i - b));
    }
    return out;
}

std::string joinSorted(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& t : v) {
        if (!out.empty()) out += ' ';
        out += t;
    }
    return out;
}

const char* const kColorSet[] = {
    "alabaster",  "apricot",   "aqua",      "ash",     "asphalt",   "azure",     "banana",
    "beige",      "black",     "blue",      "blush",   "bordeaux",  "bronze",    "brown",
    "burgundy",   "camel",     "camo",      "caramel", "champagne", "charcoal",  "cheetah",
    "chestnut",   "chocolate", "christmas", "coffee",  "cognac",    "copper",    "coral",
    "cranberry",  "cream",     "crystal",   "dark",    "denim",     "eggplant",  "elephant",
    "espresso",   "fuchsia",   "gold",      "granite", "grape",     "graphite",  "grass",
    "gray",       "green",     "grey",      "heather", "indigo",    "ivory",     "ivy",
    "khaki",      "lavender",  "lemon",     "leopard", "light",     "lilac",     "lime",
    "magenta",    "maroon",    "mauve",     "merlot",  "midnight",  "mint",      "mocha",
    "multicolor", "mushroom",  "mustard",   "natural", "navy",      "nude",      "olive",
    "orange",     "peach",     "pewter",    "pink",    "plum",      "purple",    "rainbow",
    "red",        "rose",      "royal",     "rust",    "sand",      "sapphire",  "seashell",
    "silver",     "skull",     "slate",     "steel",   "stone",     "stonewash", "sunflower",
    "tan",        "taupe",     "teal",      "tiger",   "turquoise", "violet",    "walnut",
    "wheat",      "white",     "wine",      "yellow"};

const std::set<std::string>& functionWords() {
    static const std::set<std::string> kWords = {
        "a",      "an",      "the",    "and",     "or",    "nor",   "for",   "with",   "without",
        "of",     "in",      "on",     "to",      "by",    "at",    "from",  "as",     "is",
        "are",    "be",      "it",     "its",     "this",  "that",  "these", "those",  "your",
        "you",    "our",     "my",     "me",      "we",    "us",    "he",    "she",    "his",
        "her",    "they",    "them",   "their",   "not",   "no",    "but",   "if",     "so",
        "up",     "out",     "off",    "over",    "under", "into",  "onto",  "than",   "too",
        "very",   "can",     "will",   "just",    "all",   "any",   "each",  "both",   "more",
        "most",   "other",   "some",   "such",    "only",  "own",   "same",  "few",    "what",
        "which",  "who",     "whom",   "when",    "where", "why",   "how",   "about",  "after",
        "before", "between", "during", "through", "above", "below", "again", "then",   "once",
        "here",   "there",   "also",   "per",     "via",   "plus",  "upto",  "inside", "outside",
        "within", "along",   "around", "while",   "am",    "was",   "were",  "been",   "being",
        "do",     "does",    "did",    "has",     "have",  "had",   "i",     "she's",  "it's"};
    return kWords;
}

} // namespace

std::string WebshopText::lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

double WebshopText::sequenceRatio(std::string_view a, std::string_view b) {
    const std::vector<uint32_t> ca = codePoints(a);
    const std::vector<uint32_t> cb = codePoints(b);
    const size_t total = ca.size() + cb.size();
    return total ? 2.0 * double(matchingCharacters(ca, cb)) / double(total) : 1.0;
}

int WebshopText::fuzzRatio(std::string_view a, std::string_view b) {
    if (a == b) return 100;
    if (a.empty() || b.empty()) return 0;
    return static_cast<int>(std::nearbyint(100.0 * sequenceRatio(a, b))); // round half to even
}

int WebshopText::tokenSetRatio(std::string_view a, std::string_view b) {
    const std::string pa = fullProcess(a);
    const std::string pb = fullProcess(b);
    if (pa.empty() || pb.empty()) return 0;
    const std::set<std::string> ta = tokenSet(pa);
    const std::set<std::string> tb = tokenSet(pb);
    std::vector<std::string> sect, ab, ba;
    std::set_intersection(ta.begin(), ta.end(), tb.begin(), tb.end(), std::back_inserter(sect));
    std::set_difference(ta.begin(), ta.end(), tb.begin(), tb.end(), std::back_inserter(ab));
    std::set_difference(tb.begin(), tb.end(), ta.begin(), ta.end(), std::back_inserter(ba));
    const std::string sorted = joinSorted(sect);
    auto combine = [&](const std::vector<std::string>& diff) {
        const std::string d = joinSorted(diff);
        if (sorted.empty()) return d;
        return d.empty() ? sorted : sorted + " " + d;
    };
    const std::string c12 = combine(ab);
    const std::string c21 = combine(ba);
    return std::max({fuzzRatio(sorted, c12), fuzzRatio(sorted, c21), fuzzRatio(c12, c21)});
}

std::string WebshopText::normalizeColor(const std::string& s) {
    for (const char* c : kColorSet) {
        if (s.find(c) != std::string::npos) return c;
    }
    return s;
}

std::vector<std::string> WebshopText::nameNouns(std::string_view name) {
    std::vector<std::string> out;
    const std::string low = lower(name);
    size_t i = 0;
    while (i < low.size()) {
        auto word = [&](size_t k) {
            const auto c = static_cast<unsigned char>(low[k]);
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
        };
        while (i < low.size() && !word(i))
            ++i;
        const size_t b = i;
        bool letter = false;
        while (i < low.size() && word(i)) {
            letter = letter || (low[i] >= 'a' && low[i] <= 'z');
            ++i;
        }
        if (i - b >= 2 && letter) {
            std::string w = low.substr(b, i - b);
            if (!functionWords().count(w)) out.push_back(std::move(w));
        }
    }
    return out;
}

std::string WebshopText::pyFloat(double v, bool intAsInt) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".en") == std::string::npos && !intAsInt) s += ".0";
    return s;
}

} // namespace mobi
