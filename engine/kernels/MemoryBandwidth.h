// Streaming read bandwidth of this machine (the ceiling of a decode step).
#pragma once

#include <cstddef>

namespace mobi {

// Reads a buffer of `bytes` (much larger than the last-level cache) with
// wide vector loads on `threads` threads, best of `repeats`; returns GB/s
// (1e9 bytes per second).
double measureStreamingReadGBs(int threads, size_t bytes = size_t(1) << 30, int repeats = 5);

} // namespace mobi
