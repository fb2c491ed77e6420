// The CUDA backend: kernels against CPU references on a device, clean skips without one.
#include "TestData.h"

#include <QtTest>

#ifdef MOBISCOPE_WITH_CUDA

#include "CpuReference.h"
#include "CudaDevice.h"
#include "CudaError.h"
#include "DeviceBuffer.h"
#include "DeviceTensor.h"
#include "GpuChecks.h"
#include "GpuKernels.h"
#include "GpuSelfTest.h"

#include "core/Error.h"
#include "kernels/Matmul.h"

#include <cmath>
#include <random>

using namespace mobi;
using namespace mobi::gpu;

class TestCudaKernels : public QObject {
    Q_OBJECT

  private:
    static std::vector<float> randomValues(size_t n, uint64_t seed) {
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<float> d(-1, 1);
        std::vector<float> v(n);
        for (float& x : v)
            x = d(rng);
        return v;
    }

  private slots:
    // The path CI takes: no device listed means "skipped" with that reason,
    // and CUDA is not touched (so this runs on GPU machines too).
    void noDeviceIsSkipped() {
        DeviceQuery none;
        none.whyNone = "no usable CUDA device: test";
        const SelfTestReport r = runSelfTest(none, SelfTestOptions{});
        QCOMPARE(QString::fromStdString(r.status), QStringLiteral("skipped"));
        QCOMPARE(QString::fromStdString(r.reason), QStringLiteral("no usable CUDA device: test"));
        QVERIFY(r.checks.empty());
        QCOMPARE(r.failures(), 0);
        QVERIFY(QString::fromStdString(r.toText()).startsWith("skipped: no usable CUDA device"));
        QVERIFY(QString::fromStdString(r.toJson()).contains("\"status\": \"skipped\""));
    }

    // This machine's real query: without a device the self-test skips with
    // the query's own non-empty reason, without crashing.
    void realQueryWithoutDevice() {
        const DeviceQuery q = queryDevices();
        if (!q.devices.empty())
            QSKIP("a CUDA device is present; the no-device path is covered above");
        QVERIFY2(!q.whyNone.empty(), "an empty device list must say why");
        const SelfTestReport r = runSelfTest();
        QCOMPARE(QString::fromStdString(r.status), QStringLiteral("skipped"));
        QCOMPARE(r.reason, q.whyNone);
        QVERIFY(r.checks.empty());
    }

