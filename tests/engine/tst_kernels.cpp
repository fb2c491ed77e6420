// Matmul kernels: every dtype and SIMD path against a naive double-precision
// dot product, SIMD against scalar, GEMM against repeated GEMV.
#include "TestData.h"

#include "core/Error.h"
#include "core/Half.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "kernels/MemoryBandwidth.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace mobi;

namespace {

// Encodes random values into `dt` and returns the tensor plus the exact
// values it stores (decoded independently of the kernels).
Tensor makeWeights(DType dt, int64_t rows, int64_t cols, std::mt19937& rng,
                   std::vector<double>& decoded) {
    std::uniform_real_distribution<float> U(-1.0f, 1.0f);
    std::vector<uint8_t> bytes;
    decoded.assign(static_cast<size_t>(rows * cols), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
        if (dt == DType::Q8_0) {
            for (int64_t b = 0; b < cols / 32; ++b) {
                const uint16_t d16 = f32ToF16(0.001f + 0.02f * std::fabs(U(rng)));
                bytes.push_back(d16 & 0xff);
                bytes.push_back(d16 >> 8);
                const double d = f16ToF32(d16);
                for (int i = 0; i < 32; ++i) {
                    const int q = static_cast<int>(std::lround(U(rng) * 127.0f));
                    bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
                    decoded[r * cols + b * 32 + i] = q * d;
                }
            }
            continue;
        }
        for (int64_t c = 0; c < cols; ++c) {
            const float v = U(rng);
            if (dt == DType::F32) {
                uint8_t b[4];
                std::memcpy(b, &v, 4);
                bytes.insert(bytes.end(), b, b + 4);
                decoded[r * cols + c] = v;
            } else {
                const uint16_t h = dt == DType::F16 ? f32ToF16(v) : f32ToBf16(v);
                bytes.push_back(h & 0xff);
                bytes.push_back(h >> 8);
                decoded[r * cols + c] = dt == DType::F16 ? f16ToF32(h) : bf16ToF32(h);
            }
        }
    }
    return Tensor::fromBytes("w", dt, {rows, cols}, std::move(bytes));
}

std::vector<float> randomVec(size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<float> U(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v)
        x = U(rng);
    return v;
}

const DType kTypes[] = {DType::F32, DType::F16, DType::BF16, DType::Q8_0};

} // namespace

class TestKernels : public QObject {
    Q_OBJECT
  private slots:
    void pathsAvailable() {
        const auto isas = availableKernelIsas();
        QVERIFY(!isas.empty());
        QCOMPARE(isas.front(), KernelIsa::Scalar);
        QVERIFY(kernelIsaAvailable(bestKernelIsa()));
        qInfo("kernel paths on this CPU: %d (best %s)", int(isas.size()),
              kernelIsaName(bestKernelIsa()));
    }

    void gemvMatchesDoubleReference() {
        std::mt19937 rng(7);
        const int64_t colsAny[] = {1, 7, 8, 15, 16, 17, 31, 33, 100, 129, 300};
        const int64_t colsQ8[] = {32, 64, 96, 160, 320};
        const int64_t rowsList[] = {1, 2, 3, 4, 5, 9, 37};
        for (DType dt : kTypes) {
            const bool q8 = dt == DType::Q8_0;
            const int64_t* cl = q8 ? colsQ8 : colsAny;
            const size_t nc = q8 ? std::size(colsQ8) : std::size(colsAny);
            for (size_t ci = 0; ci < nc; ++ci) {
                for (int64_t rows : rowsList) {
                    const int64_t cols = cl[ci];
                    std::vector<double> dec;
                    const Tensor t = makeWeights(dt, rows, cols, rng, dec);
                    const WeightView w = weightView(t);
                    const std::vector<float> x = randomVec(static_cast<size_t>(cols), rng);
                    std::vector<float> yScalar(rows);
                    gemvRange(KernelIsa::Scalar, w, x.data(), yScalar.data(), 0, rows);
                    for (KernelIsa isa : availableKernelIsas()) {
                        std::vector<float> y(rows, NAN);
                        gemvRange(isa, w, x.data(), y.data(), 0, rows);
                        for (int64_t r = 0; r < rows; ++r) {
                            double ref = 0, mag = 0;
                            for (int64_t c = 0; c < cols; ++c) {
                                ref += dec[r * cols + c] * x[c];
                                mag += std::fabs(dec[r * cols + c] * x[c]);
                            }
                            const double tol =
                                1e-6 * (mag + 1e-30) * std::sqrt(double(cols)) + 1e-30;
                            if (std::fabs(y[r] - ref) > tol || std::fabs(yScalar[r] - ref) > tol)
                                QFAIL(qPrintable(QString("%1 %2 rows %3 cols %4 row %5: got %6 / "
                                                         "scalar %7, want %8")
                                                     .arg(dtypeName(dt))
                                                     .arg(kernelIsaName(isa))
                                                     .arg(rows)
                                                     .arg(cols)
                                                     .arg(r)
                                                     .arg(y[r])
                                                     .arg(yScalar[r])
                                                     .arg(ref)));
                        }
                    }
                }
            }
        }
    }

