// MoBiSlice packed kernels: GEMV/GEMM on the bit-planes against a dense
// double-precision product on dequantizeLevel(k), every SIMD path against
// the scalar path, GEMM against repeated GEMV, wrapped storage against owned.
#include "TestData.h"

#include "core/Error.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "io/ModelLoader.h"
#include "kernels/Matmul.h"
#include "model/Transformer.h"
#include "quant/SlicedInt8.h"
#include "quant/SlicedKernels.h"
#include "quant/SlicedMatrix.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"

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

// The activations the int8 path sees, computed here from its definition
// (SlicedKernelMode.h): per group d = max|x| / 127, q = round(x * 127 / max|x|),
// x' = d q. stepOut gets d per column.
std::vector<float> int8Activations(const std::vector<float>& x, int group,
                                   std::vector<float>* stepOut = nullptr) {
    std::vector<float> out(x.size()), step(x.size());
    for (size_t c0 = 0; c0 < x.size(); c0 += static_cast<size_t>(group)) {
        const size_t c1 = std::min(x.size(), c0 + static_cast<size_t>(group));
        float amax = 0.0f;
        for (size_t j = c0; j < c1; ++j)
            amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        for (size_t j = c0; j < c1; ++j) {
            const float q = amax > 0.0f ? std::nearbyint(x[j] * (127.0f / amax)) : 0.0f;
            out[j] = d * q;
            step[j] = d;
        }
    }
    if (stepOut) *stepOut = step;
    return out;
}

const std::vector<Shape> kShapes = {{7, 172, 128},  {33, 200, 48}, {5, 64, 64},
                                    {9, 1000, 128}, {4, 16, 16},   {13, 130, 32},
                                    {1, 47, 16},    {6, 300, 304}, {17, 2048, 128}};

const std::vector<std::vector<int>> kSlices = {{2, 1, 1, 1}, {4, 2, 2}, {3, 1}, {1, 1, 1}, {8, 8}};

// One data row per ISA for the int8 tests; a row whose kernel cannot run on
// this CPU is skipped with the reason (the int8 entry points fall back to the
// scalar reference there, and comparing that with itself tests nothing).
void addIsaRows() {
    QTest::addColumn<int>("isaIndex");
    for (KernelIsa isa : {KernelIsa::Scalar, KernelIsa::Avx2, KernelIsa::Avx512})
        QTest::newRow(kernelIsaName(isa)) << int(isa);
}