    // Every CUDA failure becomes an EngineError naming the operation; an
    // impossible allocation fails with or without a device.
    void cudaFailureIsAnEngineError() {
        bool threw = false;
        try {
            DeviceBuffer b(size_t(1) << 60, "an impossible buffer");
        } catch (const EngineError& e) {
            threw = true;
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains("cudaMalloc") && msg.contains("an impossible buffer"), e.what());
            QVERIFY2(dynamic_cast<const CudaError*>(&e) != nullptr, e.what());
        }
        QVERIFY(threw);
    }

    // Bad inputs are refused before anything reaches CUDA.
    void badInputsAreRefusedBeforeCuda() {
        const Tensor i8 = Tensor::fromBytes("w.i8", DType::I8, {2, 4}, std::vector<uint8_t>(8));
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, DeviceTensor::upload(i8));
        const Tensor shortData =
            Tensor::fromBytes("w.short", DType::F16, {4, 4}, std::vector<uint8_t>(30));
        QVERIFY_THROWS_EXCEPTION(EngineError, DeviceTensor::upload(shortData));
        const Tensor badBlocks =
            Tensor::fromBytes("w.q8", DType::Q8_0, {1, 31}, std::vector<uint8_t>(34));
        QVERIFY_THROWS_EXCEPTION(EngineError, DeviceTensor::upload(badBlocks));
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 rope(nullptr, 1, 1, 3, 0, 10000.0f, 1.0f, RopeStyle::Half));
        QVERIFY_THROWS_EXCEPTION(EngineError, rmsNorm(nullptr, nullptr, nullptr, 0, 8, 1e-5f));
        DeviceTensor empty;
        QVERIFY_THROWS_EXCEPTION(EngineError, gemv(empty, nullptr, nullptr));
    }

    // The CPU reference the GPU is judged by agrees with the engine's own
    // CPU kernels (an independent implementation) on every dtype.
    void referenceAgreesWithEngineKernels() {
        for (DType dt : {DType::F32, DType::F16, DType::BF16, DType::Q8_0}) {
            const int rows = 37, cols = dt == DType::Q8_0 ? 96 : 101;
            const Tensor w =
                encodeTensor("w", dt, rows, cols, randomValues(size_t(rows) * cols, 1));
            const std::vector<float> x = randomValues(cols, 2);
            const ReferenceResult ref = referenceGemm(w, x, 1);
            std::vector<float> y(rows);
            gemvRange(KernelIsa::Scalar, weightView(w), x.data(), y.data(), 0, rows);
            for (int r = 0; r < rows; ++r)
                QVERIFY2(std::fabs(y[r] - ref.values[r]) <= productTolerance(cols) * ref.scale[r],
                         dtypeName(dt));
        }
        // Q8_0 encoding: a block of 0..31 stores d = 31/127 and rounds x/d.
        std::vector<float> v(32);
        for (int i = 0; i < 32; ++i)
            v[i] = float(i);
        const std::vector<float> back = encodeTensor("q", DType::Q8_0, 1, 32, v).toF32();
        for (int i = 0; i < 32; ++i)
            QVERIFY(std::fabs(back[i] - v[i]) <= 31.0f / 127.0f);
        // RoPE reference: position 0 is the identity, and a rotation keeps each pair's length.
        const std::vector<float> vec = randomValues(2 * 8, 3);
        const ReferenceResult same =
            referenceRope(vec, 1, 2, 8, 0, 10000.0f, 1.0f, RopeStyle::Half);
        for (size_t i = 0; i < vec.size(); ++i)
            QCOMPARE(float(same.values[i]), vec[i]);
        const ReferenceResult turned =
            referenceRope(vec, 1, 2, 8, 7, 10000.0f, 1.0f, RopeStyle::Interleaved);
        for (size_t i = 0; i < vec.size(); i += 2)
            QVERIFY(std::fabs(std::hypot(turned.values[i], turned.values[i + 1]) -
                              std::hypot(vec[i], vec[i + 1])) < 1e-6);
    }

    // The comparison the self-test relies on does fail on a wrong result.
    void comparisonCatchesErrors() {
        ReferenceResult ref;
        ref.values = {1.0, -2.0, 3.0};
        ref.scale = {1.0, 2.0, 3.0};
        QVERIFY(compareWithReference("k", "F32", "", {1.0f, -2.0f, 3.0f}, ref, 1e-6).passed);
        const KernelCheck off =
            compareWithReference("k", "F32", "", {1.0f, -2.01f, 3.0f}, ref, 1e-6);
        QVERIFY(!off.passed);
        QVERIFY(off.detail.find("element 1") != std::string::npos);
        QVERIFY(!compareWithReference("k", "F32", "", {1.0f, NAN, 3.0f}, ref, 1e-6).passed);
        QVERIFY(!compareWithReference("k", "F32", "", {1.0f, -2.0f}, ref, 1e-6).passed);
    }

    // On a device: every check of the self-test, each kernel and dtype
    // against the CPU reference, and a GEMV bandwidth measurement.
    void selfTestPassesOnDevice() {
        const DeviceQuery q = queryDevices();
        if (q.devices.empty())
            QSKIP(
                qPrintable(QStringLiteral("no CUDA device: ") + QString::fromStdString(q.whyNone)));
        const SelfTestReport r = runSelfTest(q, SelfTestOptions{});
        qInfo().noquote() << QString::fromStdString(r.toText());
        QVERIFY2(r.status != "skipped", r.reason.c_str());
        QVERIFY(r.checks.size() >= 40);
        for (const KernelCheck& c : r.checks) {
            const std::string what = c.kernel + " " + c.dtype + " " + c.shape + ": " + c.detail;
            QVERIFY2(c.passed, what.c_str());
        }
        QCOMPARE(QString::fromStdString(r.status), QStringLiteral("passed"));
        QVERIFY(r.benchmark.ran);
        QVERIFY(r.benchmark.gbPerSecond > 0);
    }
};

#else

class TestCudaKernels : public QObject {
    Q_OBJECT
  private slots:
    void backendAbsent() { QSKIP("built without the CUDA backend"); }
};

#endif

QTEST_APPLESS_MAIN(TestCudaKernels)
#include "tst_cuda_kernels.moc"
