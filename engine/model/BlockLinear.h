// The seven linears of a transformer block, named, in the order every
// per-linear table (routing, errors, parameter shares) indexes them.
#pragma once

namespace mobi {

enum BlockLinear : int {
    LinearQ = 0,
    LinearK = 1,
    LinearV = 2,
    LinearO = 3,
    LinearGate = 4,
    LinearUp = 5,
    LinearDown = 6,
    kBlockLinears = 7
};

// "q", "k", "v", "o", "gate", "up", "down"; "block" for -1 (a whole block).
inline const char* blockLinearName(int linear) {
    static const char* const names[kBlockLinears] = {"q", "k", "v", "o", "gate", "up", "down"};
    return linear >= 0 && linear < kBlockLinears ? names[linear] : "block";
}

} // namespace mobi
