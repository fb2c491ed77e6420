// MoBiSlice decomposition: spec parsing, error falling with the level,
// nested levels against the closed-form B_k-bit quantizer computed here,
// residual vs nested, tail groups, effective bits, the RTN baseline and
// activation-weighted clipping.
#include "TestData.h"

#include "core/Error.h"
#include "core/Half.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "quant/RtnQuantizer.h"
#include "quant/SliceConfig.h"
#include "quant/SlicedMatrix.h"

#include <cmath>
#include <random>

using namespace mobi;

namespace {

std::vector<float> randomMatrix(int64_t rows, int64_t cols, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> N(0.0f, 0.02f);
    std::vector<float> w(static_cast<size_t>(rows * cols));
    for (auto& v : w)
        v = N(rng);
    return w;
}

// Low-rank structure, per-row scales and a few large outlier columns.
std::vector<float> structuredMatrix(int64_t rows, int64_t cols, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> N(0.0f, 1.0f);
    std::vector<float> a(static_cast<size_t>(rows * 4)), b(static_cast<size_t>(cols * 4));
    for (auto& v : a)
        v = N(rng);
    for (auto& v : b)
        v = N(rng);
    std::vector<float> w(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
        const float rs = 0.5f + static_cast<float>(r % 7) * 0.25f;
        for (int64_t c = 0; c < cols; ++c) {
            float v = 0.0f;
            for (int q = 0; q < 4; ++q)
                v += a[r * 4 + q] * b[c * 4 + q];
            v = rs * (0.01f * v + 0.01f * N(rng));
            if (c % 50 == 7) v *= 15.0f;
            w[static_cast<size_t>(r * cols + c)] = v;
        }
    }
    return w;
}

double relError(const std::vector<float>& a, const std::vector<float>& b) {
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        e += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        s += double(a[i]) * a[i];
    }
    return std::sqrt(e / s);
}

double weightedError(const std::vector<float>& a, const std::vector<float>& b, int64_t cols,
                     const std::vector<float>& imp) {
    double e = 0.0;
    for (size_t i = 0; i < a.size(); ++i)
        e += imp[i % static_cast<size_t>(cols)] * (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    return e;
}

SliceConfig config(std::vector<int> bits, SliceMode mode, int group = 128,
                   SliceConfig::ClipObjective obj = SliceConfig::ClipObjective::AllLevels) {
    SliceConfig c;
    c.clipObjective = obj;
    c.sliceBits = std::move(bits);
    c.mode = mode;
    c.groupSize = group;
    return c;
}

} // namespace

class TestSlicing : public QObject {
    Q_OBJECT

  private slots:
    void parsesSpecs() {
        QCOMPARE(SliceConfig::parseSliceBits("2,1,1,1"), (std::vector<int>{2, 1, 1, 1}));
        QCOMPARE(SliceConfig::parseSliceBits(" 4, 2 ,2 "), (std::vector<int>{4, 2, 2}));
        QCOMPARE(SliceConfig::parseSliceBits("8,8"), (std::vector<int>{8, 8}));
        for (const char* bad : {"", "  ", "0", "2,0,1", "9", "8,8,1", "2,,1", "2,1,", "a", "2;1",
                                "-1", "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1"}) {
            try {
                SliceConfig::parseSliceBits(bad);
                QFAIL(qPrintable(QString("accepted '%1'").arg(bad)));
            } catch (const EngineError& e) {
                QVERIFY(QString(e.what()).startsWith("--slices: "));
            }
        }
        QCOMPARE(parseSliceMode("nested"), SliceMode::Nested);
        QCOMPARE(parseSliceMode("residual"), SliceMode::Residual);
        QVERIFY_THROWS_EXCEPTION(EngineError, parseSliceMode("both"));
        SliceConfig c;
        c.groupSize = 0;
        QVERIFY_THROWS_EXCEPTION(EngineError, c.validate());
        c.groupSize = 100;
        QVERIFY_THROWS_EXCEPTION(EngineError, c.validate());
        c.groupSize = 32;
        c.validate();
        QCOMPARE(c.bitsForLevel(3), 4);
        QCOMPARE(c.levelForBits(4), 3);
        QCOMPARE(c.levelForBits(6), -1);
    }

