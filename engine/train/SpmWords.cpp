#include "train/SpmWords.h"

#include <algorithm>

namespace mobi {

std::string spmNormalize(std::string_view text) {
    std::string out;
    if (text.empty()) return out;
    out.reserve(text.size() + text.size() / 4 + kSpmSpace.size());
    out += kSpmSpace;
    for (char c : text) {
        if (c == ' ')
            out += kSpmSpace;
        else
            out += c;
    }
    return out;
}

size_t spmSymbolLength(std::string_view s, size_t off) {
    static const unsigned char lengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    const size_t n = lengths[static_cast<unsigned char>(s[off]) >> 4];
    return std::min(n, s.size() - off);
}

std::vector<std::string_view> spmSymbols(std::string_view s) {
    std::vector<std::string_view> out;
    for (size_t off = 0; off < s.size();) {
        const size_t n = spmSymbolLength(s, off);
        out.push_back(s.substr(off, n));
        off += n;
    }
    return out;
}

bool isWellFormedChar(std::string_view symbol) {
    if (symbol.empty()) return false;
    const auto lead = static_cast<unsigned char>(symbol[0]);
    size_t n = 0;
    if (lead < 0x80)
        n = 1;
    else if (lead >= 0xC0 && lead < 0xE0)
        n = 2;
    else if (lead >= 0xE0 && lead < 0xF0)
        n = 3;
    else if (lead >= 0xF0 && lead < 0xF8)
        n = 4;
    if (n == 0 || symbol.size() != n) return false;
    for (size_t i = 1; i < n; ++i)
        if ((static_cast<unsigned char>(symbol[i]) & 0xC0) != 0x80) return false;
    return true;
}

void forEachSpmWord(std::string_view normalised,
                    const std::function<void(std::string_view, bool)>& fn) {
    size_t start = 0; // of the open word
    size_t off = 0;
    while (off < normalised.size()) {
        const size_t n = spmSymbolLength(normalised, off);
        const std::string_view sym = normalised.substr(off, n);
        const bool barrier = sym == "\n" || !isWellFormedChar(sym);
        if (barrier || sym == kSpmSpace) {
            if (off > start) fn(normalised.substr(start, off - start), true);
            start = off;
        }
        off += n;
        if (barrier) {
            fn(sym, false);
            start = off;
        }
    }
    if (off > start) fn(normalised.substr(start, off - start), true);
}

} // namespace mobi
