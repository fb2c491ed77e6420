// MoBiSlice packed kernels: GEMV/GEMM on the bit-planes against a dense
// double-precision product on dequantizeLevel(k), every SIMD path against
// the scalar path, GEMM against repeated GEMV, wrapped storage against owned.
#include "TestData.h"

#include "core/Error.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "quant/SlicedKernels.h"
#include "quant/SlicedMatrix.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace mobi;

namespace {

struct Shape {
    int64_t rows, cols;
    int group;
};

std::vector<float> randomWeights(int64_t rows, int64_t cols, std::mt19937& rng) {
    std::normal_distribution<float> N(0.0f, 0.02f);
    std::vector<float> w(static_cast<size_t>(rows * cols));
    for (auto& v : w)
        v = N(rng);
    // A few outlier columns, as in real attention/MLP weights.
    for (int64_t c = 3; c < cols; c += 37)
        for (int64_t r = 0; r < rows; ++r)
            w[static_cast<size_t>(r * cols + c)] *= 8.0f;
    return w;
}

std::vector<float> randomInput(int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> N(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x)
        v = N(rng);
    return x;
}

// Dense reference in double plus a per-row bound on the float rounding of
// the packed sum: its terms are at most (|w| + 2 max|w| of the group) |x|.
void denseRef(const std::vector<float>& dq, int64_t rows, int64_t cols, int group, const float* x,
              std::vector<double>& y, std::vector<double>& tol) {
    y.assign(static_cast<size_t>(rows), 0.0);
    tol.assign(static_cast<size_t>(rows), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
        const float* w = dq.data() + r * cols;
        double s = 0.0, mag = 0.0;
        for (int64_t c0 = 0; c0 < cols; c0 += group) {
            const int64_t c1 = std::min<int64_t>(cols, c0 + group);
            double gmax = 0.0;
            for (int64_t j = c0; j < c1; ++j)
                gmax = std::max(gmax, std::fabs(double(w[j])));
            for (int64_t j = c0; j < c1; ++j) {
                s += double(w[j]) * x[j];
                mag += (std::fabs(double(w[j])) + 2.0 * gmax) * std::fabs(double(x[j]));
            }
        }
        y[static_cast<size_t>(r)] = s;
        tol[static_cast<size_t>(r)] = 2e-6 * mag + 1e-30;
    }
}

const std::vector<Shape> kShapes = {{7, 172, 128},  {33, 200, 48}, {5, 64, 64},
                                    {9, 1000, 128}, {4, 16, 16},   {13, 130, 32},
                                    {1, 47, 16},    {6, 300, 304}, {17, 2048, 128}};

const std::vector<std::vector<int>> kSlices = {{2, 1, 1, 1}, {4, 2, 2}, {3, 1}, {1, 1, 1}, {8, 8}};

} // namespace

class TestSlicedKernels : public QObject {
    Q_OBJECT