    void rejectsUnsliceableInput() {
        const Tensor vec = Tensor::fromF32("v", {8}, std::vector<float>(8, 1.0f));
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, SlicedMatrix::quantize(vec, SliceConfig{}));
        const Tensor cube = Tensor::fromF32("c", {2, 2, 2}, std::vector<float>(8, 1.0f));
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, SlicedMatrix::quantize(cube, SliceConfig{}));
        std::vector<float> w = randomMatrix(4, 64, 1);
        std::vector<float> imp(63, 1.0f);
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 SlicedMatrix::quantize(w.data(), 4, 64, SliceConfig{}, "w", &imp));
        w[5] = std::nanf("");
        QVERIFY_THROWS_EXCEPTION(UnsupportedError,
                                 SlicedMatrix::quantize(w.data(), 4, 64, SliceConfig{}));
    }

    void errorFallsWithLevel() {
        for (int kind = 0; kind < 2; ++kind) {
            const int64_t rows = 48, cols = 512;
            const std::vector<float> w =
                kind == 0 ? randomMatrix(rows, cols, 11) : structuredMatrix(rows, cols, 12);
            for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual}) {
                for (const auto& bits : {std::vector<int>{2, 1, 1, 1}, std::vector<int>{4, 2, 2},
                                         std::vector<int>{1, 1, 1, 1, 1}}) {
                    const SlicedMatrix m =
                        SlicedMatrix::quantize(w.data(), rows, cols, config(bits, mode));
                    QString line = QString("%1 %2 %3:")
                                       .arg(kind ? "structured" : "random", sliceModeName(mode),
                                            QString::fromStdString(m.config().sliceBitsString()));
                    double prev = 1e9;
                    for (int k = 1; k <= m.levels(); ++k) {
                        const double e = m.reconstructionError(k);
                        // The recorded error is the one of the stored weights.
                        QVERIFY(std::fabs(e - relError(w, m.dequantizeLevel(k))) < 1e-9);
                        line += QString(" L%1=%2").arg(k).arg(e, 0, 'f', 5);
                        QVERIFY2(e < prev, qPrintable(line));
                        prev = e;
                    }
                    qInfo("%s", qPrintable(line));
                }
            }
        }
    }

    // Level k of nested equals min'_k + step_k * Q_k with Q_k the slice codes
    // read from the planes here and concatenated, and Q_k is round-to-nearest
    // of the source on that grid.
    void nestedLevelIsClosedFormQuantizer() {
        const int64_t rows = 24, cols = 300;
        const int G = 128;
        const std::vector<float> w = structuredMatrix(rows, cols, 5);
        const std::vector<int> bits{2, 1, 2, 1};
        const SlicedMatrix m =
            SlicedMatrix::quantize(w.data(), rows, cols, config(bits, SliceMode::Nested, G));
        const int64_t groups = (cols + G - 1) / G;
        QCOMPARE(m.groupsPerRow(), groups);
        QCOMPARE(m.scaledSlices(), 1);
        int64_t total = 0, rtnSame = 0;
        for (int k = 1; k <= 4; ++k) {
            int Bk = 0;
            for (int i = 0; i < k; ++i)
                Bk += bits[i];
            double C = 0.0;
            for (int i = 1, B = bits[0]; i < k; ++i) {
                B += bits[i];
                C += ((1 << bits[i]) - 1) / std::ldexp(1.0, B - bits[0] + 1);
            }
            const std::vector<float> dq = m.dequantizeLevel(k);
            for (int64_t r = 0; r < rows; ++r) {
                for (int64_t j = 0; j < cols; ++j) {
                    const size_t gi = static_cast<size_t>(r * groups + j / G);
                    const double s1 = f16ToF32(m.scales(0)[gi]), m1 = f16ToF32(m.mins(0)[gi]);
                    const double step = s1 / std::ldexp(1.0, Bk - bits[0]);
                    const double mink = m1 - s1 * C;
                    int64_t Q = 0;
                    for (int p = 0; p < Bk; ++p) {
                        const uint64_t word = m.filePlane(p)[r * m.wordsPerRow() + j / 64];
                        Q = (Q << 1) | static_cast<int64_t>((word >> (j % 64)) & 1);
                    }
                    const double v = mink + step * static_cast<double>(Q);
                    const double tol = 1e-6 * (std::fabs(m1) + s1 * (1 << bits[0]));
                    if (std::fabs(v - dq[r * cols + j]) > tol)
                        QFAIL(qPrintable(QString("level %1 (%2,%3): formula %4 vs %5")
                                             .arg(k)
                                             .arg(r)
                                             .arg(j)
                                             .arg(v)
                                             .arg(dq[r * cols + j])));
                    const double qmax = std::ldexp(1.0, Bk) - 1;
                    const double rtn = std::min(
                        qmax, std::max(0.0, std::nearbyint((w[r * cols + j] - mink) / step)));
                    ++total;
                    if (rtn == static_cast<double>(Q))
                        ++rtnSame;
                    else
                        QVERIFY(std::fabs(rtn - Q) <= 1.0); // only at ties
                }
            }
        }
        qInfo("nested codes equal round-to-nearest on the level grid for %lld of %lld weights",
              static_cast<long long>(rtnSame), static_cast<long long>(total));
        QVERIFY(rtnSame >= total - total / 1000);
    }

    // Residual mode tries the nested grid for every slice, so from the same
    // slice 1 its level 2 can only be better; later levels start from
    // different residuals, checked to stay within 2% (printed).
    void residualVersusNested() {
        for (int kind = 0; kind < 2; ++kind) {
            const int64_t rows = 64, cols = 384;
            const std::vector<float> w =
                kind == 0 ? randomMatrix(rows, cols, 21) : structuredMatrix(rows, cols, 22);
            const auto L1 = SliceConfig::ClipObjective::Level1;
            const SlicedMatrix n = SlicedMatrix::quantize(
                w.data(), rows, cols, config({2, 1, 1, 1}, SliceMode::Nested, 128, L1));
            const SlicedMatrix r = SlicedMatrix::quantize(
                w.data(), rows, cols, config({2, 1, 1, 1}, SliceMode::Residual, 128, L1));
            const SlicedMatrix all = SlicedMatrix::quantize(
                w.data(), rows, cols, config({2, 1, 1, 1}, SliceMode::Nested));
            QString line = kind ? "structured" : "random";
            line += " (slice 1 clipped for level 1; nested clipped for all levels:";
            for (int k = 1; k <= 4; ++k)
                line += QString(" %1").arg(all.reconstructionError(k), 0, 'f', 5);
            line += ")";
            for (int k = 1; k <= 4; ++k) {
                line += QString(" L%1 nested %2 (%3 b) residual %4 (%5 b);")
                            .arg(k)
                            .arg(n.reconstructionError(k), 0, 'f', 5)
                            .arg(n.effectiveBits(k), 0, 'f', 3)
                            .arg(r.reconstructionError(k), 0, 'f', 5)
                            .arg(r.effectiveBits(k), 0, 'f', 3);
            }
            qInfo("%s", qPrintable(line));
            QCOMPARE(r.reconstructionError(1), n.reconstructionError(1));
            QVERIFY(r.reconstructionError(2) <= n.reconstructionError(2));
            for (int k = 3; k <= 4; ++k)
                QVERIFY2(r.reconstructionError(k) <= 1.02 * n.reconstructionError(k),
                         qPrintable(line));
        }
    }

    void tailGroupAndEffectiveBits() {
        const int64_t rows = 16, cols = 172; // stories260K's hidden size
        const std::vector<float> w = randomMatrix(rows, cols, 31);
        for (SliceMode mode : {SliceMode::Nested, SliceMode::Residual}) {
            const SlicedMatrix m =
                SlicedMatrix::quantize(w.data(), rows, cols, config({2, 1, 1, 1}, mode));
            QCOMPARE(m.groupsPerRow(), int64_t(2));
            QCOMPARE(m.wordsPerRow(), int64_t(3));
            for (int k = 1; k <= 4; ++k) {
                const int scaled = mode == SliceMode::Nested ? 1 : k;
                QCOMPARE(m.effectiveBits(k), (k + 1) + 32.0 * 2 * scaled / 172.0);
                QCOMPARE(m.levelBytes(k), uint64_t(rows * 3 * 8 * (k + 1) + rows * 2 * 4 * scaled));
            }
            // The 44-column tail group is fitted like the others.
            const std::vector<float> dq = m.dequantizeLevel(4);
            std::vector<float> head, headQ, tail, tailQ;
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t j = 0; j < cols; ++j) {
                    (j < 128 ? head : tail).push_back(w[r * cols + j]);
                    (j < 128 ? headQ : tailQ).push_back(dq[r * cols + j]);
                }
            const double eh = relError(head, headQ), et = relError(tail, tailQ);
            qInfo("%s level 4: head group error %.5f, tail group error %.5f", sliceModeName(mode),
                  eh, et);
            QVERIFY(et < 1.5 * eh);
            // Planes carry nothing past the last column.
            for (int p = 0; p < m.planes(); ++p)
                for (int64_t r = 0; r < rows; ++r)
                    QCOMPARE(m.filePlane(p)[r * 3 + 2] >> (172 - 128), uint64_t(0));
        }
    }

    void quantizesAnyDtype() {
        const int64_t rows = 8, cols = 200;
        std::vector<float> w = randomMatrix(rows, cols, 41);
        std::vector<uint8_t> bytes(w.size() * 2);
        for (size_t i = 0; i < w.size(); ++i) {
            const uint16_t h = f32ToF16(w[i]);
            bytes[2 * i] = h & 0xff;
            bytes[2 * i + 1] = h >> 8;
            w[i] = f16ToF32(h);
        }
        const Tensor t = Tensor::fromBytes("w16", DType::F16, {rows, cols}, bytes);
        const SlicedMatrix a = SlicedMatrix::quantize(t, SliceConfig{});
        const SlicedMatrix b = SlicedMatrix::quantize(w.data(), rows, cols, SliceConfig{});
        for (int k = 1; k <= 4; ++k) {
            QCOMPARE(a.dequantizeLevel(k), b.dequantizeLevel(k));
            QVERIFY(std::fabs(a.errorAgainst(k, t) - a.reconstructionError(k)) < 1e-9);
        }
        ThreadPool pool(3);
        const SlicedMatrix c = SlicedMatrix::quantize(t, SliceConfig{}, nullptr, &pool);
        QCOMPARE(c.dequantizeLevel(4), a.dequantizeLevel(4));
    }

    // Slice 1 is the RTN fit at b_1 bits; at higher bits the bit-specific
    // baseline and the nested level are compared (printed, bounded).
    void rtnBaseline() {
        for (int kind = 0; kind < 2; ++kind) {
            const int64_t rows = 64, cols = 384;
            const std::vector<float> w =
                kind == 0 ? randomMatrix(rows, cols, 51) : structuredMatrix(rows, cols, 52);
            const SlicedMatrix n = SlicedMatrix::quantize(w.data(), rows, cols,
                                                          config({2, 1, 1, 1}, SliceMode::Nested));
            const SlicedMatrix n1 = SlicedMatrix::quantize(
                w.data(), rows, cols,
                config({2, 1, 1, 1}, SliceMode::Nested, 128, SliceConfig::ClipObjective::Level1));
            QString line = kind ? "structured" : "random";
            for (int k = 1; k <= 4; ++k) {
                RtnQuantizer::Options o;
                o.bits = k + 1;
                const RtnQuantizer q = RtnQuantizer::quantize(w.data(), rows, cols, o);
                QVERIFY(std::fabs(q.reconstructionError() - relError(w, q.dequantize())) < 1e-9);
                QCOMPARE(q.effectiveBits(), (k + 1) + 32.0 * 3 / 384.0);
                if (k == 1) QCOMPARE(q.dequantize(), n1.dequantizeLevel(1));
                const double ratio = n.reconstructionError(k) / q.reconstructionError();
                line += QString(" %1 bits: RTN %2 MoBiSlice %3 (x%4);")
                            .arg(k + 1)
                            .arg(q.reconstructionError(), 0, 'f', 5)
                            .arg(n.reconstructionError(k), 0, 'f', 5)
                            .arg(ratio, 0, 'f', 3);
                QVERIFY2(ratio > 0.5 && ratio < 2.0, qPrintable(line));
            }
            qInfo("%s", qPrintable(line));
        }
        QVERIFY_THROWS_EXCEPTION(EngineError, RtnQuantizer::quantize(nullptr, 1, 1, {0, 128}));
        QVERIFY_THROWS_EXCEPTION(EngineError, RtnQuantizer::quantize(nullptr, 1, 1, {9, 128}));
    }

    // With E[x^2] large on a few columns the weighted search must not do
    // worse on the weighted error (same candidates, weighted choice).
    void activationWeightedClipping() {
        const int64_t rows = 64, cols = 512;
        const std::vector<float> w = structuredMatrix(rows, cols, 61);
        std::vector<float> imp(static_cast<size_t>(cols), 1.0f);
        for (int64_t c = 0; c < cols; c += 17)
            imp[static_cast<size_t>(c)] = 200.0f;
        for (auto obj :
             {SliceConfig::ClipObjective::Level1, SliceConfig::ClipObjective::AllLevels}) {
            const SliceConfig cfg = config({2, 1, 1, 1}, SliceMode::Nested, 128, obj);
            const SlicedMatrix plain = SlicedMatrix::quantize(w.data(), rows, cols, cfg);
            const SlicedMatrix weighted =
                SlicedMatrix::quantize(w.data(), rows, cols, cfg, "w", &imp);
            QString line;
            double objPlain = 0.0, objWeighted = 0.0;
            for (int k = 1; k <= 4; ++k) {
                const double a = weightedError(w, plain.dequantizeLevel(k), cols, imp);
                const double b = weightedError(w, weighted.dequantizeLevel(k), cols, imp);
                objPlain += std::ldexp(a, 2 * (k - 1));
                objWeighted += std::ldexp(b, 2 * (k - 1));
                line += QString(" L%1 %2 -> %3;").arg(k).arg(a, 0, 'g', 5).arg(b, 0, 'g', 5);
                if (k == 1 && obj == SliceConfig::ClipObjective::Level1)
                    QVERIFY2(b < a, qPrintable(line));
            }
            qInfo("%s: weighted error, unweighted -> weighted search:%s",
                  obj == SliceConfig::ClipObjective::Level1 ? "level-1 clipping"
                                                            : "all-level clipping",
                  qPrintable(line));
            // The search minimises this objective per group over the same
            // candidates, so it can only fall.
            if (obj == SliceConfig::ClipObjective::AllLevels)
                QVERIFY2(objWeighted < objPlain, qPrintable(line));
        }
        RtnQuantizer::Options o;
        o.bits = 3;
        const RtnQuantizer r0 = RtnQuantizer::quantize(w.data(), rows, cols, o);
        const RtnQuantizer r1 = RtnQuantizer::quantize(w.data(), rows, cols, o, "w", &imp);
        QVERIFY(weightedError(w, r1.dequantize(), cols, imp) <
                weightedError(w, r0.dequantize(), cols, imp));
    }
};

QTEST_APPLESS_MAIN(TestSlicing)
#include "tst_slicing.moc"
