// Splitting raw text around occurrences of special/user-defined tokens
// before the model's encoder runs (llama.cpp's tokenizer_st_partition).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mobi {

struct TextFragment {
    int token; // the matched token id, or -1 for a range of raw text
    size_t off, len;
};

// Each token in `tokens`, in the given order, splits the raw fragments that
// are left; `pieces[id]` is the token's text. Empty pieces are skipped.
std::vector<TextFragment> splitOnSpecialTokens(std::string_view text,
                                               const std::vector<int>& tokens,
                                               const std::vector<std::string>& pieces);

} // namespace mobi
