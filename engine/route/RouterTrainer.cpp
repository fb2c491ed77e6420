#include "route/RouterTrainer.h"

#include "core/Error.h"
#include "kernels/VectorOps.h"
#include "util/SplitMix64.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace mobi {

namespace {

const char* const kWhere = "router training";

inline float weightAt(const float* weights, size_t idx) {
    return weights ? weights[idx] : 1.0f;
}

// Training data in standardised space: z = (x - mu) * invStd per feature,
// y = (t - tMean) / tStd per output. The loss is kept in original target
// units, so the output gradient carries a factor tStd.
struct Problem {
    const float* X;
    const float* T;
    const float* W;
    int in, hidden, out;
    std::vector<float> mu, invStd;  // per feature
    std::vector<float> tMean, tStd; // per output
    size_t oB1, oW2, oB2, P;
};

struct Scratch {
    std::vector<float> z, a, h, gy, dh;
    explicit Scratch(const Problem& p)
        : z(size_t(p.in)), a(size_t(p.hidden)), h(size_t(p.hidden)), gy(size_t(p.out)),
          dh(size_t(p.hidden)) {}
};

// Forward of one row in standardised space; fills s.z, s.a, s.h and writes
// predictions in original target units into yOut.
void forwardRow(const Problem& p, const float* theta, int row, Scratch& s, float* yOut) {
    const float* x = p.X + size_t(row) * size_t(p.in);
    for (int i = 0; i < p.in; ++i)
        s.z[size_t(i)] = (x[i] - p.mu[size_t(i)]) * p.invStd[size_t(i)];
    const float* W1 = theta;
    const float* B1 = theta + p.oB1;
    const float* W2 = theta + p.oW2;
    const float* B2 = theta + p.oB2;
    for (int j = 0; j < p.hidden; ++j) {
        const float a = B1[j] + dotF32(W1 + size_t(j) * size_t(p.in), s.z.data(), p.in);
        s.a[size_t(j)] = a;
        s.h[size_t(j)] = a > 0.0f ? a : 0.0f;
    }
    for (int o = 0; o < p.out; ++o) {
        const float y = B2[o] + dotF32(W2 + size_t(o) * size_t(p.hidden), s.h.data(), p.hidden);
        yOut[o] = y * p.tStd[size_t(o)] + p.tMean[size_t(o)];
    }
}

// Sum of weights of the given rows.
double weightSum(const float* weights, int out, const int* rows, size_t count) {
    double s = 0;
    for (size_t k = 0; k < count; ++k)
        for (int o = 0; o < out; ++o)
            s += weightAt(weights, size_t(rows[k]) * size_t(out) + size_t(o));
    return s;
}

// Weighted MSE (original units) of the parameters on the given rows.
double evalLoss(const Problem& p, const float* theta, const std::vector<int>& rows, Scratch& s) {
    std::vector<float> y(size_t(p.out));
    double num = 0, den = 0;
    for (int r : rows) {
        forwardRow(p, theta, r, s, y.data());
        for (int o = 0; o < p.out; ++o) {
            const size_t idx = size_t(r) * size_t(p.out) + size_t(o);
            const float w = weightAt(p.W, idx);
            if (w <= 0.0f) continue;
            const double e = double(y[size_t(o)]) - double(p.T[idx]);
            num += double(w) * e * e;
            den += w;
        }
    }
    return den > 0 ? num / den : 0.0;
}

// Accumulates the gradient of the batch's weighted MSE (normalised by the
// batch's weight sum) into grad, which the caller zeroes.
void batchGradient(const Problem& p, const float* theta, const int* rows, size_t count, float* grad,
                   Scratch& s) {
    const double wsum = weightSum(p.W, p.out, rows, count);
    if (wsum <= 0) return;
    const float scale = float(2.0 / wsum);
    const float* W2 = theta + p.oW2;
    float* gW1 = grad;
    float* gB1 = grad + p.oB1;
    float* gW2 = grad + p.oW2;
    float* gB2 = grad + p.oB2;
    std::vector<float> y(size_t(p.out));
    for (size_t k = 0; k < count; ++k) {
        const int r = rows[k];
        forwardRow(p, theta, r, s, y.data());
        bool any = false;
        for (int o = 0; o < p.out; ++o) {
            const size_t idx = size_t(r) * size_t(p.out) + size_t(o);
            const float w = weightAt(p.W, idx);
            float g = 0.0f;
            if (w > 0.0f) {
                g = scale * w * (y[size_t(o)] - p.T[idx]) * p.tStd[size_t(o)];
                any = true;
            }
            s.gy[size_t(o)] = g;
        }
        if (!any) continue;
        std::fill(s.dh.begin(), s.dh.end(), 0.0f);
        for (int o = 0; o < p.out; ++o) {
            const float g = s.gy[size_t(o)];
            if (g == 0.0f) continue;
            gB2[o] += g;
            float* gw = gW2 + size_t(o) * size_t(p.hidden);
            const float* w2 = W2 + size_t(o) * size_t(p.hidden);
            for (int j = 0; j < p.hidden; ++j) {
                gw[j] += g * s.h[size_t(j)];
                s.dh[size_t(j)] += g * w2[j];
            }
        }
        for (int j = 0; j < p.hidden; ++j) {
            if (s.a[size_t(j)] <= 0.0f) continue;
            const float d = s.dh[size_t(j)];
            gB1[j] += d;
            float* gw = gW1 + size_t(j) * size_t(p.in);
            const float* z = s.z.data();
            for (int i = 0; i < p.in; ++i)
                gw[i] += d * z[i];
        }
    }
}

void checkOptions(const RouterTrainOptions& opt) {
    if (opt.hidden <= 0)
        throw EngineError(kWhere, "hidden must be positive, got " + std::to_string(opt.hidden));
    if (opt.epochs <= 0)
        throw EngineError(kWhere, "epochs must be positive, got " + std::to_string(opt.epochs));
    if (opt.batch <= 0)
        throw EngineError(kWhere, "batch must be positive, got " + std::to_string(opt.batch));
    if (!std::isfinite(opt.lr) || opt.lr <= 0.0f)
        throw EngineError(kWhere, "learning rate must be positive and finite");
    if (!std::isfinite(opt.weightDecay) || opt.weightDecay < 0.0f)
        throw EngineError(kWhere, "weight decay must be >= 0 and finite");
    if (!(opt.validationShare >= 0.0f && opt.validationShare < 1.0f))
        throw EngineError(kWhere, "validation share must be in [0, 1)");
}

} // namespace

