// Outlier migration primitives: top-q% token sets and 1 - Jaccard against
// brute-force computations written here (ranks by pairwise comparison,
// std::set intersection/union, enumeration of all set pairs), ties, q edge
// cases, and channel magnitude outliers on constructed statistics.
#include "analysis/ChannelOutliers.h"
#include "analysis/OutlierSets.h"
#include "core/Error.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using namespace mobi;

namespace {

// Token t is selected when fewer than `count` tokens rank before it: larger
// value, or equal value and lower index; NaN below every number.
std::vector<int> bruteTop(const std::vector<float>& s, int count) {
    std::vector<int> out;
    const int n = static_cast<int>(s.size());
    for (int t = 0; t < n; ++t) {
        int before = 0;
        for (int u = 0; u < n; ++u) {
            if (u == t) continue;
            const bool nu = std::isnan(s[u]), nt = std::isnan(s[t]);
            bool b;
            if (nu && nt)
                b = u < t;
            else if (nu || nt)
                b = nt; // a number ranks before NaN
            else
                b = s[u] > s[t] || (s[u] == s[t] && u < t);
            before += b;
        }
        if (before < count) out.push_back(t);
    }
    return out;
}

double bruteMigration(const std::vector<int>& a, const std::vector<int>& b) {
    const std::set<int> A(a.begin(), a.end()), B(b.begin(), b.end());
    std::set<int> I, U = A;
    for (int x : B) {
        if (A.count(x)) I.insert(x);
        U.insert(x);
    }
    return U.empty() ? 0.0 : 1.0 - double(I.size()) / double(U.size());
}

std::vector<int> randomSet(std::mt19937& rng, int n, int k) {
    std::vector<int> all(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        all[size_t(i)] = i;
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(size_t(k));
    std::sort(all.begin(), all.end());
    return all;
}

} // namespace

class TestOutlierSets : public QObject {
    Q_OBJECT

  private slots:
    void countEdgeCases() {
        QCOMPARE(outlierCount(4096, 5), 205); // round(204.8)
        QCOMPARE(outlierCount(1024, 5), 51);  // round(51.2)
        QCOMPARE(outlierCount(10, 100), 10);
        QCOMPARE(outlierCount(10, 0.001), 1); // at least one
        QCOMPARE(outlierCount(1, 5), 1);
        QCOMPARE(outlierCount(3, 50), 2); // 1.5 rounds up
        QCOMPARE(outlierCount(20, 5), 1);
        QVERIFY_THROWS_EXCEPTION(EngineError, outlierCount(10, 0));
        QVERIFY_THROWS_EXCEPTION(EngineError, outlierCount(10, -5));
        QVERIFY_THROWS_EXCEPTION(EngineError, outlierCount(10, 100.5));
        QVERIFY_THROWS_EXCEPTION(EngineError, outlierCount(10, std::nan("")));
        QVERIFY_THROWS_EXCEPTION(EngineError, outlierCount(0, 5));
    }

    void topTokensMatchBruteForce() {
        std::mt19937 rng(7);
        for (int trial = 0; trial < 60; ++trial) {
            const int n = 1 + static_cast<int>(rng() % 300);
            // Few distinct values in half the trials: many ties.
            const int distinct = trial % 2 ? 4 : 1 << 20;
            std::vector<float> s(static_cast<size_t>(n));
            for (float& v : s)
                v = static_cast<float>(rng() % distinct) / distinct;
            if (trial % 5 == 0 && n > 3) s[1] = std::nanf("");
            for (double q : {0.5, 5.0, 12.5, 50.0, 100.0}) {
                const std::vector<int> got = topTokens(s.data(), n, q);
                QCOMPARE(static_cast<int>(got.size()), outlierCount(n, q));
                QCOMPARE(got, bruteTop(s, outlierCount(n, q)));
            }
        }
    }

