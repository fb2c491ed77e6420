// Shareable outputs of a profile: one self-contained HTML file, CSV tables, a JSON summary.
#pragma once

#include "ProfileStore.h"

#include <string>
#include <vector>

namespace mobi {

// Statistics of one range (or kernel) name, durations in ns.
struct RangeStats {
    std::string name;
    int64_t count = 0;
    double totalNs = 0, meanNs = 0, p50Ns = 0, p95Ns = 0;
};

// Per-name statistics of a run's CPU ranges, largest total first.
std::vector<RangeStats> rangeStats(const ProfileStore& store, int64_t runId);
// The newest run's id; EngineError naming the file when it holds no run.
int64_t latestRun(const ProfileStore& store);

// HTML with inline SVG: per-layer precision bars, per-token level/bit strip,
// a timeline of ranges per thread and the top-ranges table.
// With `compare`, a section sets its newest run beside the store's: per-layer
// bits and per-range count/mean with the ratio.
void writeHtmlReport(const ProfileStore& store, const std::string& htmlPath,
                     const ProfileStore* compare = nullptr);
// One DIR/<table>.csv per table (header row, RFC 4180 quoting); returns the files.
std::vector<std::string> writeCsvTables(const ProfileStore& store, const std::string& dir);
void writeJsonSummary(const ProfileStore& store, const std::string& jsonPath,
                      const ProfileStore* compare = nullptr);

} // namespace mobi
