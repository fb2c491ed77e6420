// The training GEMM against a naive double-precision product: every
// transpose combination, edge sizes around the tiles and cache blocks,
// accumulate on/off, every ISA this CPU has, serial and threaded.
#include "core/ThreadPool.h"
#include "kernels/TrainGemm.h"
#include "util/SplitMix64.h"

#include <QtTest>

#include <cmath>

using namespace mobi;

class TestTrainGemm : public QObject {
    Q_OBJECT
  private slots:
    void matchesReference_data();
    void matchesReference();
    void threadedEqualsSerialBitForBit();
};

namespace {

std::vector<float> randomVec(size_t n, uint64_t seed) {
    SplitMix64 r{seed};
    std::vector<float> v(n);
    for (float& x : v)
        x = static_cast<float>(r.uniform() * 2.0 - 1.0);
    return v;
}

} // namespace

void TestTrainGemm::matchesReference_data() {
    QTest::addColumn<int>("M");
    QTest::addColumn<int>("N");
    QTest::addColumn<int>("K");
    const int shapes[][3] = {{1, 1, 1},      {12, 32, 7},   {13, 33, 17},   {5, 70, 300},
                             {97, 31, 64},   {100, 600, 9}, {40, 530, 513}, {200, 48, 260},
                             {300, 50, 100}, {300, 70, 300}};
    for (const auto& s : shapes)
        QTest::addRow("%dx%dx%d", s[0], s[1], s[2]) << s[0] << s[1] << s[2];
}

void TestTrainGemm::matchesReference() {
    QFETCH(int, M);
    QFETCH(int, N);
    QFETCH(int, K);
    ThreadPool pool(2);
    for (KernelIsa isa : availableKernelIsas()) {
        if (isa == KernelIsa::Avx2) continue; // the training GEMM has scalar and AVX-512 paths
        for (int variant = 0; variant < 8; ++variant) {
            const bool ta = variant & 1, tb = variant & 2, acc = variant & 4;
            // Padded strides: the kernels must honour lda/ldb/ldc.
            const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
            const auto A = randomVec(size_t((ta ? K : M) * lda), 1 + variant);
            const auto B = randomVec(size_t((tb ? N : K) * ldb), 11 + variant);
            const auto C0 = randomVec(size_t(M * ldc), 21 + variant);
            auto C = C0;
            GemmProblem p;
            p.M = M, p.N = N, p.K = K;
            p.A = A.data(), p.lda = lda, p.transA = ta;
            p.B = B.data(), p.ldb = ldb, p.transB = tb;
            p.C = C.data(), p.ldc = ldc, p.accumulate = acc;
            if (variant % 2)
                gemmF32(pool, isa, p);
            else
                gemmF32(isa, p);
            for (int i = 0; i < M; ++i)
                for (int j = 0; j < N; ++j) {
                    double ref = acc ? C0[size_t(i * ldc + j)] : 0.0;
                    for (int k = 0; k < K; ++k) {
                        const double a = ta ? A[size_t(k * lda + i)] : A[size_t(i * lda + k)];
                        const double b = tb ? B[size_t(j * ldb + k)] : B[size_t(k * ldb + j)];
                        ref += a * b;
                    }
                    const double got = C[size_t(i * ldc + j)];
                    if (std::fabs(got - ref) > 1e-5 * (K + 1))
                        QFAIL(qPrintable(QString("%1 variant %2: C[%3,%4] = %5, expected %6")
                                             .arg(kernelIsaName(isa))
                                             .arg(variant)
                                             .arg(i)
                                             .arg(j)
                                             .arg(got)
                                             .arg(ref)));
                }
            // Padding columns of C are never written.
            for (int i = 0; i < M; ++i)
                for (int64_t j = N; j < ldc; ++j)
                    QCOMPARE(C[size_t(i * ldc + j)], C0[size_t(i * ldc + j)]);
        }
    }
}

void TestTrainGemm::threadedEqualsSerialBitForBit() {
    ThreadPool pool(3);
    const int M = 150, N = 90, K = 300;
    const auto A = randomVec(size_t(M * K), 5), B = randomVec(size_t(N * K), 6);
    std::vector<float> C1(size_t(M * N)), C2(size_t(M * N));
    GemmProblem p;
    p.M = M, p.N = N, p.K = K, p.A = A.data(), p.lda = K, p.B = B.data(), p.ldb = K;
    p.transB = true, p.ldc = N;
    p.C = C1.data();
    gemmF32(bestKernelIsa(), p);
    p.C = C2.data();
    gemmF32(pool, bestKernelIsa(), p);
    QVERIFY(C1 == C2);
}

QTEST_APPLESS_MAIN(TestTrainGemm)
#include "tst_train_gemm.moc"
