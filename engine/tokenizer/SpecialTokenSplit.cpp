#include "tokenizer/SpecialTokenSplit.h"

namespace mobi {

std::vector<TextFragment> splitOnSpecialTokens(std::string_view text,
                                               const std::vector<int>& tokens,
                                               const std::vector<std::string>& pieces) {
    std::vector<TextFragment> frags{{-1, 0, text.size()}};
    if (text.empty()) frags.clear();
    for (int special : tokens) {
        const std::string& s = pieces[static_cast<size_t>(special)];
        if (s.empty()) continue;
        std::vector<TextFragment> next;
        next.reserve(frags.size());
        for (const TextFragment& f : frags) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            size_t off = f.off;
            const size_t end = f.off + f.len;
            while (off < end) {
                const size_t m = text.substr(0, end).find(s, off);
                if (m == std::string_view::npos) break;
                if (m > off) next.push_back({-1, off, m - off});
                next.push_back({special, m, s.size()});
                off = m + s.size();
            }
            if (off < end) next.push_back({-1, off, end - off});
        }
        frags.swap(next);
    }
    return frags;
}

} // namespace mobi
