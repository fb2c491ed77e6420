// Value statistics and a histogram of one tensor, computed off the GUI thread.
#pragma once

#include <QString>

#include <cstdint>
#include <functional>
#include <vector>

namespace mobi {

struct Tensor;

struct TensorStatistics {
    QString key;
    int64_t count = 0;
    double min = 0, max = 0, mean = 0, stddev = 0, absMax = 0;
    double outlierFraction = 0; // share of values with |x - mean| > 6 sigma
    int64_t nonFinite = 0;      // NaN/Inf values, excluded from everything else
    double histLo = 0, histHi = 0;
    std::vector<int64_t> histogram; // equal-width bins over [histLo, histHi]
};

// Two passes over the values (moments, then histogram and outliers).
TensorStatistics computeStatistics(const float* values, int64_t n, int bins = 128);
// Same over a stored tensor of any dtype, row by row. Returns false when
// `cancelled` said so before the end (it is polled every few rows).
bool computeTensorStatistics(const Tensor& t, int bins, TensorStatistics& out,
                             const std::function<bool()>& cancelled = {});

} // namespace mobi
