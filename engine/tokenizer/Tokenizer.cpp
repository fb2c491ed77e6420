#include "tokenizer/Tokenizer.h"

namespace mobi {

std::string Tokenizer::decode(const std::vector<int>& ids) const {
    std::string out;
    int prev = -1;
    for (int id : ids) {
        out += decodeToken(prev, id);
        prev = id;
    }
    return out;
}

} // namespace mobi
