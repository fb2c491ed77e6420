// Per routing unit (a block, or one linear of a block), level and token: the
// error a unit adds at that level. What router training targets and oracle
// routing are computed from.
#pragma once

#include <cstddef>
#include <vector>

namespace mobi {

struct ErrorTable {
    int units = 0, levels = 0, tokens = 0;
    std::vector<float> err; // [(unit * levels + level - 1) * tokens + token]

    size_t index(int unit, int level, int token) const {
        return (static_cast<size_t>(unit) * levels + (level - 1)) * tokens + token;
    }
    float at(int unit, int level, int token) const { return err[index(unit, level, token)]; }
};

} // namespace mobi
