// Every op of every backend on odd shapes (llama.cpp's test-backend-ops):
// the CPU backend against independent double-precision computations written
// here, each other backend against the CPU backend. A backend that is not
// available (the CUDA one without a device or without a build) is listed as
// skipped with the reason, and so is an op a backend does not have.
#include "TestData.h"

#include "backend/CpuBackend.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "quant/SlicedMatrix.h"

#ifdef MOBISCOPE_WITH_CUDA
#include "CudaBackend.h"
#endif

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace mobi;

namespace {

struct BackendEntry {
    std::string name;
    // The backend, or null with `why` saying why it is not available here.
    std::function<std::unique_ptr<Backend>(ThreadPool&, std::string& why)> make;
};

std::vector<BackendEntry> backends() {
    return {
        {"cpu", [](ThreadPool& pool, std::string&) { return std::make_unique<CpuBackend>(pool); }},
        {"cuda",
         [](ThreadPool&, std::string& why) -> std::unique_ptr<Backend> {
#ifdef MOBISCOPE_WITH_CUDA
             return gpu::CudaBackend::create(&why);
#else
             why = "built without CUDA";
             return nullptr;
#endif
         }},
    };
}

std::vector<float> randomVector(size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> N(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v)
        x = N(rng);
    return v;
}

// |got - want| <= tol * (1 + |scale|) element by element.
bool closeTo(const std::vector<float>& got, const std::vector<double>& want,
             const std::vector<double>& scale, double tol, std::string& why) {
    if (got.size() != want.size()) {
        why = "size " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
        return false;
    }
    for (size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
        if (!(err <= tol * (1.0 + std::fabs(scale[i])))) {
            why = "element " + std::to_string(i) + ": " + std::to_string(got[i]) + " vs " +
                  std::to_string(want[i]);
            return false;
        }
    }
    return true;
}

std::vector<double> toDouble(const std::vector<float>& v) {
    return {v.begin(), v.end()};
}

// Each op: runs on a backend, and gives the expected values (double
// references for the CPU backend) plus per-element error scales.
struct OpCase {
    BackendOp op;
    std::string shape;
    std::function<std::vector<float>(Backend&)> run;
    std::function<void(std::vector<double>&, std::vector<double>&)> reference;
};

std::vector<OpCase> opCases() {
    std::vector<OpCase> cases;
    // Dense matmul group: two jobs of 37 and 5 rows on 29-wide inputs, 3 tokens.
    for (int n : {1, 3}) {
        const int cols = 29, r0 = 37, r1 = 5;
        auto w0 = std::make_shared<Tensor>(
            Tensor::fromF32("w0", {r0, cols}, randomVector(size_t(r0) * cols, 1)));
        auto w1 = std::make_shared<Tensor>(
            Tensor::fromF32("w1", {r1, cols}, randomVector(size_t(r1) * cols, 2)));
        auto X = std::make_shared<std::vector<float>>(randomVector(size_t(n) * cols, 3));
        cases.push_back(
            {BackendOp::Matmul, "37+5 x 29, n " + std::to_string(n),
             [=](Backend& b) {
                 std::vector<float> y(size_t(n) * (r0 + r1));
                 const MatmulJob jobs[2] = {{weightView(*w0), y.data(), r0 + r1},
                                            {weightView(*w1), y.data() + r0, r0 + r1}};
                 b.matmulGroup(jobs, 2, X->data(), cols, n);
                 return y;
             },
             [=](std::vector<double>& want, std::vector<double>& scale) {
                 for (int t = 0; t < n; ++t)
                     for (int r = 0; r < r0 + r1; ++r) {
                         const float* row =
                             r < r0 ? static_cast<const float*>(w0->data) + size_t(r) * cols
                                    : static_cast<const float*>(w1->data) + size_t(r - r0) * cols;
                         double s = 0, a = 0;
                         for (int j = 0; j < cols; ++j) {
                             s += double(row[j]) * (*X)[size_t(t) * cols + j];
                             a += std::fabs(double(row[j]) * (*X)[size_t(t) * cols + j]);
                         }
                         want.push_back(s);
                         scale.push_back(a);
                     }
             }});
    }
    // Sliced matmul at every level: 19 rows of 176 (a 48-wide tail group).
    for (int level = 1; level <= 4; ++level) {
        const int rows = 19, cols = 176, n = 3;
        SliceConfig cfg;
        auto W = std::make_shared<SlicedMatrix>(
            SlicedMatrix::quantize(randomVector(size_t(rows) * cols, 4).data(), rows, cols, cfg));
        auto X = std::make_shared<std::vector<float>>(randomVector(size_t(n) * cols, 5));
        cases.push_back({BackendOp::SlicedMatmul, "19 x 176 level " + std::to_string(level),
                         [=](Backend& b) {
                             std::vector<float> y(size_t(n) * rows);
                             const SlicedJob job{W.get(), level, y.data(), rows};
                             b.slicedMatmulGroup(&job, 1, X->data(), cols, n,
                                                 SlicedKernelMode::Float);
                             return y;
                         },
                         [=](std::vector<double>& want, std::vector<double>& scale) {
                             const std::vector<float> d = W->dequantizeLevel(level);
                             for (int t = 0; t < n; ++t)
                                 for (int r = 0; r < rows; ++r) {
                                     double s = 0, a = 0;
                                     for (int j = 0; j < cols; ++j) {
                                         const double p = double(d[size_t(r) * cols + j]) *
                                                          (*X)[size_t(t) * cols + j];
                                         s += p;
                                         a += std::fabs(p);
                                     }
                                     want.push_back(s);
                                     scale.push_back(a);
                                 }
                         }});
    }
    // RMSNorm over 5 rows of 43.
    {
        const int rows = 5, width = 43;
        auto x = std::make_shared<std::vector<float>>(randomVector(size_t(rows) * width, 6, 3));
        auto w = std::make_shared<std::vector<float>>(randomVector(size_t(width), 7));
        cases.push_back({BackendOp::RmsNorm, "5 x 43",
                         [=](Backend& b) {
                             std::vector<float> out(x->size());
                             b.rmsNorm(out.data(), x->data(), w->data(), rows, width, 1e-5f);
                             return out;
                         },
                         [=](std::vector<double>& want, std::vector<double>& scale) {
                             for (int r = 0; r < rows; ++r) {
                                 double ss = 0;
                                 for (int i = 0; i < width; ++i)
                                     ss += double((*x)[size_t(r) * width + i]) *
                                           (*x)[size_t(r) * width + i];
                                 const double inv = 1.0 / std::sqrt(ss / width + 1e-5);
                                 for (int i = 0; i < width; ++i) {
                                     want.push_back((*w)[i] * (*x)[size_t(r) * width + i] * inv);
                                     scale.push_back(std::fabs(want.back()));
                                 }
                             }
                         }});
    }
    // RoPE, both pair layouts, 3 rows of 3 heads of 10 at position 7, theta 500, scale 2.
    for (bool interleaved : {true, false}) {
        const int n = 3, heads = 3, hd = 10, pos = 7;
        const RopeParams p{hd, 500.0f, 2.0f, interleaved};
        auto x = std::make_shared<std::vector<float>>(randomVector(size_t(n) * heads * hd, 8));
        cases.push_back(
            {BackendOp::Rope, std::string(interleaved ? "interleaved" : "half") + " 3 x 3 x 10",
             [=](Backend& b) {
                 std::vector<float> v = *x;
                 b.rope(v.data(), n, heads, p, pos);
                 return v;
             },
             [=](std::vector<double>& want, std::vector<double>& scale) {
                 want = toDouble(*x);
                 scale.assign(want.size(), 0);
                 for (int t = 0; t < n; ++t)
                     for (int h = 0; h < heads; ++h)
                         for (int i = 0; i < hd / 2; ++i) {
                             const double angle = (pos + t) / 2.0 * std::pow(500.0, -2.0 * i / hd);
                             const size_t base = (size_t(t) * heads + h) * hd;
                             const size_t a = base + (interleaved ? 2 * i : i);
                             const size_t c = base + (interleaved ? 2 * i + 1 : i + hd / 2);
                             const double v0 = (*x)[a], v1 = (*x)[c];
                             want[a] = v0 * std::cos(angle) - v1 * std::sin(angle);
                             want[c] = v0 * std::sin(angle) + v1 * std::cos(angle);
                             scale[a] = scale[c] = std::hypot(v0, v1) * (1 + angle);
                         }
             }});
    }
    // Attention with grouped kv heads: 6 query heads over 2 kv heads of 6,
    // 4 new rows at position 5 over a cache of 9 rows.
    {
        const int nh = 6, nkv = 2, hd = 6, n = 4, pos = 5, len = pos + n;
        const AttentionShape shape{nh, nkv, hd};
        auto q = std::make_shared<std::vector<float>>(randomVector(size_t(n) * nh * hd, 9));
        auto k = std::make_shared<std::vector<float>>(randomVector(size_t(len) * nkv * hd, 10));
        auto v = std::make_shared<std::vector<float>>(randomVector(size_t(len) * nkv * hd, 11));
        cases.push_back(
            {BackendOp::Attention, "6/2 heads of 6, 4 rows at 5",
             [=](Backend& b) {
                 std::vector<float> out(size_t(n) * nh * hd);
                 b.attention(q->data(), n, pos, k->data(), v->data(), shape, out.data());
                 return out;
             },
             [=](std::vector<double>& want, std::vector<double>& scale) {
                 want.assign(size_t(n) * nh * hd, 0);
                 scale.assign(want.size(), 0);
                 for (int t = 0; t < n; ++t)
                     for (int h = 0; h < nh; ++h) {
                         const int kvh = h / (nh / nkv);
                         std::vector<double> a(size_t(pos + t + 1));
                         double mx = -1e300, sum = 0;
                         for (int j = 0; j <= pos + t; ++j) {
                             double d = 0;
                             for (int i = 0; i < hd; ++i)
                                 d += double((*q)[(size_t(t) * nh + h) * hd + i]) *
                                      (*k)[(size_t(j) * nkv + kvh) * hd + i];
                             a[size_t(j)] = d / std::sqrt(double(hd));
                             mx = std::max(mx, a[size_t(j)]);
                         }
                         for (double& x : a)
                             sum += (x = std::exp(x - mx));
                         for (int j = 0; j <= pos + t; ++j)
                             for (int i = 0; i < hd; ++i) {
                                 const double val = (*v)[(size_t(j) * nkv + kvh) * hd + i];
                                 want[(size_t(t) * nh + h) * hd + i] += a[size_t(j)] / sum * val;
                                 scale[(size_t(t) * nh + h) * hd + i] += std::fabs(val);
                             }
                     }
             }});
    }
    // SwiGLU on 1031 values (not a multiple of any thread split).
    {
        const size_t count = 1031;
        auto g = std::make_shared<std::vector<float>>(randomVector(count, 12, 4));
        auto u = std::make_shared<std::vector<float>>(randomVector(count, 13));
        cases.push_back({BackendOp::Swiglu, "1031",
                         [=](Backend& b) {
                             std::vector<float> gate = *g;
                             b.swiglu(gate.data(), u->data(), int64_t(count));
                             return gate;
                         },
                         [=](std::vector<double>& want, std::vector<double>& scale) {
                             for (size_t i = 0; i < count; ++i) {
                                 const double x = (*g)[i];
                                 want.push_back(x / (1 + std::exp(-x)) * (*u)[i]);
                                 scale.push_back(std::fabs(want.back()));
                             }
                         }});
    }
    return cases;
}

} // namespace

