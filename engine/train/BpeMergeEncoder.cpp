#include "train/BpeMergeEncoder.h"

#include "train/SpmWords.h"

namespace mobi {

BpeMergeEncoder::BpeMergeEncoder(const std::vector<BpePiece>& pieces, int firstPieceId,
                                 int firstByteId, int bos)
    : firstByteId_(firstByteId), bos_(bos) {
    for (size_t i = 0; i < pieces.size(); ++i) {
        const int id = firstPieceId + static_cast<int>(i);
        if (pieces[i].isMerge()) rank_.emplace(std::make_pair(pieces[i].left, pieces[i].right), id);
        pieceId_.emplace(pieces[i].text(), id);
    }
}

std::vector<int> BpeMergeEncoder::encode(std::string_view text, bool addBos) const {
    std::vector<int> out;
    if (addBos) out.push_back(bos_);
    const std::string normalised = spmNormalize(text);
    forEachSpmWord(normalised, [&](std::string_view word, bool mergeable) {
        const std::vector<int>& ids = encodeWord(word, mergeable);
        out.insert(out.end(), ids.begin(), ids.end());
    });
    return out;
}

const std::vector<int>& BpeMergeEncoder::encodeWord(std::string_view word, bool mergeable) const {
    const std::string key(word);
    const auto cached = cache_.find(key);
    if (cached != cache_.end()) return cached->second;

    std::vector<std::string> sym;
    for (std::string_view s : spmSymbols(word))
        sym.emplace_back(s);
    // Repeatedly merge the leftmost pair of the lowest rank.
    while (mergeable && sym.size() > 1) {
        int best = -1, bestRank = 0;
        for (size_t i = 0; i + 1 < sym.size(); ++i) {
            const auto it = rank_.find({sym[i], sym[i + 1]});
            if (it != rank_.end() && (best < 0 || it->second < bestRank)) {
                best = static_cast<int>(i);
                bestRank = it->second;
            }
        }
        if (best < 0) break;
        sym[static_cast<size_t>(best)] += sym[static_cast<size_t>(best) + 1];
        sym.erase(sym.begin() + best + 1);
    }
    std::vector<int> ids;
    for (const std::string& s : sym) {
        const auto it = pieceId_.find(s);
        if (it != pieceId_.end()) {
            ids.push_back(it->second);
        } else {
            for (char c : s)
                ids.push_back(firstByteId_ + static_cast<unsigned char>(c));
        }
    }
    return cache_.emplace(key, std::move(ids)).first->second;
}

} // namespace mobi
