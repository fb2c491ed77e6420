#include "analysis/OutlierSets.h"

#include "core/Error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mobi {

int outlierCount(int nTokens, double q) {
    if (!(q > 0 && q <= 100))
        throw EngineError("outlier sets", "q must be in (0, 100], not " + std::to_string(q));
    if (nTokens < 1) throw EngineError("outlier sets", "needs at least one token");
    const long long c = std::llround(q / 100.0 * nTokens);
    return static_cast<int>(std::clamp<long long>(c, 1, nTokens));
}

std::vector<int> topTokens(const float* s, int nTokens, double q) {
    const int count = outlierCount(nTokens, q);
    std::vector<int> idx(static_cast<size_t>(nTokens));
    std::iota(idx.begin(), idx.end(), 0);
    // True when token a ranks before token b.
    auto before = [s](int a, int b) {
        const bool na = std::isnan(s[a]), nb = std::isnan(s[b]);
        if (na != nb) return nb; // a number ranks before NaN
        if (!na && s[a] != s[b]) return s[a] > s[b];
        return a < b;
    };
    std::nth_element(idx.begin(), idx.begin() + (count - 1), idx.end(), before);
    idx.resize(static_cast<size_t>(count));
    std::sort(idx.begin(), idx.end());
    return idx;
}

double migration(const std::vector<int>& a, const std::vector<int>& b) {
    if (a.empty() && b.empty()) return 0.0;
    size_t i = 0, j = 0, common = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j])
            ++i;
        else if (b[j] < a[i])
            ++j;
        else {
            ++common;
            ++i;
            ++j;
        }
    }
    const size_t uni = a.size() + b.size() - common;
    return 1.0 - static_cast<double>(common) / static_cast<double>(uni);
}

double chanceMigration(int n, int k) {
    if (k < 1 || k > n) throw EngineError("outlier sets", "chance migration needs 1 <= k <= n");
    // P(|A n B| = i) = C(k, i) C(n - k, k - i) / C(n, k).
    auto lchoose = [](int a, int b) {
        return std::lgamma(a + 1.0) - std::lgamma(b + 1.0) - std::lgamma(a - b + 1.0);
    };
    double ej = 0;
    for (int i = std::max(0, 2 * k - n); i <= k; ++i) {
        const double p = std::exp(lchoose(k, i) + lchoose(n - k, k - i) - lchoose(n, k));
        ej += p * i / (2.0 * k - i);
    }
    return 1.0 - ej;
}

OutlierFamily makeOutlierFamily(std::string name, std::vector<int> bits,
                                const std::vector<float>& sensitivity, int nLayers, int nTokens,
                                double q) {
    if (bits.empty() || nLayers < 1 || nTokens < 1)
        throw EngineError("outlier sets", "family '" + name + "' has no levels, layers or tokens");
    const size_t K = bits.size();
    if (sensitivity.size() != static_cast<size_t>(nLayers) * K * nTokens)
        throw EngineError("outlier sets", "family '" + name + "': sensitivity has " +
                                              std::to_string(sensitivity.size()) +
                                              " values, expected layers x levels x tokens");
    OutlierFamily f;
    f.name = std::move(name);
    f.bits = std::move(bits);
    f.nLayers = nLayers;
    f.nTokens = nTokens;
    f.q = q;
    for (size_t row = 0; row < static_cast<size_t>(nLayers) * K; ++row) {
        const float* s = sensitivity.data() + row * nTokens;
        f.sets.push_back(topTokens(s, nTokens, q));
        double sum = 0;
        int n = 0;
        for (int t = 0; t < nTokens; ++t)
            if (!std::isnan(s[t])) {
                sum += s[t];
                ++n;
            }
        f.meanSensitivity.push_back(n > 0 ? sum / n : std::nan(""));
    }
    return f;
}

std::vector<MigrationMatrix> migrationMatrices(const OutlierFamily& f) {
    std::vector<MigrationMatrix> out;
    const int K = f.levels();
    for (int l = 0; l < f.nLayers; ++l) {
        MigrationMatrix m;
        m.n = K;
        m.values.assign(static_cast<size_t>(K) * K, 0.0);
        for (int i = 0; i < K; ++i)
            for (int j = i + 1; j < K; ++j) {
                const double v = migration(f.set(l, i + 1), f.set(l, j + 1));
                m.values[static_cast<size_t>(i) * K + j] = v;
                m.values[static_cast<size_t>(j) * K + i] = v;
            }
        out.push_back(std::move(m));
    }
    return out;
}

MigrationMatrix meanMatrix(const std::vector<MigrationMatrix>& ms) {
    if (ms.empty()) throw EngineError("outlier sets", "no matrices to average");
    MigrationMatrix m;
    m.n = ms.front().n;
    m.values.assign(ms.front().values.size(), 0.0);
    for (const MigrationMatrix& x : ms) {
        if (x.n != m.n || x.values.size() != m.values.size())
            throw EngineError("outlier sets", "matrices of different sizes");
        for (size_t i = 0; i < m.values.size(); ++i)
            m.values[i] += x.values[i];
    }
    for (double& v : m.values)
        v /= static_cast<double>(ms.size());
    return m;
}

} // namespace mobi
