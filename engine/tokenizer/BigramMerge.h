// The merge loop every BPE-style encoder here shares (SentencePiece's score
// order, byte-level and Llama BPE's rank order): symbols in a linked list,
// candidate merges of adjacent symbols in a priority queue, the best pair
// merging first (leftmost on ties), stale candidates skipped by version.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

namespace mobi {

struct MergeSymbol {
    int prev = -1, next = -1;
    uint32_t version = 0; // bumped by every merge into this symbol
    bool alive = true;
};

// n symbols 0..n-1 linked in order.
inline std::vector<MergeSymbol> linkMergeSymbols(int n) {
    std::vector<MergeSymbol> s(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        s[size_t(i)].prev = i - 1;
        s[size_t(i)].next = i + 1 < n ? i + 1 : -1;
    }
    return s;
}

// Merges until no adjacent pair can: find(l, r, priority, payload) says
// whether symbols l and r merge and with what priority (lower first: a rank,
// or a negated score) and payload (e.g. the merged token id); merge(l, r,
// payload) folds r into l in the caller's data. The surviving symbols are
// sym[0], sym[sym[0].next], ... (merges keep the left symbol).
template <class Find, class Merge>
void mergeBigrams(std::vector<MergeSymbol>& sym, Find&& find, Merge&& merge) {
    struct Candidate {
        double priority;
        int left, right;
        uint32_t leftVersion, rightVersion;
        int payload;
        bool operator<(const Candidate& o) const { // max-heap: best = lowest, then leftmost
            return priority > o.priority || (priority == o.priority && left > o.left);
        }
    };
    std::priority_queue<Candidate> queue;
    const auto consider = [&](int l, int r) {
        if (l < 0 || r < 0) return;
        double priority = 0;
        int payload = -1;
        if (find(l, r, priority, payload))
            queue.push({priority, l, r, sym[size_t(l)].version, sym[size_t(r)].version, payload});
    };
    for (int i = 0; i + 1 < static_cast<int>(sym.size()); ++i)
        consider(i, i + 1);
    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        MergeSymbol& L = sym[size_t(c.left)];
        MergeSymbol& R = sym[size_t(c.right)];
        if (!L.alive || !R.alive || L.next != c.right || L.version != c.leftVersion ||
            R.version != c.rightVersion)
            continue;
        merge(c.left, c.right, c.payload);
        ++L.version;
        R.alive = false;
        L.next = R.next;
        if (R.next >= 0) sym[size_t(R.next)].prev = c.left;
        consider(L.prev, c.left);
        consider(c.left, L.next);
    }
}

} // namespace mobi
