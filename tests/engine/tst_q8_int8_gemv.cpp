// Q8_0 x int8 classifier kernel (kernels/Q8Int8Gemv.h): SIMD equals the scalar
// reference bit for bit, both agree with a dense double product of the
// dequantized Q8_0 weights and the dequantized int8 activations to float
// rounding and with the float-activation product up to the activation
// rounding; bad input is an error. Then stories260K sliced with a Q8_0
// embedding/classifier (saved, loaded): embedding rows, generation, int8
// prefill == decode, and perplexity close to the F16-classifier file's; the
// slice command's --matrix-type.
#include "TestData.h"

#include "core/Error.h"
#include "core/Half.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"
#include "eval/Perplexity.h"
#include "io/GgufWriter.h"
#include "io/ModelLoader.h"
#include "kernels/Matmul.h"
#include "kernels/Q8Int8Gemv.h"
#include "model/LayerObserver.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"
#include "tokenizer/Tokenizer.h"

#include <QFile>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>

using namespace mobi;

namespace {

Tensor randomQ8(int64_t rows, int64_t cols, std::mt19937& rng) {
    std::normal_distribution<float> N(0.0f, 0.02f);
    std::vector<float> w(static_cast<size_t>(rows * cols));
    for (auto& v : w)
        v = N(rng);
    for (int64_t c = 5; c < cols; c += 41) // outlier columns
        for (int64_t r = 0; r < rows; ++r)
            w[static_cast<size_t>(r * cols + c)] *= 10.0f;
    if (rows > 2) // an all-zero block (d = 0)
        std::fill(w.begin() + cols, w.begin() + cols + 32, 0.0f);
    return quantizeTensorQ8_0(Tensor::fromF32("w", {rows, cols}, std::move(w)));
}

std::vector<float> randomInput(int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> N(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x)
        v = N(rng);
    if (n >= 64) std::fill(x.begin() + 32, x.begin() + 64, 0.0f); // d_x = 0 block
    return x;
}

std::vector<float> readLogits(Transformer& t, const std::vector<int>& toks) {
    return t.forward(toks.data(), static_cast<int>(toks.size()), 0, true);
}

} // namespace

class TestQ8Int8Gemv : public QObject {
    Q_OBJECT

  private slots:
    void quantizerMatchesDefinition() {
        std::mt19937 rng(1);
        const std::vector<float> x = randomInput(96, rng);
        Q8Int8Input in;
        quantizeQ8Int8Input(x.data(), 96, in);
        QCOMPARE(in.d.size(), size_t(3));
        for (int b = 0; b < 3; ++b) {
            float amax = 0;
            for (int j = 0; j < 32; ++j)
                amax = std::max(amax, std::fabs(x[b * 32 + j]));
            QCOMPARE(in.d[b], amax / 127.0f);
            for (int j = 0; j < 32; ++j) {
                QVERIFY(std::abs(in.q[b * 32 + j]) <= 127);
                if (amax > 0)
                    QVERIFY(std::fabs(in.d[b] * in.q[b * 32 + j] - x[b * 32 + j]) <=
                            in.d[b] * 0.5001f);
                else
                    QCOMPARE(int(in.q[b * 32 + j]), 0);
            }
            for (int l = 0; l < 8; ++l) {
                int s = 0;
                for (int i = 0; i < 4; ++i)
                    s += in.q[b * 32 + 4 * l + i];
                QCOMPARE(in.corr[b * 8 + l], -128 * s);
            }
        }
    }

