// Sampler: greedy, top-k, top-p and seeded sampling against direct
// computations of the distributions they should follow.
#include "TestData.h"

#include "model/Sampler.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace mobi;

namespace {

std::vector<float> randomLogits(int n, unsigned seed, float scale = 3.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> N(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v)
        x = N(rng);
    return v;
}

std::vector<double> softmaxD(const std::vector<float>& l, double temp) {
    double mx = *std::max_element(l.begin(), l.end());
    std::vector<double> p(l.size());
    double s = 0;
    for (size_t i = 0; i < l.size(); ++i)
        s += (p[i] = std::exp((l[i] - mx) / temp));
    for (double& x : p)
        x /= s;
    return p;
}

int sampleOnce(Sampler& s, const std::vector<float>& logits) {
    std::vector<float> copy = logits;
    return s.sample(copy.data(), static_cast<int>(copy.size()));
}

// Chi-square statistic of observed counts against expected probabilities,
// merging cells with small expectations into one.
double chiSquare(const std::vector<int>& counts, const std::vector<double>& p, int n, int& dof) {
    double chi = 0, restObs = 0, restExp = 0;
    dof = -1;
    for (size_t i = 0; i < p.size(); ++i) {
        const double e = p[i] * n;
        if (e < 5) {
            restObs += counts[i];
            restExp += e;
            continue;
        }
        chi += (counts[i] - e) * (counts[i] - e) / e;
        ++dof;
    }
    if (restExp > 0) {
        chi += (restObs - restExp) * (restObs - restExp) / std::max(restExp, 1e-9);
        ++dof;
    }
    return chi;
}

} // namespace

class TestSampler : public QObject {
    Q_OBJECT
  private slots:
    void greedyIsArgmaxFirstOnTies() {
        for (unsigned seed = 1; seed < 20; ++seed) {
            const auto l = randomLogits(1000, seed);
            Sampler s(SamplerConfig{0.0f, 0, 1.0f, 1});
            const int want = int(std::max_element(l.begin(), l.end()) - l.begin());
            QCOMPARE(sampleOnce(s, l), want);
        }
        std::vector<float> ties = {1, 5, 2, 5, 5};
        Sampler s(SamplerConfig{0.0f, 0, 1.0f, 1});
        QCOMPARE(sampleOnce(s, ties), 1);
    }

    void topK1IsGreedy() {
        for (unsigned seed = 1; seed < 20; ++seed) {
            const auto l = randomLogits(500, seed);
            Sampler s(SamplerConfig{1.3f, 1, 1.0f, seed});
            const int want = int(std::max_element(l.begin(), l.end()) - l.begin());
            for (int k = 0; k < 5; ++k)
                QCOMPARE(sampleOnce(s, l), want);
        }
    }

    void sameSeedSameSequence() {
        const auto l = randomLogits(300, 3, 1.0f);
        for (SamplerConfig c :
             {SamplerConfig{1.0f, 0, 1.0f, 42}, SamplerConfig{0.8f, 20, 0.9f, 42}}) {
            Sampler a(c), b(c);
            std::vector<int> sa, sb;
            for (int i = 0; i < 200; ++i)
                sa.push_back(sampleOnce(a, l)), sb.push_back(sampleOnce(b, l));
            QCOMPARE(sa, sb);
            c.seed = 43;
            Sampler d(c);
            std::vector<int> sd;
            for (int i = 0; i < 200; ++i)
                sd.push_back(sampleOnce(d, l));
            QVERIFY(sd != sa);
        }
    }