    void subRangeTouchesOnlyItsRows() {
        std::mt19937 rng(3);
        std::vector<double> dec;
        const Tensor t = makeWeights(DType::F16, 23, 40, rng, dec);
        const WeightView w = weightView(t);
        const auto x = randomVec(40, rng);
        for (KernelIsa isa : availableKernelIsas()) {
            std::vector<float> y(23, -7.0f), full(23);
            gemvRange(isa, w, x.data(), y.data(), 5, 14);
            gemvRange(isa, w, x.data(), full.data(), 0, 23);
            for (int r = 0; r < 23; ++r) {
                if (r >= 5 && r < 14)
                    QCOMPARE(y[r], full[r]);
                else
                    QCOMPARE(y[r], -7.0f);
            }
        }
    }

    void gemmEqualsRepeatedGemv() {
        std::mt19937 rng(11);
        const int nList[] = {1, 2, 3, 5, 6, 7, 13, 64, 70};
        for (DType dt : kTypes) {
            const int64_t cols = dt == DType::Q8_0 ? 96 : 75;
            const int64_t rows = 11;
            std::vector<double> dec;
            const Tensor t = makeWeights(dt, rows, cols, rng, dec);
            const WeightView w = weightView(t);
            for (int n : nList) {
                const int64_t ldx = cols + 3, ldy = rows + 2;
                const auto X = randomVec(static_cast<size_t>(n * ldx), rng);
                for (KernelIsa isa : availableKernelIsas()) {
                    std::vector<float> Y(static_cast<size_t>(n * ldy), -1.0f);
                    gemmRange(isa, w, X.data(), ldx, n, Y.data(), ldy, 0, rows);
                    for (int tok = 0; tok < n; ++tok) {
                        std::vector<float> y(rows);
                        gemvRange(isa, w, X.data() + tok * ldx, y.data(), 0, rows);
                        for (int64_t r = 0; r < rows; ++r)
                            if (Y[tok * ldy + r] != y[r])
                                QFAIL(qPrintable(QString("%1 %2 n %3: gemm %4 != gemv %5")
                                                     .arg(dtypeName(dt))
                                                     .arg(kernelIsaName(isa))
                                                     .arg(n)
                                                     .arg(Y[tok * ldy + r])
                                                     .arg(y[r])));
                        QCOMPARE(Y[tok * ldy + rows], -1.0f); // padding untouched
                    }
                }
            }
        }
    }

