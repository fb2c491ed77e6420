// Google Benchmark time units in nanoseconds, for reporters that compare runs.
#pragma once

#include <benchmark/benchmark.h>

inline double nanosecondsPer(benchmark::TimeUnit u) {
    switch (u) {
    case benchmark::kNanosecond:
        return 1.0;
    case benchmark::kMicrosecond:
        return 1e3;
    case benchmark::kMillisecond:
        return 1e6;
    default:
        return 1e9;
    }
}