// QSKIPs (from the calling test) when `isa`'s int8 kernel cannot run here on
// a matrix with group size 128.
#define SKIP_UNLESS_INT8_KERNEL_RUNS(isa)                                                          \
    do {                                                                                           \
        std::mt19937 probeRng(1);                                                                  \
        const std::vector<float> probeW = randomWeights(16, 128, probeRng);                        \
        const SlicedMatrix probe = SlicedMatrix::quantize(probeW.data(), 16, 128, SliceConfig{});  \
        const std::string why = slicedInt8Unavailable(isa, probe);                                 \
        if (!why.empty())                                                                          \
            QSKIP(qPrintable(QStringLiteral("int8 %1 kernel not run: %2")                          \
                                 .arg(kernelIsaName(isa), QString::fromStdString(why))));          \
    } while (0)

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

    // Int8 activations: every path against a dense product of the dequantized
    // weights and the dequantized int8 activations, SIMD against the scalar
    // int8 reference, and against the float path within the bound the
    // activation rounding allows (|dx_j| <= d_g / 2).
    void int8MatchesDenseEveryLevel_data() { addIsaRows(); }
    void int8MatchesDenseEveryLevel() {
        QFETCH(int, isaIndex);
        const KernelIsa path = KernelIsa(isaIndex);
        SKIP_UNLESS_INT8_KERNEL_RUNS(path);
        std::mt19937 rng(4321);
        int checked = 0;
        QStringList notRun;
        double worstRel = 0.0, worstFloat = 0.0, sumRelFloat = 0.0;
        int nRelFloat = 0;
        for (const Shape& sh : kShapes) {
            const std::vector<float> w = randomWeights(sh.rows, sh.cols, rng);
            const std::vector<float> x = randomInput(sh.cols, rng);
            std::vector<float> step;
            const std::vector<float> xq = int8Activations(x, sh.group, &step);
            for (const auto& bits : kSlices) {
                for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual}) {
                    SliceConfig cfg;
                    cfg.sliceBits = bits;
                    cfg.groupSize = sh.group;
                    cfg.mode = mode;
                    const SlicedMatrix m = SlicedMatrix::quantize(w.data(), sh.rows, sh.cols, cfg);
                    for (int k = 1; k <= m.levels(); ++k) {
                        const std::vector<float> dq = m.dequantizeLevel(k);
                        std::vector<double> ref, tol;
                        denseRef(dq, sh.rows, sh.cols, sh.group, xq.data(), ref, tol);
                        std::vector<float> yScalar(static_cast<size_t>(sh.rows)),
                            yFloat(static_cast<size_t>(sh.rows));
                        slicedGemvRange(KernelIsa::Scalar, m, k, x.data(), yScalar.data(), 0,
                                        sh.rows, SlicedKernelMode::Int8Act);
                        slicedGemvRange(KernelIsa::Scalar, m, k, x.data(), yFloat.data(), 0,
                                        sh.rows);
                        const std::string why = slicedInt8Unavailable(path, m);
                        if (!why.empty()) {
                            notRun << QStringLiteral("g%1: %2").arg(sh.group).arg(
                                QString::fromStdString(why));
                            continue;
                        }
                        {
                            const KernelIsa isa = path;
                            std::vector<float> y(static_cast<size_t>(sh.rows), -1e30f);
                            slicedGemvRange(isa, m, k, x.data(), y.data(), 0, sh.rows,
                                            SlicedKernelMode::Int8Act);
                            for (int64_t r = 0; r < sh.rows; ++r) {
                                const double d = std::fabs(y[r] - ref[r]);
                                worstRel = std::max(worstRel, d / tol[r]);
                                // Bound on |y(x') - y(x)|: sum_j |w_j| d_j / 2.
                                double bound = tol[r];
                                for (int64_t j = 0; j < sh.cols; ++j)
                                    bound += 0.5 * std::fabs(double(dq[r * sh.cols + j])) * step[j];
                                const double df = std::fabs(double(y[r]) - yFloat[r]);
                                worstFloat = std::max(worstFloat, df / bound);
                                if (std::fabs(yFloat[r]) > 1e-3) {
                                    sumRelFloat += df / std::fabs(yFloat[r]);
                                    ++nRelFloat;
                                }
                                // SIMD against the scalar reference (the scalar row
                                // is that reference: only the dense check applies).
                                const bool offScalar = isa != KernelIsa::Scalar &&
                                                       std::fabs(y[r] - yScalar[r]) > 2 * tol[r];
                                if (d > tol[r] || offScalar || df > bound)
                                    QFAIL(qPrintable(QString("int8 %1x%2 g%3 %4 %5 level %6 row "
                                                             "%7: %8 (scalar %9, float %10) vs "
                                                             "dense %11 tol %12 bound %13")
                                                         .arg(sh.rows)
                                                         .arg(sh.cols)
                                                         .arg(sh.group)
                                                         .arg(sliceModeName(mode))
                                                         .arg(kernelIsaName(isa))
                                                         .arg(k)
                                                         .arg(r)
                                                         .arg(y[r])
                                                         .arg(yScalar[r])
                                                         .arg(yFloat[r])
                                                         .arg(ref[r])
                                                         .arg(tol[r])
                                                         .arg(bound)));
                            }
                            ++checked;
                        }
                    }
                }
            }
        }
        notRun.removeDuplicates();
        if (!notRun.isEmpty())
            qInfo("int8 %s: shapes not run on this path (%s)", kernelIsaName(path),
                  qPrintable(notRun.join(QStringLiteral("; "))));
        qInfo("int8 %s: checked %d products; worst error %.3f of the rounding bound; against "
              "float worst %.3f of the activation-rounding bound, mean relative difference %.4f",
              kernelIsaName(path), checked, worstRel, worstFloat,
              nRelFloat ? sumRelFloat / nRelFloat : 0.0);
        QVERIFY(checked > 50);
    }

    // Row ranges that start and end inside 16-row tiles write exactly their
    // rows, with the values of the whole-matrix product.
    void int8RowRanges_data() { addIsaRows(); }
    void int8RowRanges() {
        QFETCH(int, isaIndex);
        SKIP_UNLESS_INT8_KERNEL_RUNS(KernelIsa(isaIndex));
        std::mt19937 rng(55);
        const int64_t rows = 45, cols = 256;
        const std::vector<float> w = randomWeights(rows, cols, rng);
        const std::vector<float> x = randomInput(cols, rng);
        const SlicedMatrix m = SlicedMatrix::quantize(w.data(), rows, cols, SliceConfig{});
        {
            const KernelIsa isa = KernelIsa(isaIndex);
            for (int k = 1; k <= m.levels(); ++k) {
                std::vector<float> all(rows);
                slicedGemvRange(isa, m, k, x.data(), all.data(), 0, rows,
                                SlicedKernelMode::Int8Act);
                for (auto [r0, r1] : {std::pair<int64_t, int64_t>{3, 5}, {5, 37}, {16, 45}}) {
                    std::vector<float> y(rows, 12345.0f);
                    slicedGemvRange(isa, m, k, x.data(), y.data(), r0, r1,
                                    SlicedKernelMode::Int8Act);
                    for (int64_t r = 0; r < rows; ++r)
                        QCOMPARE(y[r], r >= r0 && r < r1 ? all[r] : 12345.0f);
                }
            }
        }
    }

    // The AVX-512 activation quantizer writes the bytes of the scalar one
    // (codes, patterns, steps), for tails, odd groups and an all-zero group.
    void int8InputsIdentical() {
        std::mt19937 rng(77);
        for (const Shape& sh : kShapes) {
            const std::vector<float> w = randomWeights(sh.rows, sh.cols, rng);
            std::vector<float> x = randomInput(sh.cols, rng);
            for (int64_t j = 0; j < std::min<int64_t>(sh.cols, sh.group); ++j)
                x[static_cast<size_t>(j)] = sh.cols > sh.group ? 0.0f : x[j];
            SliceConfig cfg;
            cfg.groupSize = sh.group;
            const SlicedMatrix m = SlicedMatrix::quantize(w.data(), sh.rows, sh.cols, cfg);
            const sliced_detail::Plan p = sliced_detail::makePlan(m, 2);
            const size_t n = sliced_detail::int8InputBytes(p);
            std::vector<uint8_t> a(n, 0xAB), b(n, 0xCD);
            sliced_detail::Int8Input ia, ib;
            sliced_detail::prepareInt8Input(p, x.data(), a.data(), ia);
            sliced_detail::prepareInt8InputAvx512(p, x.data(), b.data(), ib);
            const size_t used = static_cast<size_t>(
                reinterpret_cast<const uint8_t*>(ia.dsum + p.groupsPerRow) - a.data());
            a.resize(used);
            b.resize(used);
            // padding between the parts is not written: compare the parts
            const size_t cols = static_cast<size_t>(p.wordsPerRow * 64);
            auto part = [&](const std::vector<uint8_t>& v, const void* at, const uint8_t* base,
                            size_t len) {
                const size_t o = static_cast<size_t>(static_cast<const uint8_t*>(at) - base);
                return std::vector<uint8_t>(v.begin() + o, v.begin() + o + len);
            };
            QCOMPARE(part(a, ia.q, a.data(), cols), part(b, ib.q, b.data(), cols));
            QCOMPARE(part(a, ia.pat2, a.data(), 2 * cols), part(b, ib.pat2, b.data(), 2 * cols));
            QCOMPARE(part(a, ia.pat4, a.data(), cols), part(b, ib.pat4, b.data(), cols));
            for (int64_t g = 0; g < p.groupsPerRow; ++g) {
                QCOMPARE(ia.d[g], ib.d[g]);
                QCOMPARE(ia.dsum[g], ib.dsum[g]);
            }
        }
    }

    void gemmEqualsRepeatedGemv() {
        std::mt19937 rng(99);
        QSet<QString> notRun;
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
                    for (KernelIsa isa : availableKernelIsas())
                        for (SlicedKernelMode act :
                             {SlicedKernelMode::Float, SlicedKernelMode::Int8Act}) {
                            // An int8 path that falls back to the scalar
                            // reference here is not reported as checked.
                            if (act == SlicedKernelMode::Int8Act &&
                                slicedInt8KernelIsa(isa, m) != isa) {
                                notRun.insert(QStringLiteral("int8 %1 g%2: %3")
                                                  .arg(kernelIsaName(isa))
                                                  .arg(sh.group)
                                                  .arg(QString::fromStdString(
                                                      slicedInt8Unavailable(isa, m))));
                                continue;
                            }
                            std::vector<float> Y(static_cast<size_t>(n * ldy), 0.0f);
                            slicedGemmRange(isa, m, k, X.data(), ldx, n, Y.data(), ldy, 0, sh.rows,
                                            act);
                            for (int t = 0; t < n; ++t) {
                                std::vector<float> y(static_cast<size_t>(sh.rows));
                                slicedGemvRange(isa, m, k, X.data() + t * ldx, y.data(), 0, sh.rows,
                                                act);
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
                            slicedMatmul(pool, m, k, X2.data(), n, Y2.data(), isa, act);
                            for (int t = 0; t < n; ++t)
                                for (int64_t r = 0; r < sh.rows; ++r)
                                    QCOMPARE(Y2[static_cast<size_t>(t * sh.rows + r)],
                                             Y[static_cast<size_t>(t * ldy + r)]);
                        }
                }
            }
        }
        for (const QString& n : notRun)
            qInfo("skipped (kernel not run on this CPU): %s", qPrintable(n));
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

    // The whole forward with int8 activations (stories260K sliced with the
    // defaults): batched prefill gives exactly the logits of token-by-token
    // decode, and the logits stay close to the float kernels' at every level.
    void int8Forward() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        Model m = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
        ThreadPool pool(2);
        m.sliced = std::make_shared<SlicedModel>(sliceModel(m, SliceConfig{}, nullptr, pool));
        const std::vector<int> toks = {1, 403, 407, 261, 378, 429, 270, 300, 35, 310, 278, 401};
        const int n = static_cast<int>(toks.size());
        const size_t vocab = static_cast<size_t>(m.config.vocabSize);
        for (int k = 1; k <= m.sliced->levels(); ++k) {
            Transformer a(m, 2), b(m, 2), f(m, 2);
            for (Transformer* t : {&a, &b, &f})
                t->setLevel(k);
            a.setSlicedKernelMode(SlicedKernelMode::Int8Act);
            b.setSlicedKernelMode(SlicedKernelMode::Int8Act);
            QCOMPARE(f.slicedKernelMode(), SlicedKernelMode::Float);
            const std::vector<float> batch = a.forward(toks.data(), n, 0, true);
            const std::vector<float> fl = f.forward(toks.data(), n, 0, true);
            double worst = 0.0;
            for (int t = 0; t < n; ++t) {
                const std::vector<float> one = b.forward(&toks[static_cast<size_t>(t)], 1, t);
                double d = 0.0, mag = 1.0;
                for (size_t v = 0; v < vocab; ++v) {
                    QCOMPARE(one[v], batch[t * vocab + v]);
                    d = std::max(d, std::fabs(double(one[v]) - fl[t * vocab + v]));
                    mag = std::max(mag, std::fabs(double(fl[t * vocab + v])));
                }
                worst = std::max(worst, d / mag);
            }
            qInfo("level %d: int8 logits within %.4f of the float ones (max |diff| / max "
                  "|logit|)",
                  k, worst);
            QVERIFY(worst < 0.1);
            QVERIFY(worst > 0.0); // the int8 path did run
        }
    }

    void modeNamesAndEnvironment() {
        QCOMPARE(parseSlicedKernelMode("int8"), SlicedKernelMode::Int8Act);
        QCOMPARE(parseSlicedKernelMode("float"), SlicedKernelMode::Float);
        QCOMPARE(std::string(slicedKernelModeName(SlicedKernelMode::Int8Act)), std::string("int8"));
        QVERIFY_THROWS_EXCEPTION(EngineError, parseSlicedKernelMode("int4"));
        qputenv("MOBISCOPE_SLICED_ACT", "int8");
        QCOMPARE(defaultSlicedKernelMode(), SlicedKernelMode::Int8Act);
        qputenv("MOBISCOPE_SLICED_ACT", "fp8");
        QVERIFY_THROWS_EXCEPTION(EngineError, defaultSlicedKernelMode());
        qunsetenv("MOBISCOPE_SLICED_ACT");
        QCOMPARE(defaultSlicedKernelMode(), SlicedKernelMode::Float);
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