    void runCRandomStream() {
        // run.c: xorshift64* from the seed, first coin (u32 >> 8) / 2^24; with
        // two equiprobable tokens the choice is coin >= 0.5.
        uint64_t st = 1234;
        std::vector<int> want;
        for (int i = 0; i < 64; ++i) {
            st ^= st >> 12, st ^= st << 25, st ^= st >> 27;
            const uint32_t u = uint32_t((st * 0x2545F4914F6CDD1Dull) >> 32);
            const float coin = float(u >> 8) / 16777216.0f;
            want.push_back(coin < 0.5f ? 0 : 1);
        }
        Sampler s(SamplerConfig{1.0f, 0, 1.0f, 1234});
        std::vector<int> got;
        for (int i = 0; i < 64; ++i)
            got.push_back(sampleOnce(s, {0.0f, 0.0f}));
        QCOMPARE(got, want);
    }

    void frequenciesFollowSoftmax() {
        const auto l = randomLogits(12, 9, 1.0f);
        for (float temp : {1.0f, 0.7f}) {
            const auto p = softmaxD(l, temp);
            Sampler s(SamplerConfig{temp, 0, 1.0f, 777});
            const int n = 60000;
            std::vector<int> counts(l.size(), 0);
            for (int i = 0; i < n; ++i)
                ++counts[sampleOnce(s, l)];
            int dof = 0;
            const double chi = chiSquare(counts, p, n, dof);
            // 99.9% quantile of chi-square with <= 11 dof is ~31.3.
            QVERIFY2(chi < 31.3, qPrintable(QString("chi2 %1 dof %2").arg(chi).arg(dof)));
        }
    }

    void topKRenormalises() {
        const auto l = randomLogits(30, 4, 1.0f);
        const int k = 5;
        std::vector<int> order(l.size());
        for (size_t i = 0; i < l.size(); ++i)
            order[i] = int(i);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return l[a] > l[b]; });
        auto p = softmaxD(l, 1.0);
        double mass = 0;
        for (int i = 0; i < k; ++i)
            mass += p[order[i]];
        std::vector<double> want(l.size(), 0.0);
        for (int i = 0; i < k; ++i)
            want[order[i]] = p[order[i]] / mass;
        Sampler s(SamplerConfig{1.0f, k, 1.0f, 99});
        const int n = 40000;
        std::vector<int> counts(l.size(), 0);
        for (int i = 0; i < n; ++i)
            ++counts[sampleOnce(s, l)];
        for (int i = k; i < int(l.size()); ++i)
            QCOMPARE(counts[order[i]], 0);
        int dof = 0;
        QVERIFY(chiSquare(counts, want, n, dof) < 20.5); // 99.9% for 4 dof is 18.5
    }

    void topPExcludesTail() {
        // Probabilities 0.5, 0.25, 0.125, ... : with p = 0.7 the nucleus is
        // the two first tokens (0.75 > 0.7), sampled as 2/3 and 1/3.
        std::vector<float> l;
        for (int i = 0; i < 10; ++i)
            l.push_back(-float(i) * std::log(2.0f));
        Sampler s(SamplerConfig{1.0f, 0, 0.7f, 5});
        const int n = 30000;
        std::vector<int> counts(l.size(), 0);
        for (int i = 0; i < n; ++i)
            ++counts[sampleOnce(s, l)];
        for (size_t i = 2; i < l.size(); ++i)
            QCOMPARE(counts[i], 0);
        const double f0 = counts[0] / double(n);
        QVERIFY2(std::fabs(f0 - 2.0 / 3.0) < 0.015, qPrintable(QString::number(f0)));
        // p just above 0.75 admits the third token.
        Sampler s2(SamplerConfig{1.0f, 0, 0.8f, 6});
        std::vector<int> c2(l.size(), 0);
        for (int i = 0; i < n; ++i)
            ++c2[sampleOnce(s2, l)];
        QVERIFY(c2[2] > 0);
        for (size_t i = 3; i < l.size(); ++i)
            QCOMPARE(c2[i], 0);
    }

    void unseededStillSamples() {
        Sampler s(SamplerConfig{1.0f, 0, 1.0f, 0});
        const auto l = randomLogits(10, 1);
        const int t = sampleOnce(s, l);
        QVERIFY(t >= 0 && t < 10);
    }
};

QTEST_APPLESS_MAIN(TestSampler)
#include "tst_sampler.moc"
