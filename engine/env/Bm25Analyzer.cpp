#include "env/Bm25Analyzer.h"

#include "env/Bm25PorterStemmer.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace mobi {

namespace {

enum class Cls { Sep, Letter, Digit, Ideograph, Emoji, Extend, Under, MidLetter, MidNum, MidBoth };

struct CodePoint {
    uint32_t cp = 0;
    size_t begin = 0;
    size_t end = 0;
};

std::vector<CodePoint> decode(std::string_view s) {
    std::vector<CodePoint> out;
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        uint32_t cp = c;
        size_t len = 1;
        if (c >= 0xF0 && c < 0xF8)
            len = 4, cp = c & 0x07;
        else if (c >= 0xE0)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xC0)
            len = 2, cp = c & 0x1F;
        else if (c >= 0x80)
            len = 1, cp = 0xFFFD; // stray continuation byte
        if (i + len > s.size()) len = 1, cp = 0xFFFD;
        for (size_t t = 1; t < len; ++t) {
            const auto cc = static_cast<unsigned char>(s[i + t]);
            if ((cc & 0xC0) != 0x80) {
                len = 1;
                cp = 0xFFFD;
                break;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        out.push_back({cp, i, i + len});
        i += len;
    }
    return out;
}

// Extended_Pictographic code points (emoji-data.txt) that product text uses:
// StandardTokenizer emits each as a token of its own.
bool pictographic(uint32_t cp) {
    static const uint32_t kRanges[][2] = {
        {0x00A9, 0x00A9},   {0x00AE, 0x00AE},   {0x203C, 0x203C},   {0x2049, 0x2049},
        {0x2122, 0x2122},   {0x2139, 0x2139},   {0x2194, 0x2199},   {0x21A9, 0x21AA},
        {0x231A, 0x231B},   {0x2328, 0x2328},   {0x2388, 0x2388},   {0x23CF, 0x23CF},
        {0x23E9, 0x23F3},   {0x23F8, 0x23FA},   {0x24C2, 0x24C2},   {0x25AA, 0x25AB},
        {0x25B6, 0x25B6},   {0x25C0, 0x25C0},   {0x25FB, 0x25FE},   {0x2600, 0x2605},
        {0x2607, 0x2612},   {0x2614, 0x2685},   {0x2690, 0x2705},   {0x2708, 0x2712},
        {0x2714, 0x2714},   {0x2716, 0x2716},   {0x271D, 0x271D},   {0x2721, 0x2721},
        {0x2728, 0x2728},   {0x2733, 0x2734},   {0x2744, 0x2744},   {0x2747, 0x2747},
        {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},
        {0x2763, 0x2767},   {0x2795, 0x2797},   {0x27A1, 0x27A1},   {0x27B0, 0x27B0},
        {0x27BF, 0x27BF},   {0x2934, 0x2935},   {0x2B05, 0x2B07},   {0x2B1B, 0x2B1C},
        {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x3030, 0x3030},   {0x303D, 0x303D},
        {0x3297, 0x3297},   {0x3299, 0x3299},   {0x1F000, 0x1F0FF}, {0x1F10D, 0x1F10F},
        {0x1F12F, 0x1F12F}, {0x1F16C, 0x1F171}, {0x1F17E, 0x1F17F}, {0x1F18E, 0x1F18E},
        {0x1F191, 0x1F19A}, {0x1F1AD, 0x1F1E5}, {0x1F201, 0x1F20F}, {0x1F21A, 0x1F21A},
        {0x1F22F, 0x1F22F}, {0x1F232, 0x1F23A}, {0x1F23C, 0x1F23F}, {0x1F249, 0x1F3FA},
        {0x1F400, 0x1F53D}, {0x1F546, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F774, 0x1F77F},
        {0x1F7D5, 0x1F7FF}, {0x1F80C, 0x1F80F}, {0x1F848, 0x1F84F}, {0x1F85A, 0x1F85F},
        {0x1F888, 0x1F88F}, {0x1F8AE, 0x1F8FF}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
        {0x1F947, 0x1FAFF}, {0x1FC00, 0x1FFFD}};
    for (const auto& r : kRanges)
        if (cp >= r[0] && cp <= r[1]) return true;
    return false;
}

Cls classify(uint32_t cp) {
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return Cls::Letter;
        if (cp >= '0' && cp <= '9') return Cls::Digit;
        if (cp == '_') return Cls::Under;
        if (cp == ':') return Cls::MidLetter;
        if (cp == ',' || cp == ';') return Cls::MidNum;
        if (cp == '.' || cp == '\'') return Cls::MidBoth;
        return Cls::Sep;
    }
    if (cp == 0xFFFD) return Cls::Sep;
    // Extend, Format, ZWJ and emoji modifiers stick to what precedes them.
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0x200D ||
        cp == 0x200C || (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F))
        return Cls::Extend;
    if (pictographic(cp)) return Cls::Emoji;
    if (cp == 0x00B7 || cp == 0x0387 || cp == 0x05F4 || cp == 0x2027 || cp == 0xFE13 ||
        cp == 0xFE55 || cp == 0xFF1A)
        return Cls::MidLetter;
    if (cp == 0x2018 || cp == 0x2019 || cp == 0x2024 || cp == 0xFE52 || cp == 0xFF07 ||
        cp == 0xFF0E)
        return Cls::MidBoth;
    if (cp == 0x066C || cp == 0xFE50 || cp == 0xFE54 || cp == 0xFF0C || cp == 0xFF1B)
        return Cls::MidNum;
    if (cp == 0xAA || cp == 0xB5 || cp == 0xBA) return Cls::Letter; // ª µ º
    if ((cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7) return Cls::Sep;
    if (cp >= 0x2000 && cp <= 0x2BFF) return Cls::Sep;
    if (cp >= 0x3000 && cp <= 0x303F) return Cls::Sep;
    if (cp >= 0xFE30 && cp <= 0xFE4F) return Cls::Sep;
    if (cp >= 0xFF00 && cp <= 0xFF20) return Cls::Sep;
    if (cp >= 0xFF3B && cp <= 0xFF40) return Cls::Sep;
    if (cp >= 0xFF5B && cp <= 0xFF65) return Cls::Sep;
    if (cp >= 0x1F000) return Cls::Sep;
    if (cp >= 0x3400 && cp <= 0x9FFF) return Cls::Ideograph;
    return Cls::Letter;
}

