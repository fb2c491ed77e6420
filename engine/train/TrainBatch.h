// A micro-batch as the training graph consumes it: records packed one after
// another, each starting at position 0, with the next-token target of every
// position that carries loss.
#pragma once

#include <vector>

namespace mobi {

struct TrainBatch {
    std::vector<int> tokens;  // all records concatenated
    std::vector<int> starts;  // record i is [starts[i], starts[i+1]); starts.back() == size
    std::vector<int> targets; // per position: the token it must predict, or -1 (no loss)

    int size() const { return static_cast<int>(tokens.size()); }
    int lossTokens() const {
        int n = 0;
        for (int t : targets)
            n += t >= 0;
        return n;
    }
};

} // namespace mobi
