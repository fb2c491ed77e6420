// MoBiRoute router MLP and its trainer: forward against a naive double
// computation, the loss gradient against central finite differences, and
// training against known nonlinear functions (R^2 on fresh samples).
#include "TestData.h"

#include "core/Error.h"
#include "route/RouterMlp.h"
#include "route/RouterTrainer.h"

#include <QElapsedTimer>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace mobi;

namespace {

RouterMlp randomNet(int in, int hidden, int out, unsigned seed, float biasShift = 0.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> N(0.0f, 1.0f);
    RouterMlp m;
    m.in = in;
    m.hidden = hidden;
    m.out = out;
    m.w1.resize(size_t(hidden) * in);
    m.b1.resize(hidden);
    m.w2.resize(size_t(out) * hidden);
    m.b2.resize(out);
    for (float& v : m.w1)
        v = N(rng) / std::sqrt(float(in));
    for (float& v : m.b1)
        v = 0.3f * N(rng) + biasShift;
    for (float& v : m.w2)
        v = N(rng) / std::sqrt(float(hidden));
    for (float& v : m.b2)
        v = N(rng);
    return m;
}

std::vector<float> randomMatrix(int rows, int cols, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> N(0.0f, scale);
    std::vector<float> v(size_t(rows) * cols);
    for (float& x : v)
        x = N(rng);
    return v;
}

// Independent double-precision forward.
std::vector<double> naiveForward(const RouterMlp& m, const float* x, int n) {
    std::vector<double> y(size_t(n) * m.out);
    for (int r = 0; r < n; ++r) {
        std::vector<double> h(m.hidden);
        for (int j = 0; j < m.hidden; ++j) {
            double a = m.b1[j];
            for (int i = 0; i < m.in; ++i)
                a += double(m.w1[size_t(j) * m.in + i]) * x[size_t(r) * m.in + i];
            h[j] = std::max(a, 0.0);
        }
        for (int o = 0; o < m.out; ++o) {
            double s = m.b2[o];
            for (int j = 0; j < m.hidden; ++j)
                s += double(m.w2[size_t(o) * m.hidden + j]) * h[j];
            y[size_t(r) * m.out + o] = s;
        }
    }
    return y;
}

// The function the trainer should recover: 16 inputs, 3 outputs with
// different structure and scale.
constexpr int kIn = 16, kOut = 3;
void truth(const float* z, float* t) {
    t[0] = std::sin(1.5f * z[0]) + std::max(z[1] + z[2], 0.0f);
    t[1] = 3.0f * (std::max(z[3], 0.0f) - 0.5f * std::max(-z[4], 0.0f)) + 0.5f * z[5] + 10.0f;
    t[2] = 0.2f * (std::cos(z[6]) + 0.3f * z[7] * z[7] - 0.4f * z[8]);
}

struct Dataset {
    std::vector<float> z, x, t;
    int n = 0;
};

// Latent z ~ N(0,1); x = z * scale + offset per feature (identity unless
// scaled); targets = truth(z) + small noise.
Dataset makeData(int n, unsigned seed, bool scaled, float noise = 0.03f) {
    Dataset d;
    d.n = n;
    d.z = randomMatrix(n, kIn, seed);
    d.x = d.z;
    d.t.resize(size_t(n) * kOut);
    std::mt19937 rng(seed + 1000);
    std::normal_distribution<float> N(0.0f, noise);
    for (int r = 0; r < n; ++r) {
        truth(&d.z[size_t(r) * kIn], &d.t[size_t(r) * kOut]);
        for (int o = 0; o < kOut; ++o)
            d.t[size_t(r) * kOut + o] += N(rng) * (o == 2 ? 0.2f : 1.0f);
        if (scaled)
            for (int i = 0; i < kIn; ++i) {
                static const float scales[4] = {1000.0f, 1e-3f, 1.0f, 37.0f};
                static const float offsets[4] = {50.0f, 2.0f, -3.0f, 400.0f};
                float& v = d.x[size_t(r) * kIn + i];
                v = v * scales[i % 4] + offsets[i % 4];
            }
    }
    return d;
}

// Per-output R^2 of the model on a dataset.
std::vector<double> rSquared(const RouterMlp& m, const Dataset& d) {
    std::vector<float> y(size_t(d.n) * kOut);
    m.forward(d.x.data(), d.n, y.data());
    std::vector<double> r2(kOut);
    for (int o = 0; o < kOut; ++o) {
        double mean = 0;
        for (int r = 0; r < d.n; ++r)
            mean += d.t[size_t(r) * kOut + o];
        mean /= d.n;
        double sse = 0, sst = 0;
        for (int r = 0; r < d.n; ++r) {
            const double t = d.t[size_t(r) * kOut + o];
            const double e = y[size_t(r) * kOut + o] - t;
            sse += e * e;
            sst += (t - mean) * (t - mean);
        }
        r2[o] = 1.0 - sse / sst;
    }
    return r2;
}

// Weights that give every output the same say in the loss despite their
// different scales: 1 / variance of the output's targets.
std::vector<float> inverseVarianceWeights(const Dataset& d) {
    std::vector<float> w(d.t.size());
    for (int o = 0; o < kOut; ++o) {
        double s1 = 0, s2 = 0;
        for (int r = 0; r < d.n; ++r) {
            s1 += d.t[size_t(r) * kOut + o];
            s2 += double(d.t[size_t(r) * kOut + o]) * d.t[size_t(r) * kOut + o];
        }
        const double var = s2 / d.n - (s1 / d.n) * (s1 / d.n);
        for (int r = 0; r < d.n; ++r)
            w[size_t(r) * kOut + o] = float(1.0 / var);
    }
    return w;
}

bool sameParams(const RouterMlp& a, const RouterMlp& b) {
    auto eq = [](const std::vector<float>& u, const std::vector<float>& v) {
        return u.size() == v.size() &&
               (u.empty() || std::memcmp(u.data(), v.data(), u.size() * sizeof(float)) == 0);
    };
    return a.in == b.in && a.hidden == b.hidden && a.out == b.out && eq(a.w1, b.w1) &&
           eq(a.b1, b.b1) && eq(a.w2, b.w2) && eq(a.b2, b.b2);
}

} // namespace