    void tiesResolveTowardsLowerIndex() {
        const std::vector<float> s = {1, 3, 2, 3, 3, 0};
        // 50% of 6 = 3: the three 3s.
        QCOMPARE(topTokens(s.data(), 6, 50), (std::vector<int>{1, 3, 4}));
        // 34% of 6 = round(2.04) = 2: the first two 3s.
        QCOMPARE(topTokens(s.data(), 6, 34), (std::vector<int>{1, 3}));
        const std::vector<float> flat(10, 0.5f);
        QCOMPARE(topTokens(flat.data(), 10, 30), (std::vector<int>{0, 1, 2}));
        const std::vector<float> withNan = {std::nanf(""), 0.0f, std::nanf("")};
        QCOMPARE(topTokens(withNan.data(), 3, 34), (std::vector<int>{1}));
        QCOMPARE(topTokens(withNan.data(), 3, 67), (std::vector<int>{0, 1}));
    }

    void migrationMatchesBruteForce() {
        std::mt19937 rng(11);
        for (int trial = 0; trial < 200; ++trial) {
            const int n = 1 + static_cast<int>(rng() % 60);
            const std::vector<int> a = randomSet(rng, n, static_cast<int>(rng() % (n + 1)));
            const std::vector<int> b = randomSet(rng, n, static_cast<int>(rng() % (n + 1)));
            const double m = migration(a, b);
            QVERIFY(std::abs(m - bruteMigration(a, b)) < 1e-12);
            QCOMPARE(migration(b, a), m);
            QVERIFY(m >= 0 && m <= 1);
        }
        QCOMPARE(migration({1, 2, 3}, {1, 2, 3}), 0.0);
        QCOMPARE(migration({1, 2}, {3, 4}), 1.0);
        QCOMPARE(migration({}, {}), 0.0);
        QCOMPARE(migration({1, 2, 3}, {2, 3, 4}), 0.5); // 2 of 4
    }

    void chanceMigrationMatchesEnumeration() {
        // Average of 1 - J over all pairs of k-subsets of n (n = 7, k = 3).
        const int n = 7, k = 3;
        std::vector<std::vector<int>> subsets;
        for (int mask = 0; mask < 1 << n; ++mask)
            if (__builtin_popcount(mask) == k) {
                std::vector<int> s;
                for (int i = 0; i < n; ++i)
                    if (mask >> i & 1) s.push_back(i);
                subsets.push_back(s);
            }
        double sum = 0;
        for (const auto& a : subsets)
            for (const auto& b : subsets)
                sum += bruteMigration(a, b);
        const double exact = sum / double(subsets.size() * subsets.size());
        QVERIFY(std::abs(chanceMigration(n, k) - exact) < 1e-12);
        QVERIFY(std::abs(chanceMigration(10, 10)) < 1e-12);
        // Large n: close to 1 - p / (2 - p).
        const double p = 205.0 / 4096;
        QVERIFY(std::abs(chanceMigration(4096, 205) - (1 - p / (2 - p))) < 2e-3);
        QVERIFY_THROWS_EXCEPTION(EngineError, chanceMigration(5, 0));
        QVERIFY_THROWS_EXCEPTION(EngineError, chanceMigration(5, 6));
    }