    // Random shapes with row tails (not multiples of 4 or 16), 1..3 tokens.
    void simdEqualsScalarAndDense() {
        std::mt19937 rng(7);
        const int64_t shapes[][2] = {{1, 32},   {3, 64},   {5, 96},     {17, 160},
                                     {64, 256}, {129, 64}, {250, 2048}, {37, 544}};
        ThreadPool pool(2);
        const bool simd = q8Int8Avx512Supported();
        if (!simd) qInfo("no AVX-512 VNNI: only the scalar reference is checked");
        double worstDense = 0.0, worstFloat = 0.0;
        for (const auto& sh : shapes) {
            const int64_t rows = sh[0], cols = sh[1];
            const Tensor wt = randomQ8(rows, cols, rng);
            const WeightView w = weightView(wt);
            for (int n : {1, 3}) {
                std::vector<std::vector<float>> xs;
                std::vector<Q8Int8Input> in(static_cast<size_t>(n));
                for (int t = 0; t < n; ++t) {
                    xs.push_back(randomInput(cols, rng));
                    quantizeQ8Int8Input(xs.back().data(), cols, in[t]);
                }
                const int64_t ldy = rows + 3;
                std::vector<float> ys(static_cast<size_t>(n * ldy), -1.0f), yv = ys, yp = ys,
                                                                            yq = ys;
                q8Int8RowsScalar(w, in.data(), n, ys.data(), ldy, 0, rows);
                q8Int8RowsAvx512(w, in.data(), n, yv.data(), ldy, 0, rows);
                q8Int8Matmul(pool, w, in.data(), n, yp.data(), ldy, KernelIsa::Avx512);
                q8Int8Matmul(pool, w, in.data(), n, yq.data(), ldy, KernelIsa::Scalar);
                // Bit for bit, padding untouched.
                QCOMPARE(std::memcmp(ys.data(), yv.data(), ys.size() * 4), 0);
                QCOMPARE(std::memcmp(ys.data(), yp.data(), ys.size() * 4), 0);
                QCOMPARE(std::memcmp(ys.data(), yq.data(), ys.size() * 4), 0);
                // A part of the rows only.
                if (rows > 4) {
                    std::vector<float> part(static_cast<size_t>(n * ldy), -1.0f);
                    q8Int8RowsAvx512(w, in.data(), n, part.data(), ldy, 1, rows - 2);
                    for (int t = 0; t < n; ++t)
                        for (int64_t r = 0; r < rows; ++r)
                            QCOMPARE(part[t * ldy + r],
                                     r >= 1 && r < rows - 2 ? ys[t * ldy + r] : -1.0f);
                }
                std::vector<float> wr(static_cast<size_t>(cols));
                for (int t = 0; t < n; ++t)
                    for (int64_t r = 0; r < rows; ++r) {
                        wt.rowToF32(r, wr.data());
                        double ref = 0.0, mag = 0.0, fl = 0.0, actBound = 0.0;
                        for (int64_t j = 0; j < cols; ++j) {
                            const double xd = double(in[t].d[j / 32]) * in[t].q[j];
                            ref += double(wr[j]) * xd;
                            mag += std::fabs(double(wr[j]) * xd);
                            fl += double(wr[j]) * xs[t][j];
                            actBound += std::fabs(double(wr[j])) * in[t].d[j / 32] * 0.5;
                        }
                        const double got = ys[t * ldy + r];
                        const double bound = (cols / 32 + 4) * double(FLT_EPSILON) * mag + 1e-30;
                        const double e = std::fabs(got - ref) / bound;
                        worstDense = std::max(worstDense, e);
                        QVERIFY2(e <= 1.0, qPrintable(QString("row %1 of %2x%3: %4 vs %5")
                                                          .arg(r)
                                                          .arg(rows)
                                                          .arg(cols)
                                                          .arg(got)
                                                          .arg(ref)));
                        const double ef = std::fabs(got - fl) / (actBound + bound);
                        worstFloat = std::max(worstFloat, ef);
                        QVERIFY(ef <= 1.0);
                    }
            }
        }
        qInfo("worst |y - dense| / rounding bound %.4f; worst |y - float-activation y| / "
              "activation-rounding bound %.4f",
              worstDense, worstFloat);
        QVERIFY(worstFloat > 0.0); // activations were really rounded
    }

    void badInputIsAnError() {
        ThreadPool pool(1);
        std::vector<float> x(40, 1.0f);
        Q8Int8Input in;
        QVERIFY_THROWS_EXCEPTION(EngineError, quantizeQ8Int8Input(x.data(), 40, in));
        QVERIFY_THROWS_EXCEPTION(EngineError, quantizeQ8Int8Input(x.data(), 0, in));
        quantizeQ8Int8Input(x.data(), 32, in);
        std::mt19937 rng(3);
        const Tensor q = randomQ8(4, 64, rng); // 64 columns, input has 32
        std::vector<float> y(4);
        QVERIFY_THROWS_EXCEPTION(
            EngineError, q8Int8Matmul(pool, weightView(q), &in, 1, y.data(), 4, KernelIsa::Avx512));
        const Tensor f = Tensor::fromF32("f", {4, 32}, std::vector<float>(128, 0.5f));
        QVERIFY_THROWS_EXCEPTION(
            EngineError, q8Int8Matmul(pool, weightView(f), &in, 1, y.data(), 4, KernelIsa::Avx512));
        QVERIFY_THROWS_EXCEPTION(EngineError, quantizeTensorQ8_0(Tensor::fromF32(
                                                  "g", {2, 48}, std::vector<float>(96, 1.0f))));
    }

