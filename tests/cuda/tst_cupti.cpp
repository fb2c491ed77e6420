// The CUPTI collector: clean refusal without a device; real records of a known workload with one.
#include "TestData.h"

#include <QtTest>

#ifdef MOBISCOPE_WITH_CUDA

#include "CpuReference.h"
#include "CuptiCollector.h"
#include "DeviceBuffer.h"
#include "GpuKernels.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <set>

using namespace mobi;
using namespace mobi::gpu;

namespace {

int64_t steadyNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::vector<float> randomValues(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> d(-4, 4);
    std::vector<float> v(n);
    for (float& x : v)
        x = d(rng);
    return v;
}

} // namespace

class TestCupti : public QObject {
    Q_OBJECT

  private slots:
    // The path a machine without driver or device takes: available() says
    // why, start() refuses with a reason, nothing else touches CUPTI.
    void noDeviceRefusesCleanly() {
        std::string why;
        if (CuptiCollector::available(&why))
            QSKIP("a CUDA device and CUPTI are usable here; covered by deviceRecords");
        QVERIFY2(!why.empty(), "available() == false must say why");
        CuptiCollector c;
        std::string err;
        QVERIFY(!c.start(&err));
        QVERIFY2(!err.empty(), "start() without a device must give a reason");
        QVERIFY(!c.active());
        QVERIFY(c.stop(&err)); // inactive: a no-op
        const CuptiRecords r = c.takeRecords();
        QVERIFY(r.kernels.empty() && r.memcpys.empty() && r.runtimeCalls.empty());
        QCOMPARE(r.droppedRecords, uint64_t{0});
        QCOMPARE(c.droppedRecords(), uint64_t{0});
        // Nothing collects: push/pop decline instead of calling CUPTI.
        QVERIFY(!CuptiCollector::pushExternalId(7));
        QVERIFY(!CuptiCollector::popExternalId());
        { CuptiExternalIdScope scope(7); }
        QVERIFY(CuptiCollector::deviceName().empty());
    }

    void stubSaysItIsAStub() {
        if (CuptiCollector::compiledIn()) QSKIP("CUPTI is compiled in");
        std::string why;
        QVERIFY(!CuptiCollector::available(&why));
        QVERIFY2(why.find("without CUPTI") != std::string::npos, why.c_str());
    }

    // With a device: a SwiGLU (vector-add-like) launch between two uploads,
    // a memset and a download gives its kernel, copies of the exact sizes,
    // runtime calls, the external id on the launch, and no dropped records.
    void deviceRecords() {
        std::string why;
        if (!CuptiCollector::available(&why))
            QSKIP(qPrintable(QStringLiteral("no CUDA device (device-only test): ") +
                             QString::fromStdString(why)));
        const int64_t n = int64_t{1} << 20;
        const size_t bytes = size_t(n) * sizeof(float);
        const std::vector<float> gate = randomValues(size_t(n), 1), up = randomValues(size_t(n), 2);

        CuptiCollector c;
        std::string err;
        const int64_t before = steadyNs();
        QVERIFY2(c.start(&err), err.c_str());
        QVERIFY(c.active());
        // CUPTI's callbacks are process-wide: a second collector is refused.
        CuptiCollector other;
        std::string otherErr;
        QVERIFY(!other.start(&otherErr));
        QVERIFY(!otherErr.empty());

        std::vector<float> out;
        {
            DeviceBuffer g = DeviceBuffer::fromFloats(gate, "gate");
            DeviceBuffer u = DeviceBuffer::fromFloats(up, "up");
            DeviceBuffer o(bytes, "out");
            o.fillZero();
            {
                CuptiExternalIdScope id(42);
                swiglu(o.as<float>(), g.as<float>(), u.as<float>(), n);
            }
            synchronize("swiglu");
            out = o.toFloats(size_t(n));
        }
        QVERIFY2(c.stop(&err), err.c_str());
        const int64_t after = steadyNs();
        const CuptiRecords r = c.takeRecords();

        // The kernel really ran: its output against the CPU formula.
        for (int64_t i = 0; i < n; i += 997) {
            const double gi = gate[size_t(i)];
            const double want = gi / (1.0 + std::exp(-gi)) * up[size_t(i)];
            QVERIFY(std::fabs(out[size_t(i)] - want) <= 1e-4 * (1.0 + std::fabs(want)));
        }

        QVERIFY2(!r.kernels.empty(), "no kernel record");
        std::set<uint32_t> launchCorrelations;
        for (const CuptiExternalCorrelation& e : r.externalCorrelations)
            if (e.externalId == 42) launchCorrelations.insert(e.correlationId);
        QVERIFY2(!launchCorrelations.empty(), "no external correlation record for id 42");
        bool swigluSeen = false;
        for (const CuptiKernel& k : r.kernels) {
            QVERIFY(!k.name.empty());
            QVERIFY2(k.endNs > k.startNs, k.name.c_str());
            // Shifted onto steady_clock: inside the test's window (1 s slack).
            QVERIFY2(k.startNs > before - 1000000000 && k.endNs < after + 1000000000,
                     k.name.c_str());
            if (k.name.find("swiglu") != std::string::npos) {
                swigluSeen = true;
                QVERIFY(launchCorrelations.count(k.correlationId) == 1);
                QVERIFY(k.gridX >= 1 && k.blockX >= 1);
            }
        }
        QVERIFY2(swigluSeen, "no swiglu kernel among the records");

        int htod = 0, dtoh = 0;
        for (const CuptiMemcpy& m : r.memcpys) {
            QVERIFY(m.endNs >= m.startNs);
            if (m.copyKind == 1 && m.bytes == bytes) ++htod; // CUPTI_ACTIVITY_MEMCPY_KIND_HTOD
            if (m.copyKind == 2 && m.bytes == bytes) ++dtoh; // CUPTI_ACTIVITY_MEMCPY_KIND_DTOH
        }
        QCOMPARE(htod, 2);
        QCOMPARE(dtoh, 1);
        QVERIFY(std::any_of(r.memsets.begin(), r.memsets.end(), [&](const CuptiMemset& m) {
            return m.bytes == bytes && m.value == 0;
        }));
        QVERIFY(!r.runtimeCalls.empty());
        QVERIFY(std::any_of(r.runtimeCalls.begin(), r.runtimeCalls.end(),
                            [](const CuptiApiCall& a) { return a.name.rfind("cuda", 0) == 0; }));
        QCOMPARE(r.droppedRecords, uint64_t{0});
        QVERIFY(r.buffers >= 1);
    }
};

#else

class TestCupti : public QObject {
    Q_OBJECT
  private slots:
    void backendAbsent() { QSKIP("built without the CUDA backend"); }
};

#endif

QTEST_APPLESS_MAIN(TestCupti)
#include "tst_cupti.moc"