class TestRouterMlp : public QObject {
    Q_OBJECT

  private slots:
    void forwardMatchesNaive_data() {
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("hidden");
        QTest::addColumn<int>("out");
        QTest::addColumn<int>("n");
        QTest::newRow("tiny") << 1 << 1 << 1 << 3;
        QTest::newRow("odd sizes") << 37 << 20 << 3 << 5;
        QTest::newRow("router size") << 2048 << 32 << 4 << 1;
        QTest::newRow("wide hidden (heap scratch)") << 19 << 300 << 2 << 4;
    }
    void forwardMatchesNaive() {
        QFETCH(int, in);
        QFETCH(int, hidden);
        QFETCH(int, out);
        QFETCH(int, n);
        const RouterMlp m = randomNet(in, hidden, out, 11u + unsigned(in));
        m.validate("test");
        const std::vector<float> x = randomMatrix(n, in, 5u);
        std::vector<float> y(size_t(n) * out, std::numeric_limits<float>::quiet_NaN());
        m.forward(x.data(), n, y.data());
        const std::vector<double> ref = naiveForward(m, x.data(), n);
        double maxErr = 0;
        for (size_t k = 0; k < y.size(); ++k) {
            QVERIFY(std::isfinite(y[k]));
            maxErr = std::max(maxErr, std::fabs(y[k] - ref[k]) / (1.0 + std::fabs(ref[k])));
        }
        QVERIFY2(maxErr < 1e-5, qPrintable(QString("max rel err %1").arg(maxErr)));
    }

    void flopsAndSpeed() {
        const RouterMlp m = randomNet(2048, 32, 4, 3u);
        QCOMPARE(m.flopsPerToken(), uint64_t(2 * 32 * 2048 + 32 + 32 + 2 * 4 * 32 + 4));
        const std::vector<float> x = randomMatrix(1, 2048, 9u);
        float y[4];
        QElapsedTimer t;
        t.start();
        const int reps = 2000;
        double sink = 0;
        for (int k = 0; k < reps; ++k) {
            m.forward(x.data(), 1, y);
            sink += y[0];
        }
        const double us = double(t.nsecsElapsed()) / 1e3 / reps;
        qInfo("router forward in=2048 hidden=32 n=1: %.2f us/token (%.2f GFLOP/s), sink %g", us,
              double(m.flopsPerToken()) / (us * 1e3), sink);
    }