RouterMlp trainRouter(const float* X, const float* targets, const float* weights, int n, int in,
                      int out, const RouterTrainOptions& opt, RouterTrainReport* report,
                      const std::function<bool()>& cancelled) {
    if (n <= 0) throw EngineError(kWhere, "no training rows (n = " + std::to_string(n) + ")");
    if (in <= 0 || out <= 0)
        throw EngineError(kWhere, "input and output sizes must be positive (in " +
                                      std::to_string(in) + ", out " + std::to_string(out) + ")");
    if (!X || !targets) throw EngineError(kWhere, "missing inputs or targets");
    checkOptions(opt);

    // Rows that carry any weight; check values where they matter.
    std::vector<int> active;
    active.reserve(size_t(n));
    for (int r = 0; r < n; ++r) {
        bool any = false;
        for (int o = 0; o < out; ++o) {
            const size_t idx = size_t(r) * size_t(out) + size_t(o);
            const float w = weightAt(weights, idx);
            if (!(w >= 0.0f) || !std::isfinite(w))
                throw EngineError(kWhere, "weight of row " + std::to_string(r) + ", output " +
                                              std::to_string(o) + " is negative or not finite");
            if (w > 0.0f) {
                any = true;
                if (!std::isfinite(targets[idx]))
                    throw EngineError(kWhere, "target of row " + std::to_string(r) + ", output " +
                                                  std::to_string(o) + " is not finite");
            }
        }
        if (!any) continue;
        const float* x = X + size_t(r) * size_t(in);
        for (int i = 0; i < in; ++i)
            if (!std::isfinite(x[i]))
                throw EngineError(kWhere, "input of row " + std::to_string(r) + ", feature " +
                                              std::to_string(i) + " is not finite");
        active.push_back(r);
    }
    if (active.empty()) throw EngineError(kWhere, "all weights are zero");

    SplitMix64 rng{opt.seed ^ 0x6D6F626952747221ull};

    // Split into training and validation rows.
    std::vector<int> trainRows, valRows;
    const size_t nAct = active.size();
    size_t nVal = size_t(std::llround(double(opt.validationShare) * double(nAct)));
    if (nAct < 20 || nVal == 0) {
        trainRows = active;
        valRows = active;
    } else {
        nVal = std::min(nVal, nAct - 1);
        std::vector<int> perm = active;
        for (size_t k = perm.size(); k > 1; --k)
            std::swap(perm[k - 1], perm[size_t(rng.below(k))]);
        valRows.assign(perm.begin(), perm.begin() + std::ptrdiff_t(nVal));
        trainRows.assign(perm.begin() + std::ptrdiff_t(nVal), perm.end());
        std::sort(valRows.begin(), valRows.end());
        std::sort(trainRows.begin(), trainRows.end());
        if (weightSum(weights, out, valRows.data(), valRows.size()) <= 0) valRows = active;
    }

    Problem p{X, targets, weights, in, opt.hidden, out, {}, {}, {}, {}, 0, 0, 0, 0};
    // Per-feature standardisation over the training rows.
    p.mu.assign(size_t(in), 0.0f);
    p.invStd.assign(size_t(in), 1.0f);
    {
        std::vector<double> sum(size_t(in), 0.0), sq(size_t(in), 0.0);
        for (int r : trainRows) {
            const float* x = X + size_t(r) * size_t(in);
            for (int i = 0; i < in; ++i)
                sum[size_t(i)] += x[i];
        }
        const double cnt = double(trainRows.size());
        for (int i = 0; i < in; ++i)
            sum[size_t(i)] /= cnt;
        for (int r : trainRows) {
            const float* x = X + size_t(r) * size_t(in);
            for (int i = 0; i < in; ++i) {
                const double d = double(x[i]) - sum[size_t(i)];
                sq[size_t(i)] += d * d;
            }
        }
        for (int i = 0; i < in; ++i) {
            const double sd = std::sqrt(sq[size_t(i)] / cnt);
            p.mu[size_t(i)] = float(sum[size_t(i)]);
            const double mag = std::max(std::fabs(sum[size_t(i)]), 1.0);
            p.invStd[size_t(i)] = sd > 1e-12 * mag && sd > 0 ? float(1.0 / sd) : 1.0f;
        }
    }
    // Per-output weighted target mean and standard deviation.
    p.tMean.assign(size_t(out), 0.0f);
    p.tStd.assign(size_t(out), 1.0f);
    {
        std::vector<double> ws(size_t(out), 0.0), s1(size_t(out), 0.0), s2(size_t(out), 0.0);
        for (int r : trainRows)
            for (int o = 0; o < out; ++o) {
                const size_t idx = size_t(r) * size_t(out) + size_t(o);
                const double w = weightAt(weights, idx);
                if (w <= 0) continue;
                ws[size_t(o)] += w;
                s1[size_t(o)] += w * targets[idx];
            }
        for (int o = 0; o < out; ++o)
            if (ws[size_t(o)] > 0) s1[size_t(o)] /= ws[size_t(o)];
        for (int r : trainRows)
            for (int o = 0; o < out; ++o) {
                const size_t idx = size_t(r) * size_t(out) + size_t(o);
                const double w = weightAt(weights, idx);
                if (w <= 0) continue;
                const double d = targets[idx] - s1[size_t(o)];
                s2[size_t(o)] += w * d * d;
            }
        for (int o = 0; o < out; ++o) {
            p.tMean[size_t(o)] = float(s1[size_t(o)]);
            const double sd = ws[size_t(o)] > 0 ? std::sqrt(s2[size_t(o)] / ws[size_t(o)]) : 0.0;
            p.tStd[size_t(o)] =
                sd > 1e-12 * std::max(std::fabs(s1[size_t(o)]), 1.0) && sd > 0 ? float(sd) : 1.0f;
        }
    }

    const int H = opt.hidden;
    p.oB1 = size_t(H) * size_t(in);
    p.oW2 = p.oB1 + size_t(H);
    p.oB2 = p.oW2 + size_t(out) * size_t(H);
    p.P = p.oB2 + size_t(out);

    // He initialisation for the ReLU layer, 1/sqrt(fan-in) for the output;
    // biases zero, so the initial prediction is the target mean.
    std::vector<float> theta(p.P, 0.0f);
    {
        const double s1 = std::sqrt(2.0 / double(in));
        for (size_t k = 0; k < p.oB1; ++k)
            theta[k] = float(s1 * rng.normal());
        const double s2 = std::sqrt(1.0 / double(H));
        for (size_t k = p.oW2; k < p.oB2; ++k)
            theta[k] = float(s2 * rng.normal());
    }

    Scratch scratch(p);
    std::vector<float> grad(p.P), m(p.P, 0.0f), v(p.P, 0.0f), best = theta;
    double bestVal = std::numeric_limits<double>::infinity();
    int bestEpoch = 0, epochsRun = 0;
    const float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    double b1t = 1.0, b2t = 1.0;
    std::vector<int> order = trainRows;
    const size_t B = size_t(opt.batch);

    for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
        if (cancelled && cancelled()) throw EngineError(kWhere, "cancelled");
        for (size_t k = order.size(); k > 1; --k)
            std::swap(order[k - 1], order[size_t(rng.below(k))]);
        for (size_t start = 0; start < order.size(); start += B) {
            const size_t count = std::min(B, order.size() - start);
            std::fill(grad.begin(), grad.end(), 0.0f);
            batchGradient(p, theta.data(), order.data() + start, count, grad.data(), scratch);
            b1t *= beta1;
            b2t *= beta2;
            const float lrT = float(double(opt.lr) * std::sqrt(1.0 - b2t) / (1.0 - b1t));
            const float decay = 1.0f - opt.lr * opt.weightDecay;
            for (size_t k = 0; k < p.P; ++k) {
                const float g = grad[k];
                m[k] = beta1 * m[k] + (1.0f - beta1) * g;
                v[k] = beta2 * v[k] + (1.0f - beta2) * g * g;
                const bool isWeight = k < p.oB1 || (k >= p.oW2 && k < p.oB2);
                if (isWeight) theta[k] *= decay;
                theta[k] -= lrT * m[k] / (std::sqrt(v[k]) + eps);
            }
        }
        epochsRun = epoch;
        const double val = evalLoss(p, theta.data(), valRows, scratch);
        if (!std::isfinite(val))
            throw EngineError(kWhere, "training diverged (non-finite loss at epoch " +
                                          std::to_string(epoch) + ")");
        if (val < bestVal) {
            bestVal = val;
            best = theta;
            bestEpoch = epoch;
        }
    }

    // Fold the standardisations into the result: w1' = w1 / s, b1' = b1 -
    // w1' mu; w2' = tStd * w2, b2' = tStd * b2 + tMean.
    RouterMlp r;
    r.in = in;
    r.hidden = H;
    r.out = out;
    r.w1.resize(p.oB1);
    r.b1.resize(size_t(H));
    r.w2.resize(size_t(out) * size_t(H));
    r.b2.resize(size_t(out));
    for (int j = 0; j < H; ++j) {
        double shift = 0;
        for (int i = 0; i < in; ++i) {
            const size_t k = size_t(j) * size_t(in) + size_t(i);
            const double w = double(best[k]) * double(p.invStd[size_t(i)]);
            r.w1[k] = float(w);
            shift += w * double(p.mu[size_t(i)]);
        }
        r.b1[size_t(j)] = float(double(best[p.oB1 + size_t(j)]) - shift);
    }
    for (int o = 0; o < out; ++o) {
        for (int j = 0; j < H; ++j) {
            const size_t k = size_t(o) * size_t(H) + size_t(j);
            r.w2[k] = best[p.oW2 + k] * p.tStd[size_t(o)];
        }
        r.b2[size_t(o)] = best[p.oB2 + size_t(o)] * p.tStd[size_t(o)] + p.tMean[size_t(o)];
    }
    r.validate(kWhere);

    if (report) {
        report->trainLoss = evalLoss(p, best.data(), trainRows, scratch);
        report->validationLoss = bestVal;
        double num = 0, den = 0;
        for (int row : valRows)
            for (int o = 0; o < out; ++o) {
                const size_t idx = size_t(row) * size_t(out) + size_t(o);
                const float w = weightAt(weights, idx);
                if (w <= 0.0f) continue;
                const double e = double(p.tMean[size_t(o)]) - double(targets[idx]);
                num += double(w) * e * e;
                den += w;
            }
        report->baselineLoss = den > 0 ? num / den : 0.0;
        report->epochsRun = epochsRun;
        report->bestEpoch = bestEpoch;
        report->trainRows = int(trainRows.size());
        report->validationRows = int(valRows.size());
    }
    return r;
}

