#include "TensorStatistics.h"

#include "core/Tensor.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mobi {

namespace {

// Accumulates over a stream of chunks so stored tensors need not be expanded whole.
struct Moments {
    int64_t n = 0, nonFinite = 0;
    double sum = 0, sumSq = 0;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(const float* v, int64_t count) {
        for (int64_t i = 0; i < count; ++i) {
            const double x = v[i];
            if (!std::isfinite(x)) {
                ++nonFinite;
                continue;
            }
            ++n;
            sum += x;
            sumSq += x * x;
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
    }
};

struct Binning {
    TensorStatistics& s;
    double scale = 0;
    int64_t outliers = 0;
    void add(const float* v, int64_t count) {
        const int bins = static_cast<int>(s.histogram.size());
        const double limit = 6.0 * s.stddev;
        for (int64_t i = 0; i < count; ++i) {
            const double x = v[i];
            if (!std::isfinite(x)) continue;
            if (s.stddev > 0 && std::fabs(x - s.mean) > limit) ++outliers;
            const int b = std::clamp(static_cast<int>((x - s.histLo) * scale), 0, bins - 1);
            ++s.histogram[b];
        }
    }
};

void finishMoments(const Moments& m, int bins, TensorStatistics& s) {
    s.count = m.n;
    s.nonFinite = m.nonFinite;
    s.histogram.assign(std::max(1, bins), 0);
    if (m.n == 0) return;
    s.min = m.lo;
    s.max = m.hi;
    s.mean = m.sum / m.n;
    s.stddev = std::sqrt(std::max(0.0, m.sumSq / m.n - s.mean * s.mean));
    s.absMax = std::max(std::fabs(m.lo), std::fabs(m.hi));
    s.histLo = m.lo;
    s.histHi = m.hi > m.lo ? m.hi : m.lo + 1.0;
}

} // namespace

TensorStatistics computeStatistics(const float* values, int64_t n, int bins) {
    TensorStatistics s;
    Moments m;
    m.add(values, n);
    finishMoments(m, bins, s);
    if (s.count == 0) return s;
    Binning b{s, s.histogram.size() / (s.histHi - s.histLo)};
    b.add(values, n);
    s.outlierFraction = static_cast<double>(b.outliers) / s.count;
    return s;
}

bool computeTensorStatistics(const Tensor& t, int bins, TensorStatistics& s,
                             const std::function<bool()>& isCancelled) {
    const int64_t rows = t.rows(), cols = t.cols();
    std::vector<float> row(static_cast<size_t>(std::max<int64_t>(cols, 1)));
    const auto cancelled = [&isCancelled] { return isCancelled && isCancelled(); };
    Moments m;
    for (int64_t r = 0; r < rows; ++r) {
        if ((r & 63) == 0 && cancelled()) return false;
        t.rowToF32(r, row.data());
        m.add(row.data(), cols);
    }
    finishMoments(m, bins, s);
    if (s.count == 0) return true;
    Binning b{s, s.histogram.size() / (s.histHi - s.histLo)};
    for (int64_t r = 0; r < rows; ++r) {
        if ((r & 63) == 0 && cancelled()) return false;
        t.rowToF32(r, row.data());
        b.add(row.data(), cols);
    }
    s.outlierFraction = static_cast<double>(b.outliers) / s.count;
    return true;
}

} // namespace mobi