    // stories260K sliced with the defaults, saved once with an F16 and once
    // with a Q8_0 embedding/classifier, loaded back.
    void stories260KWithQ8Classifier() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        Model src = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
        ThreadPool pool(2);
        src.sliced = std::make_shared<SlicedModel>(sliceModel(src, SliceConfig{}, nullptr, pool));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string f16Path = (dir.path() + "/f16.gguf").toStdString();
        const std::string q8Path = (dir.path() + "/q8.gguf").toStdString();
        GgufWriteOptions wo;
        saveGguf(src, f16Path, wo);
        wo.matrixType = DType::Q8_0;
        saveGguf(src, q8Path, wo);
        const Model f16 = loadModel(f16Path);
        const Model q8 = loadModel(q8Path);
        QVERIFY(q8.sliced);
        QCOMPARE(q8.weights.tokEmbeddings.dtype, DType::Q8_0);
        QCOMPARE(q8.weights.classifier().dtype, DType::Q8_0);
        QCOMPARE(f16.weights.classifier().dtype, DType::F16);

        // Embedding rows: the Q8_0 row is the source row to within d/2.
        const int64_t dim = src.config.dim;
        std::vector<float> a(static_cast<size_t>(dim)), b(a);
        for (int64_t tok : {0, 1, 257, 511}) {
            src.weights.tokEmbeddings.rowToF32(tok, a.data());
            q8.weights.tokEmbeddings.rowToF32(tok, b.data());
            for (int64_t blk = 0; blk < dim / 32; ++blk) {
                float amax = 0;
                for (int j = 0; j < 32; ++j)
                    amax = std::max(amax, std::fabs(a[blk * 32 + j]));
                for (int j = 0; j < 32; ++j)
                    QVERIFY(std::fabs(a[blk * 32 + j] - b[blk * 32 + j]) <=
                            amax / 127.0f * 0.502f + 1e-7f);
            }
        }

