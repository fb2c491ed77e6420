// BPE fitting on word counts: words are counted once, pair counts and pair
// occurrence lists are updated incrementally (a merge costs about its pair's
// occurrences, not a pass over the corpus).
//
// Why the engine's SentencePiece encoder, which merges any adjacent pair
// whose text is a piece (best score first), reproduces these merges exactly
// on every fitting word: a merge applies to every occurrence, and a symbol
// never reaches outside the span it covers, so the symbols inside any span of
// a word evolve as that span's text would alone. Were two adjacent symbols
// (u, v) of a fitting word to spell a piece P made from another split (x, y),
// their span, the text of P, would have reached (x, y) when P was made, as
// P's own occurrences did, and been merged then. So within fitting words a
// pair spells a piece only as that piece's own merge, and merging by score
// (= -rank) is merging by rank. The only other pieces the engine could spell
// are the special and byte pieces ("<s>", "<0x41>"): pairs whose text is part
// of one are refused.
#pragma once

#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mobi {

// One NORMAL piece, in rank order: the merge of `left` and `right`, or one
// character kept whole (`right` empty) so that it is one token instead of
// its UTF-8 bytes.
struct BpePiece {
    std::string left;
    std::string right;
    std::string text() const { return left + right; }
    bool isMerge() const { return !right.empty(); }
    bool operator==(const BpePiece&) const = default;
};

struct BpeFitStats {
    int64_t words = 0;         // word occurrences counted (barriers excluded)
    int64_t distinctWords = 0; // words fitted on
    int64_t symbols = 0;       // characters in the distinct words
    int merges = 0;            // NORMAL pieces made by merging two symbols
    int charPieces = 0;        // NORMAL pieces that are one character (U+2581 included)
    // Frequent pairs left unmerged because their text is part of a special or
    // byte piece's ("unk" + ">"): the engine would merge into that piece.
    int refusedPairs = 0;
};

class BpeTrainer {
  public:
    // A pair merges only if it occurs at least minFrequency times (>= 1).
    explicit BpeTrainer(int minFrequency);

    // Counts the words of one text, normalised as the engine does.
    void addText(std::string_view text);
    bool empty() const { return wordFreq_.empty(); }

    // Fits at most maxPieces (>= 1) NORMAL pieces, U+2581 first; fewer when
    // no pair or character occurs minFrequency times any more. Once only.
    std::vector<BpePiece> fit(int maxPieces);
    const BpeFitStats& stats() const { return stats_; }

  private:
    using PairKey = uint64_t;
    enum SymbolKind : uint8_t { Char, CharPiece, Merged };
    struct Candidate {
        int64_t value; // pair count, or bytes saved by a character piece
        int a, b;      // the pair, or (character, -1)
        bool operator<(const Candidate& o) const {
            if (value != o.value) return value < o.value;
            if (a != o.a) return a > o.a;
            return b > o.b;
        }
    };
    struct StringHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using StringIndex = std::unordered_map<std::string, int, StringHash, std::equal_to<>>;

    static PairKey key(int a, int b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }
    int intern(std::string_view text, SymbolKind kind);
    int findSymbol(std::string_view text) const;
    void buildPositions();
    int64_t pairCount(int a, int b) const;
    void addPair(int a, int b, int64_t delta, int pos);
    int64_t charValue(int c) const;
    bool isCharCandidate(int c) const;
    void pushChar(int c);
    bool tryMerge(int a, int b);
    std::vector<int> occurrences(int a, int b);
    void applyMerge(int a, int b, int z, const std::vector<int>& occ);

    int minFrequency_;
    bool fitted_ = false;
    BpeFitStats stats_;

    // Counting: distinct word texts in first-seen order.
    StringIndex wordIndex_;
    std::vector<std::string> wordText_;
    std::vector<int64_t> wordFreq_;

    // Symbols (characters and merged pieces), ids in first-seen order.
    std::vector<std::string> symText_;
    std::vector<uint8_t> symKind_;
    std::vector<int64_t> symOcc_; // occurrences in the current segmentation
    StringIndex symId_;
    std::unordered_set<std::string> forbidden_; // would let the engine spell a special piece

    // Every distinct word's symbols as one linked array (dead: -1).
    std::vector<int> sym_, prev_, next_, wordOf_;
    std::unordered_map<PairKey, int64_t> pairCount_;
    std::unordered_map<PairKey, std::vector<int>> pairPos_; // left positions, may be stale
    std::unordered_set<PairKey> refused_;
    std::priority_queue<Candidate> heap_;
};

} // namespace mobi