  private slots:
    void packedMatchesDenseEveryLevel() {
        std::mt19937 rng(1234);
        int checked = 0;
        double worstRel = 0.0;
        for (const Shape& sh : kShapes) {
            const std::vector<float> w = randomWeights(sh.rows, sh.cols, rng);
            const std::vector<float> x = randomInput(sh.cols, rng);
            for (const auto& bits : kSlices) {
                for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual}) {
                    SliceConfig cfg;
                    cfg.sliceBits = bits;
                    cfg.groupSize = sh.group;
                    cfg.mode = mode;
                    const SlicedMatrix m = SlicedMatrix::quantize(w.data(), sh.rows, sh.cols, cfg);
                    for (int k = 1; k <= m.levels(); ++k) {
                        std::vector<double> ref, tol;
                        denseRef(m.dequantizeLevel(k), sh.rows, sh.cols, sh.group, x.data(), ref,
                                 tol);
                        std::vector<float> yScalar(static_cast<size_t>(sh.rows));
                        slicedGemvRange(KernelIsa::Scalar, m, k, x.data(), yScalar.data(), 0,
                                        sh.rows);
                        for (KernelIsa isa : availableKernelIsas()) {
                            std::vector<float> y(static_cast<size_t>(sh.rows), -1e30f);
                            slicedGemvRange(isa, m, k, x.data(), y.data(), 0, sh.rows);
                            for (int64_t r = 0; r < sh.rows; ++r) {
                                const double d = std::fabs(y[r] - ref[r]);
                                worstRel = std::max(worstRel, d / tol[r]);
                                if (d > tol[r] || std::fabs(y[r] - yScalar[r]) > 2 * tol[r])
                                    QFAIL(qPrintable(QString("%1x%2 g%3 %4 %5 level %6 row %7: "
                                                             "%8 (%9) vs dense %10 tol %11")
                                                         .arg(sh.rows)
                                                         .arg(sh.cols)
                                                         .arg(sh.group)
                                                         .arg(sliceModeName(mode))
                                                         .arg(kernelIsaName(isa))
                                                         .arg(k)
                                                         .arg(r)
                                                         .arg(y[r])
                                                         .arg(yScalar[r])
                                                         .arg(ref[r])
                                                         .arg(tol[r])));
                            }
                            ++checked;
                        }
                    }
                }
            }
        }
        qInfo("checked %d (shape, slices, mode, level, isa) products; worst error %.3f of the "
              "rounding bound",
              checked, worstRel);
        QVERIFY(checked > 100);
    }

    void gemmEqualsRepeatedGemv() {
        std::mt19937 rng(99);
        for (const Shape& sh : {Shape{13, 172, 128}, Shape{8, 300, 48}, Shape{33, 1000, 128}}) {
            const std::vector<float> w = randomWeights(sh.rows, sh.cols, rng);
            const int n = 37; // more than one token block
            const int64_t ldx = sh.cols + 5, ldy = sh.rows + 3;
            std::vector<float> X(static_cast<size_t>(n * ldx));
            {
                const std::vector<float> v = randomInput(n * ldx, rng);
                X = v;
            }
            for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual}) {
                SliceConfig cfg;
                cfg.groupSize = sh.group;
                cfg.mode = mode;
                const SlicedMatrix m = SlicedMatrix::quantize(w.data(), sh.rows, sh.cols, cfg);
                for (int k = 1; k <= m.levels(); ++k) {
                    for (KernelIsa isa : availableKernelIsas()) {
                        std::vector<float> Y(static_cast<size_t>(n * ldy), 0.0f);
                        slicedGemmRange(isa, m, k, X.data(), ldx, n, Y.data(), ldy, 0, sh.rows);
                        for (int t = 0; t < n; ++t) {
                            std::vector<float> y(static_cast<size_t>(sh.rows));
                            slicedGemvRange(isa, m, k, X.data() + t * ldx, y.data(), 0, sh.rows);
                            for (int64_t r = 0; r < sh.rows; ++r)
                                QCOMPARE(Y[static_cast<size_t>(t * ldy + r)], y[r]);
                        }
                        // The threaded entry point splits rows differently but
                        // every row is computed the same way.
                        ThreadPool pool(3);
                        std::vector<float> X2(static_cast<size_t>(n * sh.cols));
                        for (int t = 0; t < n; ++t)
                            std::memcpy(&X2[static_cast<size_t>(t * sh.cols)], &X[t * ldx],
                                        sizeof(float) * sh.cols);
                        std::vector<float> Y2(static_cast<size_t>(n * sh.rows));
                        slicedMatmul(pool, m, k, X2.data(), n, Y2.data(), isa);
                        for (int t = 0; t < n; ++t)
                            for (int64_t r = 0; r < sh.rows; ++r)
                                QCOMPARE(Y2[static_cast<size_t>(t * sh.rows + r)],
                                         Y[static_cast<size_t>(t * ldy + r)]);
                    }
                }
            }
        }
    }

    void wrappedTensorsGiveSameResults() {
        std::mt19937 rng(7);
        const int64_t rows = 11, cols = 172;
        const std::vector<float> w = randomWeights(rows, cols, rng);
        const std::vector<float> x = randomInput(cols, rng);
        for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual}) {
            SliceConfig cfg;
            cfg.mode = mode;
            const SlicedMatrix m = SlicedMatrix::quantize(w.data(), rows, cols, cfg);
            auto copy = [](const void* p, uint64_t n) {
                std::vector<uint8_t> b(static_cast<size_t>(n));
                std::memcpy(b.data(), p, static_cast<size_t>(n));
                return Tensor::fromBytes("t", DType::I8, {int64_t(n)}, b);
            };
            std::vector<Tensor> planes, scales, mins;
            for (int p = 0; p < m.planes(); ++p)
                planes.push_back(copy(m.filePlane(p).data(), m.planeBytes()));
            for (int s = 0; s < m.scaledSlices(); ++s) {
                scales.push_back(copy(m.scales(s), m.scaleBytes()));
                mins.push_back(copy(m.mins(s), m.scaleBytes()));
            }
            const SlicedMatrix v =
                SlicedMatrix::fromTensors(cfg, rows, cols, planes, scales, mins, "wrapped");
            for (int k = 1; k <= m.levels(); ++k) {
                QCOMPARE(v.dequantizeLevel(k), m.dequantizeLevel(k));
                QVERIFY(std::isnan(v.reconstructionError(k)));
                std::vector<float> a(rows), b(rows);
                slicedGemvRange(bestKernelIsa(), m, k, x.data(), a.data(), 0, rows);
                slicedGemvRange(bestKernelIsa(), v, k, x.data(), b.data(), 0, rows);
                QCOMPARE(a, b);
            }
            // Wrong counts and short arrays are format errors.
            std::vector<Tensor> fewer(planes.begin(), planes.end() - 1);
            QVERIFY_THROWS_EXCEPTION(
                FormatError, SlicedMatrix::fromTensors(cfg, rows, cols, fewer, scales, mins, "w"));
            std::vector<Tensor> shortPlanes = planes;
            shortPlanes[1] = copy(m.filePlane(1).data(), m.planeBytes() - 8);
            QVERIFY_THROWS_EXCEPTION(
                FormatError,
                SlicedMatrix::fromTensors(cfg, rows, cols, shortPlanes, scales, mins, "w"));
            std::vector<Tensor> shortScales = scales;
            shortScales[0] = copy(m.scales(0), m.scaleBytes() - 2);
            QVERIFY_THROWS_EXCEPTION(
                FormatError,
                SlicedMatrix::fromTensors(cfg, rows, cols, planes, shortScales, mins, "w"));
            QVERIFY_THROWS_EXCEPTION(
                FormatError,
                SlicedMatrix::fromTensors(cfg, rows, cols + 64, planes, scales, mins, "w"));
        }
    }

    void badLevelIsAnError() {
        std::mt19937 rng(3);
        const std::vector<float> w = randomWeights(4, 64, rng);
        const SlicedMatrix m = SlicedMatrix::quantize(w.data(), 4, 64, SliceConfig{});
        std::vector<float> x(64, 1.0f), y(4);
        QVERIFY_THROWS_EXCEPTION(
            EngineError, slicedGemvRange(KernelIsa::Scalar, m, 0, x.data(), y.data(), 0, 4));
        QVERIFY_THROWS_EXCEPTION(
            EngineError, slicedGemvRange(KernelIsa::Scalar, m, 5, x.data(), y.data(), 0, 4));
        QVERIFY_THROWS_EXCEPTION(
            EngineError, slicedGemvRange(KernelIsa::Scalar, m, 1, x.data(), y.data(), 0, 5));
    }
};

QTEST_APPLESS_MAIN(TestSlicedKernels)
#include "tst_sliced_kernels.moc"
