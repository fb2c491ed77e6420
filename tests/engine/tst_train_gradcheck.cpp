// The trainer's analytic gradients against central finite differences of an
// independent double-precision forward (written here from the model's
// definition), for every parameter tensor of a tiny random model with GQA,
// tied and untied classifiers, three packed records and a partial loss mask.
#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "train/ParamLayout.h"
#include "train/TrainGraph.h"
#include "util/SplitMix64.h"

#include <QtTest>

#include <cmath>

using namespace mobi;

class TestTrainGradcheck : public QObject {
    Q_OBJECT
  private slots:
    void gradientsMatchFiniteDifferences_data();
    void gradientsMatchFiniteDifferences();
};

namespace {

ModelConfig tinyConfig(bool tied) {
    ModelConfig c;
    c.dim = 16, c.hiddenDim = 24, c.nLayers = 2, c.nHeads = 4, c.nKvHeads = 2, c.headDim = 4;
    c.vocabSize = 23, c.seqLen = 80, c.tiedEmbeddings = tied;
    return c;
}

// Double-precision reference: the summed cross-entropy of the batch.
class Reference {
  public:
    Reference(const ParamLayout& layout, const TrainBatch& b)
        : L_(layout), c_(layout.config()), b_(b) {}

    double loss(const std::vector<double>& w) const {
        double total = 0;
        for (size_t r = 0; r + 1 < b_.starts.size(); ++r)
            total += recordLoss(w, b_.starts[r], b_.starts[r + 1] - b_.starts[r]);
        return total;
    }

