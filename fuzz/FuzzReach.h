// Reach counter for the libFuzzer targets: each target calls input() for
// every input and parsed() when the input got through its parser (the point
// after which the rest of the target runs). At exit the counts are printed as
//   fuzz-reach: P of N inputs parsed
// so scripts/fuzz.sh and the fuzz.reach ctest (fuzz/ReplayMain.cpp) can fail
// a target whose seeds never parse.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>

namespace fuzzreach {

inline size_t g_inputs = 0;
inline size_t g_parsed = 0;
inline bool g_reported = false;

inline void report() {
    if (g_reported) return;
    g_reported = true;
    std::fprintf(stderr, "fuzz-reach: %zu of %zu inputs parsed\n", g_parsed, g_inputs);
}

inline void input() {
    static const bool registered = (std::atexit(report), true);
    (void)registered;
    ++g_inputs;
}

inline void parsed() {
    ++g_parsed;
}

} // namespace fuzzreach