bool wordish(Cls c) {
    return c == Cls::Letter || c == Cls::Digit || c == Cls::Under;
}

std::string lowercase(std::string_view tok) {
    std::string out;
    out.reserve(tok.size());
    for (size_t i = 0; i < tok.size(); ++i) {
        const auto c = static_cast<unsigned char>(tok[i]);
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c + 32);
        } else if (c == 0xC3 && i + 1 < tok.size()) {
            // Latin-1 capitals U+00C0-00DE (not U+00D7) are 0xC3 0x80-0x9E.
            const auto d = static_cast<unsigned char>(tok[i + 1]);
            out += static_cast<char>(c);
            out += static_cast<char>((d >= 0x80 && d <= 0x9E && d != 0x97) ? d + 0x20 : d);
            ++i;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace

std::vector<std::string> Bm25Analyzer::tokenize(std::string_view text) {
    const std::vector<CodePoint> cps = decode(text);
    std::vector<Cls> cls(cps.size());
    for (size_t i = 0; i < cps.size(); ++i)
        cls[i] = classify(cps[i].cp);

    std::vector<std::string> out;
    size_t i = 0;
    const size_t n = cps.size();
    while (i < n) {
        if (cls[i] == Cls::Ideograph || cls[i] == Cls::Emoji) {
            // One token, with what sticks to it (emoji: ZWJ sequences too).
            const size_t b = cps[i].begin;
            const bool emoji = cls[i] == Cls::Emoji;
            ++i;
            while (i < n && (cls[i] == Cls::Extend ||
                             (emoji && cps[i - 1].cp == 0x200D && cls[i] == Cls::Emoji)))
                ++i;
            out.emplace_back(text.substr(b, cps[i - 1].end - b));
            continue;
        }
        if (!wordish(cls[i])) {
            ++i;
            continue;
        }
        const size_t start = i;
        bool hasAlnum = false;
        while (i < n) {
            if (wordish(cls[i])) {
                hasAlnum = hasAlnum || cls[i] != Cls::Under;
                ++i;
                continue;
            }
            if (cls[i] == Cls::Extend) {
                ++i;
                continue;
            }
            // A joiner needs the same kind on both sides.
            if (i + 1 < n && i > start) {
                const Cls prev = cls[i - 1];
                const Cls next = cls[i + 1];
                const bool letters = prev == Cls::Letter && next == Cls::Letter &&
                                     (cls[i] == Cls::MidLetter || cls[i] == Cls::MidBoth);
                const bool digits = prev == Cls::Digit && next == Cls::Digit &&
                                    (cls[i] == Cls::MidNum || cls[i] == Cls::MidBoth);
                if (letters || digits) {
                    ++i;
                    continue;
                }
            }
            break;
        }
        const size_t b = cps[start].begin;
        const size_t e = cps[i - 1].end;
        if (hasAlnum && e - b <= 255) out.emplace_back(text.substr(b, e - b));
    }
    return out;
}

bool Bm25Analyzer::isStopWord(std::string_view w) {
    static const std::array<std::string_view, 33> kStop = {
        "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
        "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
        "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};
    return std::find(kStop.begin(), kStop.end(), w) != kStop.end();
}

std::vector<std::string> Bm25Analyzer::analyze(std::string_view text) {
    std::vector<std::string> out;
    for (const std::string& raw : tokenize(text)) {
        std::string_view t = raw;
        // EnglishPossessiveFilter: a trailing 's (or ’s), any case.
        if (t.size() >= 2 && (t.back() == 's' || t.back() == 'S')) {
            if (t[t.size() - 2] == '\'')
                t.remove_suffix(2);
            else if (t.size() >= 4 && t.substr(t.size() - 4, 3) == "\xE2\x80\x99")
                t.remove_suffix(4);
        }
        if (t.empty()) continue;
        std::string low = lowercase(t);
        if (isStopWord(low)) continue;
        out.push_back(Bm25PorterStemmer::stem(low));
    }
    return out;
}

} // namespace mobi