        // Int8 mode with the Q8_0 classifier: prefill == decode bit for bit,
        // logits near the float mode's, greedy generation as the F16 file's
        // for the first tokens at the top level.
        const std::vector<int> toks = {1, 403, 407, 261, 378, 429, 270, 300, 35, 310};
        const size_t vocab = static_cast<size_t>(q8.config.vocabSize);
        const int n = static_cast<int>(toks.size());
        for (int k = 1; k <= q8.sliced->levels(); ++k) {
            Transformer pre(q8, 2), dec(q8, 2), fl(q8, 2);
            for (Transformer* t : {&pre, &dec, &fl})
                t->setLevel(k);
            pre.setSlicedKernelMode(SlicedKernelMode::Int8Act);
            dec.setSlicedKernelMode(SlicedKernelMode::Int8Act);
            const std::vector<float> batch = readLogits(pre, toks);
            const std::vector<float> flo = readLogits(fl, toks);
            double worst = 0;
            for (int t = 0; t < n; ++t) {
                const std::vector<float>& one = dec.forward(&toks[size_t(t)], 1, t);
                double d = 0, mag = 1;
                for (size_t v = 0; v < vocab; ++v) {
                    QCOMPARE(one[v], batch[t * vocab + v]);
                    d = std::max(d, std::fabs(double(one[v]) - flo[t * vocab + v]));
                    mag = std::max(mag, std::fabs(double(flo[t * vocab + v])));
                }
                worst = std::max(worst, d / mag);
            }
            QVERIFY(worst < 0.1);
            QVERIFY(worst > 0.0);
        }
        // The classifier really ran on int8 activations: the logits equal the
        // scalar reference on the final-normed last block output, bit for bit.
        {
            Transformer t(q8, 2);
            t.setLevel(3);
            t.setSlicedKernelMode(SlicedKernelMode::Int8Act);
            std::vector<float> last;
            t.setObserver([&](const LayerEvent& e) {
                if (e.layer == q8.config.nLayers - 1 && e.point == LayerPoint::BlockOutput)
                    last.assign(e.data, e.data + size_t(e.nTokens) * e.width);
            });
            const std::vector<float> logits = readLogits(t, toks);
            QCOMPARE(last.size(), size_t(n) * size_t(dim));
            const std::vector<float> fn = q8.weights.finalNorm.toF32();
            std::vector<Q8Int8Input> in(static_cast<size_t>(n));
            std::vector<float> h(static_cast<size_t>(dim));
            for (int r = 0; r < n; ++r) {
                const float* x = &last[size_t(r) * dim];
                double ss = 0;
                for (int64_t i = 0; i < dim; ++i)
                    ss += double(x[i]) * x[i];
                const float sc = static_cast<float>(1.0 / std::sqrt(ss / dim + q8.config.rmsEps));
                for (int64_t i = 0; i < dim; ++i)
                    h[i] = fn[i] * (x[i] * sc);
                quantizeQ8Int8Input(h.data(), dim, in[size_t(r)]);
            }
            std::vector<float> ref(size_t(n) * vocab);
            q8Int8RowsScalar(weightView(q8.weights.classifier()), in.data(), n, ref.data(),
                             int64_t(vocab), 0, int64_t(vocab));
            if (q8Int8Avx512Supported() && bestKernelIsa() == KernelIsa::Avx512)
                QCOMPARE(std::memcmp(ref.data(), logits.data(), ref.size() * 4), 0);
            else
                qInfo(
                    "no AVX-512 VNNI (or ISA lowered): the classifier keeps the float Q8_0 kernel");
        }
        auto greedy = [&](const Model& m, SlicedKernelMode act) {
            Transformer t(m, 2);
            t.setSlicedKernelMode(act);
            std::vector<int> out = {1};
            for (int i = 0; i < 24; ++i) {
                const std::vector<float>& l = t.forward(&out.back(), 1, i);
                out.push_back(static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin()));
            }
            return out;
        };
        const std::vector<int> gq = greedy(q8, SlicedKernelMode::Int8Act);
        const std::vector<int> gf = greedy(f16, SlicedKernelMode::Float);
        int same = 0;
        while (same < 25 && gq[same] == gf[same])
            ++same;
        qInfo("greedy, top level: Q8_0 + int8 follows F16 + float for %d of 24 tokens: %s",
              same - 1, q8.tokenizer->decode(std::vector<int>(gq.begin() + 1, gq.end())).c_str());
        // All 24 agree on the reference machine; 20 leaves room for a near-tie
        // argmax that float differences on another CPU may flip.
        QVERIFY2(same - 1 >= 20, qPrintable(QString::number(same - 1)));

        // Perplexity on the first 8 chunks of 512 tokens: each level and mode
        // within 1% of the F16-classifier file's.
        QFile text(testdata::path("text/TinyStories-valid.head30k.txt"));
        QVERIFY(text.open(QIODevice::ReadOnly));
        const std::vector<int> tokens = q8.tokenizer->encode(text.readAll().toStdString(), true);
        PerplexityOptions po;
        po.ctx = 512;
        po.maxChunks = 8;
        for (int k = 1; k <= q8.sliced->levels(); ++k)
            for (SlicedKernelMode act : {SlicedKernelMode::Float, SlicedKernelMode::Int8Act}) {
                Transformer tf(f16, 2), tq(q8, 2);
                for (Transformer* t : {&tf, &tq}) {
                    t->setLevel(k);
                    t->setSlicedKernelMode(act);
                }
                const double pf = perplexity(tf, tokens, po).ppl;
                const double pq = perplexity(tq, tokens, po).ppl;
                qInfo("level %d, %s: perplexity F16 classifier %.4f, Q8_0 %.4f (%+.3f%%)", k,
                      slicedKernelModeName(act), pf, pq, 100.0 * (pq / pf - 1.0));
                QVERIFY(std::fabs(pq / pf - 1.0) < 0.01);
            }
    }

    // The CLI: `slice --matrix-type Q8_0` writes a file whose embeddings are
    // Q8_0 and which generates with --act int8; another type is a usage error.
    void sliceCommandMatrixType() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        if (!QFileInfo::exists(testdata::cli())) QSKIP("mobiscope-cli is not built");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.path() + "/q8.gguf";
        const QString model = testdata::path("models/stories260K/stories260K.bin");
        auto r = testdata::runCli({"slice", model, "-o", out, "--matrix-type", "Q8_0"});
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
        const Model m = loadModel(out.toStdString());
        QVERIFY(m.sliced);
        QCOMPARE(m.weights.tokEmbeddings.dtype, DType::Q8_0);
        r = testdata::runCli(
            {"generate", out, "--level", "3", "--act", "int8", "-n", "12", "--temp", "0"});
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
        QVERIFY(r.out.size() > 10);
        r = testdata::runCli({"slice", model, "-o", dir.path() + "/x.gguf", "--matrix-type", "Q4"});
        QVERIFY(!r.crashed);
        QVERIFY(r.exitCode != 0);
        QVERIFY(r.err.contains("--matrix-type"));
        QVERIFY(!QFileInfo::exists(dir.path() + "/x.gguf"));
    }
};

QTEST_APPLESS_MAIN(TestQ8Int8Gemv)
#include "tst_q8_int8_gemv.moc"
