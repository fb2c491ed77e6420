// splitmix64: a small, fully specified generator, so seeded runs give the
// same numbers with every standard library (std::*_distribution does not).
#pragma once

#include <cmath>
#include <cstdint>

namespace mobi {

struct SplitMix64 {
    uint64_t s = 0;
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } // [0, 1)
    double normal() {
        const double u1 = 1.0 - uniform(); // (0, 1]
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    uint64_t below(uint64_t n) { return next() % n; } // bias negligible for our n
};

} // namespace mobi