    void familyAndMatrices() {
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> U(0, 1);
        const int L = 3, K = 4, T = 200;
        std::vector<float> s(static_cast<size_t>(L) * K * T);
        for (float& v : s)
            v = U(rng);
        const OutlierFamily f = makeOutlierFamily("x", {2, 3, 4, 5}, s, L, T, 5);
        QCOMPARE(f.levels(), K);
        const std::vector<MigrationMatrix> ms = migrationMatrices(f);
        QCOMPARE(static_cast<int>(ms.size()), L);
        for (int l = 0; l < L; ++l) {
            for (int k = 1; k <= K; ++k) {
                std::vector<float> row(s.begin() + ((l * K + k - 1) * T),
                                       s.begin() + ((l * K + k) * T));
                QCOMPARE(f.set(l, k), bruteTop(row, 10));
                double mean = 0;
                for (float v : row)
                    mean += v;
                QVERIFY(std::abs(f.mean(l, k) - mean / T) < 1e-9);
            }
            for (int i = 0; i < K; ++i) {
                QCOMPARE(ms[size_t(l)].at(i, i), 0.0);
                for (int j = 0; j < K; ++j) {
                    QCOMPARE(ms[size_t(l)].at(i, j), ms[size_t(l)].at(j, i));
                    QVERIFY(std::abs(ms[size_t(l)].at(i, j) -
                                     bruteMigration(f.set(l, i + 1), f.set(l, j + 1))) < 1e-12);
                }
            }
        }
        const MigrationMatrix mean = meanMatrix(ms);
        QVERIFY(std::abs(mean.at(0, 3) - (ms[0].at(0, 3) + ms[1].at(0, 3) + ms[2].at(0, 3)) / 3) <
                1e-12);
        // Identical levels never migrate.
        std::vector<float> same(static_cast<size_t>(K) * T);
        for (int k = 0; k < K; ++k)
            std::copy(s.begin(), s.begin() + T, same.begin() + k * T);
        const MigrationMatrix z =
            migrationMatrices(makeOutlierFamily("z", {1, 2, 3, 4}, same, 1, T, 5))[0];
        for (double v : z.values)
            QCOMPARE(v, 0.0);
        QVERIFY_THROWS_EXCEPTION(EngineError, makeOutlierFamily("bad", {2, 3}, s, L, T, 5));
        QVERIFY_THROWS_EXCEPTION(EngineError, makeOutlierFamily("bad", {2, 3, 4, 5}, s, L, T, 0));
        QVERIFY_THROWS_EXCEPTION(EngineError, meanMatrix({}));
    }

    void channelOutliersOnConstructedData() {
        // Layer 0: dim 8, median of maxes = (1 + 1.5) / 2 = 1.25, threshold 7.5.
        // Layer 1: no outliers.
        const int dim = 8;
        std::vector<float> mx = {0.5f, 10.0f, 1.0f, 1.5f, 7.5f, 0.75f, 20.0f, 0.25f, //
                                 1,    1,     1,    1,    1,    1,     1,     5.9f};
        std::vector<float> mn(mx.size());
        for (size_t i = 0; i < mx.size(); ++i)
            mn[i] = mx[i] / 10;
        ChannelOutlierOptions o;
        const auto r = channelOutliers(mx, mn, 2, dim, o);
        QCOMPARE(static_cast<int>(r.size()), 2);
        QVERIFY(std::abs(r[0].medianMax - 1.25) < 1e-12);
        QVERIFY(std::abs(r[0].threshold - 7.5) < 1e-12);
        QCOMPARE(r[0].count(), 2); // 20 and 10; 7.5 is not above the threshold
        QCOMPARE(r[0].channels[0].channel, 6);
        QCOMPARE(r[0].channels[1].channel, 1);
        QCOMPARE(r[0].channels[0].maxAbs, 20.0f);
        QCOMPARE(r[0].channels[0].meanAbs, 2.0f);
        QVERIFY(std::abs(r[0].peakRatio - 16) < 1e-9);
        QCOMPARE(r[1].count(), 0);
        QCOMPARE(r[1].medianMax, 1.0);
        // Lower factor: 5.9 > 5 x 1 in layer 1; ties sorted by channel.
        o.factor = 5;
        QCOMPARE(channelOutliers(mx, mn, 2, dim, o)[1].count(), 1);
        std::vector<float> tie = {1, 9, 1, 9, 1, 1, 1};
        const auto t = channelOutliers(tie, tie, 1, 7, o);
        QCOMPARE(t[0].medianMax, 1.0);
        QCOMPARE(t[0].count(), 2);
        QCOMPARE(t[0].channels[0].channel, 1);
        QCOMPARE(t[0].channels[1].channel, 3);
        o.factor = 0;
        QVERIFY_THROWS_EXCEPTION(EngineError, channelOutliers(mx, mn, 2, dim, o));
        o.factor = 6;
        QVERIFY_THROWS_EXCEPTION(EngineError, channelOutliers(mx, mn, 3, dim, o));
    }
};

QTEST_APPLESS_MAIN(TestOutlierSets)
#include "tst_outlier_sets.moc"
