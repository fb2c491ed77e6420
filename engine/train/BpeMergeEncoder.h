// The fitter's own encoding, written apart from SentencePieceTokenizer to
// check it: text normalised and cut into words as fitting cut it, each word's
// characters merged by the fitted merges in rank order (leftmost first), each
// final symbol emitted as its piece or as byte pieces.
#pragma once

#include "train/BpeTrainer.h"

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mobi {

class BpeMergeEncoder {
  public:
    // pieces[i] has id firstPieceId + i; byte b has id firstByteId + b.
    BpeMergeEncoder(const std::vector<BpePiece>& pieces, int firstPieceId, int firstByteId,
                    int bos);

    // With BOS first when addBos. Not thread-safe (words are cached).
    std::vector<int> encode(std::string_view text, bool addBos) const;

  private:
    const std::vector<int>& encodeWord(std::string_view word, bool mergeable) const;

    int firstByteId_;
    int bos_;
    std::map<std::pair<std::string, std::string>, int> rank_;
    std::unordered_map<std::string, int> pieceId_;
    mutable std::unordered_map<std::string, std::vector<int>> cache_;
};

} // namespace mobi