    void gradientMatchesFiniteDifferences() {
        const int in = 5, hidden = 4, out = 3, n = 9;
        // Pick a net whose pre-activations stay clear of the ReLU kink, so
        // central differences are exact up to rounding.
        RouterMlp m;
        std::vector<float> x;
        for (unsigned seed = 1;; ++seed) {
            QVERIFY(seed < 200);
            m = randomNet(in, hidden, out, seed);
            x = randomMatrix(n, in, seed + 77u);
            bool clear = true;
            for (int r = 0; r < n && clear; ++r)
                for (int j = 0; j < hidden; ++j) {
                    double a = m.b1[j];
                    for (int i = 0; i < in; ++i)
                        a += double(m.w1[size_t(j) * in + i]) * x[size_t(r) * in + i];
                    if (std::fabs(a) < 0.05) clear = false;
                }
            if (clear) break;
        }
        std::vector<float> t = randomMatrix(n, out, 123u);
        std::vector<float> w(size_t(n) * out);
        std::mt19937 rng(4);
        for (size_t k = 0; k < w.size(); ++k) {
            w[k] = (k % 5 == 2) ? 0.0f : std::uniform_real_distribution<float>(0.1f, 2.0f)(rng);
            if (w[k] == 0.0f) t[k] = std::numeric_limits<float>::quiet_NaN();
        }
        std::vector<float> grad;
        const double loss = routerLoss(m, x.data(), t.data(), w.data(), n, &grad);
        QVERIFY(std::isfinite(loss) && loss > 0);
        QCOMPARE(grad.size(), size_t(hidden * in + hidden + out * hidden + out));

        std::vector<float*> params;
        for (auto* v : {&m.w1, &m.b1, &m.w2, &m.b2})
            for (float& p : *v)
                params.push_back(&p);
        QCOMPARE(params.size(), grad.size());
        double num = 0, den = 0, worst = 0;
        for (size_t k = 0; k < params.size(); ++k) {
            const float orig = *params[k];
            const float hi = orig + 1e-3f, lo = orig - 1e-3f;
            *params[k] = hi;
            const double lp = routerLoss(m, x.data(), t.data(), w.data(), n, nullptr);
            *params[k] = lo;
            const double lm = routerLoss(m, x.data(), t.data(), w.data(), n, nullptr);
            *params[k] = orig;
            const double fd = (lp - lm) / (double(hi) - double(lo));
            const double diff = std::fabs(fd - grad[k]);
            num += diff * diff;
            den += fd * fd;
            worst =
                std::max(worst, diff / std::max({std::fabs(fd), std::fabs(double(grad[k])), 1e-4}));
        }
        const double rel = std::sqrt(num / den);
        qInfo("gradient check: norm-wise rel err %.3g, worst element %.3g", rel, worst);
        QVERIFY(den > 1e-6);
        QVERIFY2(rel < 1e-3, qPrintable(QString::number(rel)));
        QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));

        // Loss agrees with a direct computation.
        const std::vector<double> y = naiveForward(m, x.data(), n);
        double s = 0, ws = 0;
        for (size_t k = 0; k < w.size(); ++k)
            if (w[k] > 0) {
                s += w[k] * (y[k] - t[k]) * (y[k] - t[k]);
                ws += w[k];
            }
        QVERIFY(std::fabs(loss - s / ws) < 1e-9 * (1 + loss));
    }

    void learnsNonlinearFunction() {
        const Dataset train = makeData(4000, 21u, false);
        RouterTrainOptions opt;
        opt.batch = 64; // 4000 rows: the default 256 gives only ~900 Adam steps in 60 epochs
        RouterTrainReport rep;
        QElapsedTimer timer;
        timer.start();
        const std::vector<float> w = inverseVarianceWeights(train);
        const RouterMlp m =
            trainRouter(train.x.data(), train.t.data(), w.data(), train.n, kIn, kOut, opt, &rep);
        const double ms = double(timer.elapsed());
        m.validate("trained");
        const Dataset fresh = makeData(2000, 99u, false);
        const std::vector<double> r2 = rSquared(m, fresh);
        qInfo("train %.4f val %.4f baseline %.4f ratio %.4f epochs %d best %d; fresh R^2 %.3f %.3f "
              "%.3f; %.0f ms",
              rep.trainLoss, rep.validationLoss, rep.baselineLoss,
              rep.validationLoss / rep.baselineLoss, rep.epochsRun, rep.bestEpoch, r2[0], r2[1],
              r2[2], ms);
        QCOMPARE(rep.epochsRun, opt.epochs);
        QCOMPARE(rep.validationRows, 400);
        QCOMPARE(rep.trainRows, 3600);
        QVERIFY(rep.baselineLoss > 0);
        QVERIFY(rep.validationLoss < 0.2 * rep.baselineLoss);
        for (double v : r2)
            QVERIFY2(v > 0.8, qPrintable(QString::number(v)));
    }

    void foldsStandardisation() {
        const Dataset scaled = makeData(4000, 31u, true);
        const Dataset plain = makeData(4000, 31u, false);
        RouterTrainOptions opt;
        opt.batch = 64;
        RouterTrainReport repS, repP;
        const std::vector<float> w = inverseVarianceWeights(plain);
        const RouterMlp ms = trainRouter(scaled.x.data(), scaled.t.data(), w.data(), scaled.n, kIn,
                                         kOut, opt, &repS);
        const RouterMlp mp =
            trainRouter(plain.x.data(), plain.t.data(), w.data(), plain.n, kIn, kOut, opt, &repP);
        const Dataset freshS = makeData(2000, 77u, true);
        const Dataset freshP = makeData(2000, 77u, false);
        const std::vector<double> r2s = rSquared(ms, freshS), r2p = rSquared(mp, freshP);
        qInfo("scaled: val/baseline %.4f R^2 %.3f %.3f %.3f; plain: val/baseline %.4f R^2 %.3f "
              "%.3f %.3f",
              repS.validationLoss / repS.baselineLoss, r2s[0], r2s[1], r2s[2],
              repP.validationLoss / repP.baselineLoss, r2p[0], r2p[1], r2p[2]);
        QVERIFY(repS.validationLoss < 0.2 * repS.baselineLoss);
        for (double v : r2s)
            QVERIFY2(v > 0.8, qPrintable(QString::number(v)));
        // The raw-x model is essentially the same function as the one
        // trained on the unscaled inputs.
        for (int o = 0; o < kOut; ++o)
            QVERIFY(std::fabs(r2s[o] - r2p[o]) < 0.05);
        std::vector<float> ys(freshS.t.size()), yp(freshP.t.size());
        ms.forward(freshS.x.data(), freshS.n, ys.data());
        mp.forward(freshP.x.data(), freshP.n, yp.data());
        const std::vector<float> wf = inverseVarianceWeights(freshP);
        double msd = 0;
        for (size_t k = 0; k < ys.size(); ++k)
            msd += wf[k] * double(ys[k] - yp[k]) * (ys[k] - yp[k]);
        msd /= double(freshP.n * kOut);
        qInfo("scaled vs plain model on fresh data: mean squared difference / variance %.3g", msd);
        QVERIFY(msd < 0.01);

        // With all rows validating, the reported loss (computed in the
        // standardised training space) equals the folded model's loss on raw x.
        RouterTrainOptions all = opt;
        all.validationShare = 0.0f;
        all.epochs = 10;
        RouterTrainReport repA;
        const RouterMlp ma =
            trainRouter(scaled.x.data(), scaled.t.data(), nullptr, scaled.n, kIn, kOut, all, &repA);
        const double raw =
            routerLoss(ma, scaled.x.data(), scaled.t.data(), nullptr, scaled.n, nullptr);
        qInfo("fold check: reported %.6f, raw-x loss %.6f", repA.validationLoss, raw);
        QCOMPARE(repA.validationRows, scaled.n);
        QVERIFY(std::fabs(raw - repA.validationLoss) < 1e-3 * repA.validationLoss);
        QVERIFY(std::fabs(raw - repA.trainLoss) < 1e-3 * repA.trainLoss);
    }

    void weightsAndDeterminism() {
        Dataset d = makeData(1500, 41u, false);
        std::vector<float> w(d.t.size(), 1.0f);
        std::mt19937 rng(8);
        for (size_t k = 0; k < w.size(); ++k)
            if (rng() % 10 < 3) w[k] = 0.0f;
        // A few rows ignored entirely, with non-finite inputs.
        for (int r = 0; r < d.n; r += 97) {
            for (int o = 0; o < kOut; ++o)
                w[size_t(r) * kOut + o] = 0.0f;
            d.x[size_t(r) * kIn + 3] = std::numeric_limits<float>::infinity();
        }
        std::vector<float> tNan = d.t, tJunk = d.t, xJunk = d.x;
        for (size_t k = 0; k < w.size(); ++k)
            if (w[k] == 0.0f) {
                tNan[k] = std::numeric_limits<float>::quiet_NaN();
                tJunk[k] = 1e6f;
            }
        for (int r = 0; r < d.n; r += 97)
            xJunk[size_t(r) * kIn + 3] = -5e4f;

        RouterTrainOptions opt;
        opt.epochs = 15;
        RouterTrainReport rep;
        const RouterMlp a =
            trainRouter(d.x.data(), tNan.data(), w.data(), d.n, kIn, kOut, opt, &rep);
        a.validate("weighted");
        QVERIFY(std::isfinite(rep.validationLoss) && rep.validationLoss < 0.5 * rep.baselineLoss);
        // Zero-weight entries are ignored: replacing them changes nothing.
        const RouterMlp b = trainRouter(xJunk.data(), tJunk.data(), w.data(), d.n, kIn, kOut, opt);
        QVERIFY(sameParams(a, b));
        // Same seed: bit-identical; different seed: different.
        const RouterMlp c = trainRouter(d.x.data(), tNan.data(), w.data(), d.n, kIn, kOut, opt);
        QVERIFY(sameParams(a, c));
        RouterTrainOptions other = opt;
        other.seed = 2;
        const RouterMlp e = trainRouter(d.x.data(), tNan.data(), w.data(), d.n, kIn, kOut, other);
        QVERIFY(!sameParams(a, e));
        // ... and weights do matter where positive.
        std::vector<float> w2 = w;
        for (size_t k = 0; k < w2.size(); k += 3)
            if (w2[k] > 0) w2[k] = 4.0f;
        const RouterMlp f = trainRouter(d.x.data(), tNan.data(), w2.data(), d.n, kIn, kOut, opt);
        QVERIFY(!sameParams(a, f));

        // Small n: all rows train and validate.
        RouterTrainReport small;
        trainRouter(d.x.data() + kIn, d.t.data() + kOut, nullptr, 12, kIn, kOut, opt, &small);
        QCOMPARE(small.trainRows, 12);
        QCOMPARE(small.validationRows, 12);
    }

    void badInputThrows() {
        const Dataset d = makeData(50, 5u, false);
        RouterTrainOptions opt;
        opt.epochs = 2;
        auto train = [&](const float* x, const float* t, const float* w, int n, int in, int out,
                         const RouterTrainOptions& o) { trainRouter(x, t, w, n, in, out, o); };
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 train(d.x.data(), d.t.data(), nullptr, 0, kIn, kOut, opt));
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 train(d.x.data(), d.t.data(), nullptr, d.n, 0, kOut, opt));
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 train(d.x.data(), d.t.data(), nullptr, d.n, kIn, 0, opt));
        std::vector<float> xNan = d.x;
        xNan[7 * kIn + 2] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 train(xNan.data(), d.t.data(), nullptr, d.n, kIn, kOut, opt));
        std::vector<float> tNan = d.t;
        tNan[4] = std::numeric_limits<float>::infinity();
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 train(d.x.data(), tNan.data(), nullptr, d.n, kIn, kOut, opt));
        std::vector<float> wNeg(d.t.size(), 1.0f);
        wNeg[10] = -1.0f;
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 train(d.x.data(), d.t.data(), wNeg.data(), d.n, kIn, kOut, opt));
        std::vector<float> wZero(d.t.size(), 0.0f);
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 train(d.x.data(), d.t.data(), wZero.data(), d.n, kIn, kOut, opt));
        for (int which = 0; which < 5; ++which) {
            RouterTrainOptions bad = opt;
            if (which == 0) bad.hidden = 0;
            if (which == 1) bad.epochs = 0;
            if (which == 2) bad.batch = -1;
            if (which == 3) bad.lr = std::numeric_limits<float>::quiet_NaN();
            if (which == 4) bad.validationShare = 1.0f;
            QVERIFY_THROWS_EXCEPTION(EngineError,
                                     train(d.x.data(), d.t.data(), nullptr, d.n, kIn, kOut, bad));
        }
        // Cancellation between epochs.
        int calls = 0;
        try {
            trainRouter(d.x.data(), d.t.data(), nullptr, d.n, kIn, kOut, opt, nullptr,
                        [&] { return ++calls > 1; });
            QFAIL("not cancelled");
        } catch (const EngineError& e) {
            QCOMPARE(QString::fromStdString(e.problem()), QString("cancelled"));
        }
        QCOMPARE(calls, 2);

        RouterMlp m = randomNet(4, 3, 2, 1u);
        m.validate("ok");
        RouterMlp bad = m;
        bad.w1.pop_back();
        QVERIFY_THROWS_EXCEPTION(EngineError, bad.validate("w1"));
        bad = m;
        bad.b2.push_back(0.0f);
        QVERIFY_THROWS_EXCEPTION(EngineError, bad.validate("b2"));
        bad = m;
        bad.hidden = 0;
        QVERIFY_THROWS_EXCEPTION(EngineError, bad.validate("dims"));
        bad = m;
        bad.w2[1] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY_THROWS_EXCEPTION(EngineError, bad.validate("nan"));
        QVERIFY_THROWS_EXCEPTION(EngineError, RouterMlp().validate("empty"));
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 routerLoss(bad, d.x.data(), d.t.data(), nullptr, 1, nullptr));
    }
};

QTEST_APPLESS_MAIN(TestRouterMlp)
#include "tst_router_mlp.moc"