  private:
    using Vec = std::vector<double>;
    Vec norm(const Vec& x, const double* g) const {
        double ss = 0;
        for (double v : x)
            ss += v * v;
        const double r = 1.0 / std::sqrt(ss / x.size() + c_.rmsEps);
        Vec y(x.size());
        for (size_t i = 0; i < x.size(); ++i)
            y[i] = g[i] * x[i] * r;
        return y;
    }
    static Vec matvec(const double* W, int rows, int cols, const Vec& x) {
        Vec y(size_t(rows), 0.0);
        for (int r = 0; r < rows; ++r)
            for (int k = 0; k < cols; ++k)
                y[size_t(r)] += W[size_t(r) * cols + k] * x[size_t(k)];
        return y;
    }
    void rope(Vec& v, int heads, int pos) const {
        const int hd = c_.headDim;
        for (int h = 0; h < heads; ++h)
            for (int i = 0; i < hd / 2; ++i) {
                const double a = pos * std::pow(double(c_.ropeTheta), -2.0 * i / hd);
                double& x0 = v[size_t(h * hd + 2 * i)];
                double& x1 = v[size_t(h * hd + 2 * i + 1)];
                const double y0 = x0 * std::cos(a) - x1 * std::sin(a);
                const double y1 = x0 * std::sin(a) + x1 * std::cos(a);
                x0 = y0, x1 = y1;
            }
    }
    double recordLoss(const std::vector<double>& w, int start, int len) const {
        const int dim = c_.dim, hd = c_.headDim, group = c_.nHeads / c_.nKvHeads;
        std::vector<Vec> x(static_cast<size_t>(len));
        for (int t = 0; t < len; ++t)
            x[size_t(t)] = Vec(
                w.begin() + L_.tokEmbeddings() + size_t(b_.tokens[size_t(start + t)]) * dim,
                w.begin() + L_.tokEmbeddings() + size_t(b_.tokens[size_t(start + t)] + 1) * dim);
        for (int l = 0; l < c_.nLayers; ++l) {
            const LayerParams& P = L_.layer(l);
            const size_t n = static_cast<size_t>(len);
            std::vector<Vec> q(n), k(n), v(n);
            for (int t = 0; t < len; ++t) {
                const Vec xn = norm(x[size_t(t)], &w[P.attnNorm]);
                q[size_t(t)] = matvec(&w[P.wq], c_.qDim(), dim, xn);
                k[size_t(t)] = matvec(&w[P.wk], c_.kvDim(), dim, xn);
                v[size_t(t)] = matvec(&w[P.wv], c_.kvDim(), dim, xn);
                rope(q[size_t(t)], c_.nHeads, t);
                rope(k[size_t(t)], c_.nKvHeads, t);
            }
            for (int t = 0; t < len; ++t) {
                Vec att(size_t(c_.qDim()), 0.0);
                for (int h = 0; h < c_.nHeads; ++h) {
                    const int kvh = h / group;
                    Vec s(size_t(t + 1));
                    double mx = -1e300;
                    for (int j = 0; j <= t; ++j) {
                        double d = 0;
                        for (int i = 0; i < hd; ++i)
                            d += q[size_t(t)][size_t(h * hd + i)] *
                                 k[size_t(j)][size_t(kvh * hd + i)];
                        s[size_t(j)] = d / std::sqrt(double(hd));
                        mx = std::max(mx, s[size_t(j)]);
                    }
                    double sum = 0;
                    for (double& e : s)
                        sum += (e = std::exp(e - mx));
                    for (int j = 0; j <= t; ++j)
                        for (int i = 0; i < hd; ++i)
                            att[size_t(h * hd + i)] +=
                                s[size_t(j)] / sum * v[size_t(j)][size_t(kvh * hd + i)];
                }
                const Vec o = matvec(&w[P.wo], dim, c_.qDim(), att);
                for (int i = 0; i < dim; ++i)
                    x[size_t(t)][size_t(i)] += o[size_t(i)];
                const Vec xn = norm(x[size_t(t)], &w[P.ffnNorm]);
                const Vec g = matvec(&w[P.wGate], c_.hiddenDim, dim, xn);
                const Vec u = matvec(&w[P.wUp], c_.hiddenDim, dim, xn);
                Vec hvec(g.size());
                for (size_t i = 0; i < g.size(); ++i)
                    hvec[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
                const Vec d = matvec(&w[P.wDown], dim, c_.hiddenDim, hvec);
                for (int i = 0; i < dim; ++i)
                    x[size_t(t)][size_t(i)] += d[size_t(i)];
            }
        }
        double loss = 0;
        for (int t = 0; t < len; ++t) {
            const int target = b_.targets[size_t(start + t)];
            if (target < 0) continue;
            const Vec xn = norm(x[size_t(t)], &w[L_.finalNorm()]);
            const Vec z = matvec(&w[L_.classifier()], c_.vocabSize, dim, xn);
            double mx = -1e300, sum = 0;
            for (double e : z)
                mx = std::max(mx, e);
            for (double e : z)
                sum += std::exp(e - mx);
            loss += mx + std::log(sum) - z[size_t(target)];
        }
        return loss;
    }
    const ParamLayout& L_;
    const ModelConfig& c_;
    const TrainBatch& b_;
};

TrainBatch tinyBatch(int vocab) {
    SplitMix64 r{7};
    TrainBatch b;
    // The third record spans two of the attention's query blocks.
    b.starts = {0, 9, 15, 85};
    for (int t = 0; t < 85; ++t)
        b.tokens.push_back(int(r.below(uint64_t(vocab))));
    b.targets.assign(85, -1);
    for (int t = 0; t < 85; ++t) {
        const bool last = t == 8 || t == 14 || t == 84;
        if (!last && t != 2 && t != 10) b.targets[size_t(t)] = b.tokens[size_t(t + 1)];
    }
    return b;
}

} // namespace

void TestTrainGradcheck::gradientsMatchFiniteDifferences_data() {
    QTest::addColumn<bool>("tied");
    QTest::newRow("tied embeddings") << true;
    QTest::newRow("separate classifier") << false;
}

void TestTrainGradcheck::gradientsMatchFiniteDifferences() {
    QFETCH(bool, tied);
    const ParamLayout layout(tinyConfig(tied));
    // Larger than the trainer's initialisation so every nonlinearity bends.
    std::vector<float> w(layout.total());
    SplitMix64 rng{3};
    for (const ParamTensor& t : layout.tensors())
        for (size_t i = 0; i < t.size; ++i)
            w[t.offset + i] =
                static_cast<float>(t.matrix ? 0.4 * rng.normal() : 1.0 + 0.2 * rng.normal());
    const TrainBatch batch = tinyBatch(layout.config().vocabSize);
    ThreadPool pool(2);
    TrainGraph graph(layout, pool, bestKernelIsa());
    const double loss = graph.forward(w.data(), batch);
    std::vector<float> grads(layout.total(), 0.0f);
    graph.backward(w.data(), 1.0f, grads.data());

    std::vector<double> wd(w.begin(), w.end());
    const Reference ref(layout, batch);
    const double refLoss = ref.loss(wd);
    QVERIFY2(std::fabs(loss - refLoss) < 1e-4 * std::fabs(refLoss),
             qPrintable(QString("loss %1, reference %2").arg(loss).arg(refLoss)));

    const double eps = 1e-4;
    int checked = 0;
    for (const ParamTensor& t : layout.tensors()) {
        // Every element of small tensors, a seeded sample of large ones.
        SplitMix64 pick{t.offset + 1};
        const size_t samples = std::min<size_t>(t.size, 24);
        double worst = 0;
        for (size_t s = 0; s < samples; ++s) {
            const size_t i = t.offset + (samples == t.size ? s : pick.below(t.size));
            const double keep = wd[i];
            wd[i] = keep + eps;
            const double up = ref.loss(wd);
            wd[i] = keep - eps;
            const double down = ref.loss(wd);
            wd[i] = keep;
            const double fd = (up - down) / (2 * eps);
            const double err = std::fabs(fd - grads[i]) / (std::fabs(fd) + 1e-2);
            worst = std::max(worst, err);
            if (err > 2e-3)
                QFAIL(qPrintable(QString("%1[%2]: analytic %3, finite difference %4")
                                     .arg(QString::fromStdString(t.name))
                                     .arg(i - t.offset)
                                     .arg(grads[i])
                                     .arg(fd)));
            ++checked;
        }
        qDebug("%-24s worst relative error %.2e", t.name.c_str(), worst);
    }
    QVERIFY(checked > 200);
}

QTEST_APPLESS_MAIN(TestTrainGradcheck)
#include "tst_train_gradcheck.moc"