class TestBackendOps : public QObject {
    Q_OBJECT
  private slots:
    void everyOp_data() {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<int>("index");
        const auto cases = opCases();
        for (const BackendEntry& b : backends())
            for (size_t i = 0; i < cases.size(); ++i)
                QTest::newRow(qPrintable(QString::fromStdString(
                    b.name + " " + backendOpName(cases[i].op) + " " + cases[i].shape)))
                    << QString::fromStdString(b.name) << int(i);
    }

    void everyOp() {
        QFETCH(QString, backend);
        QFETCH(int, index);
        ThreadPool pool(3);
        const OpCase c = opCases()[size_t(index)];
        std::string why;
        std::unique_ptr<Backend> b;
        for (const BackendEntry& e : backends())
            if (e.name == backend.toStdString()) b = e.make(pool, why);
        if (!b)
            QSKIP(qPrintable(backend + QStringLiteral(" backend skipped: ") +
                             QString::fromStdString(why)));
        if (!b->supports(c.op, &why))
            QSKIP(qPrintable(QStringLiteral("%1 has no %2: %3")
                                 .arg(backend, backendOpName(c.op), QString::fromStdString(why))));
        const std::vector<float> got = c.run(*b);
        std::vector<double> want, scale;
        if (b->name() == "cpu") {
            c.reference(want, scale);
        } else { // against the CPU backend, the engine's own kernels
            CpuBackend cpu(pool);
            want = toDouble(c.run(cpu));
            scale.assign(want.size(), 0);
            for (size_t i = 0; i < want.size(); ++i)
                scale[i] = std::fabs(want[i]);
        }
        QVERIFY2(closeTo(got, want, scale, 2e-5, why), why.c_str());
    }

    // The comparison itself rejects a wrong result.
    void comparisonCatchesAnError() {
        ThreadPool pool(2);
        CpuBackend cpu(pool);
        for (const OpCase& c : opCases()) {
            std::vector<float> got = c.run(cpu);
            std::vector<double> want, scale;
            c.reference(want, scale);
            got[got.size() / 2] += 0.01f * float(1 + std::fabs(scale[got.size() / 2]));
            std::string why;
            QVERIFY2(!closeTo(got, want, scale, 2e-5, why), backendOpName(c.op));
        }
    }
};

QTEST_GUILESS_MAIN(TestBackendOps)
#include "tst_backend_ops.moc"