    // Wide rows and a full token block take the blocked GEMM paths (K cut
    // into chunks with accumulators spilled between them, 4- and 16-row
    // panels with leftover rows, a K % 16 tail); a threaded group packs the
    // tokens once, in several blocks when the rows are wide, and claims row
    // runs dynamically. Every result must still equal the GEMV's bits.
    void blockedGemmEqualsGemv() {
        std::mt19937 rng(23);
        ThreadPool pool(2);
        for (DType dt : kTypes) {
            for (int64_t cols : {int64_t(2100), int64_t(3300), int64_t(4500)}) {
                const int64_t K = dt == DType::Q8_0 ? cols / 32 * 32 : cols;
                const int64_t rows = 37;
                std::vector<double> dec;
                const Tensor t = makeWeights(dt, rows, K, rng, dec);
                const WeightView w = weightView(t);
                for (int n : {7, 64}) {
                    const int64_t ldx = K + 5, ldy = rows + 1;
                    const auto X = randomVec(static_cast<size_t>(n * ldx), rng);
                    for (KernelIsa isa : availableKernelIsas()) {
                        std::vector<float> Y(static_cast<size_t>(n * ldy), -1.0f);
                        std::vector<float> Yp(static_cast<size_t>(n * ldy), -1.0f);
                        gemmRange(isa, w, X.data(), ldx, n, Y.data(), ldy, 0, rows);
                        const MatmulJob job{w, Yp.data(), ldy};
                        matmulGroup(pool, &job, 1, X.data(), ldx, n, isa);
                        for (int tok = 0; tok < n; ++tok) {
                            std::vector<float> y(rows);
                            gemvRange(isa, w, X.data() + tok * ldx, y.data(), 0, rows);
                            for (int64_t r = 0; r < rows; ++r)
                                if (Y[tok * ldy + r] != y[r] || Yp[tok * ldy + r] != y[r])
                                    QFAIL(qPrintable(
                                        QString("%1 %2 K %3 n %4 row %5: gemm %6 / pool %7 != "
                                                "gemv %8")
                                            .arg(dtypeName(dt))
                                            .arg(kernelIsaName(isa))
                                            .arg(K)
                                            .arg(n)
                                            .arg(r)
                                            .arg(Y[tok * ldy + r])
                                            .arg(Yp[tok * ldy + r])
                                            .arg(y[r])));
                            QCOMPARE(Y[tok * ldy + rows], -1.0f);
                            QCOMPARE(Yp[tok * ldy + rows], -1.0f);
                        }
                    }
                }
            }
        }
    }

    void threadedGroupEqualsSerial() {
        std::mt19937 rng(5);
        std::vector<double> dec;
        const Tensor a = makeWeights(DType::F16, 37, 64, rng, dec);
        const Tensor b = makeWeights(DType::Q8_0, 10, 64, rng, dec);
        ThreadPool pool(3);
        for (int n : {1, 9}) {
            const auto X = randomVec(static_cast<size_t>(n * 64), rng);
            std::vector<float> ya(n * 37), yb(n * 10);
            MatmulJob jobs[2] = {{weightView(a), ya.data(), 37}, {weightView(b), yb.data(), 10}};
            matmulGroup(pool, jobs, 2, X.data(), 64, n, bestKernelIsa());
            for (int tok = 0; tok < n; ++tok) {
                std::vector<float> ra(37), rb(10);
                gemvRange(bestKernelIsa(), weightView(a), X.data() + tok * 64, ra.data(), 0, 37);
                gemvRange(bestKernelIsa(), weightView(b), X.data() + tok * 64, rb.data(), 0, 10);
                for (int r = 0; r < 37; ++r)
                    QCOMPARE(ya[tok * 37 + r], ra[r]);
                for (int r = 0; r < 10; ++r)
                    QCOMPARE(yb[tok * 10 + r], rb[r]);
            }
        }
    }

    void rejectsBadTensors() {
        const Tensor i8 = Tensor::fromBytes("x.weight", DType::I8, {2, 4}, std::vector<uint8_t>(8));
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, weightView(i8));
        const Tensor shortT =
            Tensor::fromBytes("y.weight", DType::F16, {4, 8}, std::vector<uint8_t>(40));
        QVERIFY_THROWS_EXCEPTION(EngineError, weightView(shortT));
        const Tensor badQ8 =
            Tensor::fromBytes("z.weight", DType::Q8_0, {1, 40}, std::vector<uint8_t>(68));
        QVERIFY_THROWS_EXCEPTION(EngineError, weightView(badQ8));
    }

    void bandwidthProbeIsPlausible() {
        const double gbs = measureStreamingReadGBs(1, size_t(64) << 20, 2);
        QVERIFY2(gbs > 0.5 && gbs < 2000, qPrintable(QString::number(gbs)));
    }
};

QTEST_APPLESS_MAIN(TestKernels)
#include "tst_kernels.moc"