double routerLoss(const RouterMlp& m, const float* X, const float* targets, const float* weights,
                  int n, std::vector<float>* gradient) {
    m.validate("router loss");
    if (n < 0) throw EngineError("router loss", "negative row count");
    if (n > 0 && (!X || !targets)) throw EngineError("router loss", "missing inputs or targets");
    const int I = m.in, H = m.hidden, O = m.out;
    const size_t oB1 = size_t(H) * size_t(I), oW2 = oB1 + size_t(H),
                 oB2 = oW2 + size_t(O) * size_t(H), P = oB2 + size_t(O);
    double wsum = 0;
    for (size_t k = 0; k < size_t(n) * size_t(O); ++k) {
        const float w = weightAt(weights, k);
        if (!(w >= 0.0f) || !std::isfinite(w))
            throw EngineError("router loss", "weights must be finite and >= 0");
        wsum += w;
    }
    std::vector<double> g(gradient ? P : 0, 0.0);
    if (gradient) gradient->assign(P, 0.0f);
    if (wsum <= 0) return 0.0;
    std::vector<double> a(static_cast<size_t>(H)), h(static_cast<size_t>(H)),
        gy(static_cast<size_t>(O)), dh(static_cast<size_t>(H));
    double num = 0;
    for (int r = 0; r < n; ++r) {
        const float* x = X + size_t(r) * size_t(I);
        for (int j = 0; j < H; ++j) {
            double s = m.b1[size_t(j)];
            const float* w = m.w1.data() + size_t(j) * size_t(I);
            for (int i = 0; i < I; ++i)
                s += double(w[i]) * double(x[i]);
            a[size_t(j)] = s;
            h[size_t(j)] = s > 0 ? s : 0.0;
        }
        for (int o = 0; o < O; ++o) {
            const size_t idx = size_t(r) * size_t(O) + size_t(o);
            const float w = weightAt(weights, idx);
            gy[size_t(o)] = 0;
            if (w <= 0.0f) continue;
            double y = m.b2[size_t(o)];
            const float* w2 = m.w2.data() + size_t(o) * size_t(H);
            for (int j = 0; j < H; ++j)
                y += double(w2[j]) * h[size_t(j)];
            const double e = y - double(targets[idx]);
            num += double(w) * e * e;
            gy[size_t(o)] = 2.0 * double(w) * e / wsum;
        }
        if (!gradient) continue;
        std::fill(dh.begin(), dh.end(), 0.0);
        for (int o = 0; o < O; ++o) {
            const double go = gy[size_t(o)];
            if (go == 0.0) continue;
            g[oB2 + size_t(o)] += go;
            for (int j = 0; j < H; ++j) {
                g[oW2 + size_t(o) * size_t(H) + size_t(j)] += go * h[size_t(j)];
                dh[size_t(j)] += go * double(m.w2[size_t(o) * size_t(H) + size_t(j)]);
            }
        }
        for (int j = 0; j < H; ++j) {
            if (a[size_t(j)] <= 0) continue;
            const double d = dh[size_t(j)];
            g[oB1 + size_t(j)] += d;
            for (int i = 0; i < I; ++i)
                g[size_t(j) * size_t(I) + size_t(i)] += d * double(x[i]);
        }
    }
    if (gradient)
        for (size_t k = 0; k < P; ++k)
            (*gradient)[k] = float(g[k]);
    return num / wsum;
}

} // namespace mobi
