// llama2.c checkpoints: the real stories260K/aidreams260K files, ak42 v1/v2 exports
// written here from the same weights, tokenizer discovery, and hostile files.
#include "TestData.h"

#include "core/Error.h"
#include "io/Llama2cLoader.h"
#include "io/ModelLoader.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <immintrin.h>

// fp32 -> fp16 -> fp32 by the hardware (F16C), as an independent reference.
__attribute__((target("f16c"))) static float roundToF16(float x) {
    return _cvtsh_ss(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

std::string writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes) {
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(bytes);
    return dir.filePath(name).toStdString();
}

template <typename T> QByteArray raw(const T& v) {
    return QByteArray(reinterpret_cast<const char*>(&v), sizeof(T));
}

int32_t headerInt(const QByteArray& b, int index) {
    int32_t v;
    std::memcpy(&v, b.constData() + 4 * index, 4);
    return v;
}

void setHeaderInt(QByteArray& b, int index, int32_t v) {
    std::memcpy(b.data() + 4 * index, &v, 4);
}

// The legacy (run.c) layout, in floats from the start of the weights, computed
// here from the header on its own.
struct Legacy {
    int64_t dim, hidden, layers, heads, kvHeads, vocab, seq, kvDim, headSize;
    bool shared;
    int64_t emb, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, rope, wcls, end;

    explicit Legacy(const QByteArray& file) {
        dim = headerInt(file, 0), hidden = headerInt(file, 1), layers = headerInt(file, 2);
        heads = headerInt(file, 3), kvHeads = headerInt(file, 4), vocab = headerInt(file, 5);
        seq = headerInt(file, 6);
        shared = vocab > 0;
        vocab = std::abs(vocab);
        headSize = dim / heads;
        kvDim = headSize * kvHeads;
        emb = 0;
        rmsAtt = emb + vocab * dim;
        wq = rmsAtt + layers * dim;
        wk = wq + layers * dim * dim;
        wv = wk + layers * kvDim * dim;
        wo = wv + layers * kvDim * dim;
        rmsFfn = wo + layers * dim * dim;
        w1 = rmsFfn + layers * dim;
        w2 = w1 + layers * hidden * dim;
        w3 = w2 + layers * dim * hidden;
        rmsFinal = w3 + layers * hidden * dim;
        rope = rmsFinal + dim;
        wcls = rope + seq * headSize; // real + imag, seq_len * head_size / 2 each
        end = shared ? wcls : wcls + vocab * dim;
    }
};

// Floats [off, off + n) of the legacy weights.
QByteArray floats(const QByteArray& file, int64_t off, int64_t n) {
    return file.mid(28 + off * 4, n * 4);
}

bool sameBytes(const mobi::Tensor& t, const QByteArray& expected) {
    return t.dtype == mobi::DType::F32 && t.nbytes == static_cast<uint64_t>(expected.size()) &&
           std::memcmp(t.data, expected.constData(), expected.size()) == 0;
}

// Every weight of a model in a fixed order, for whole-model comparisons.
std::vector<const mobi::Tensor*> allTensors(const mobi::Model& m) {
    std::vector<const mobi::Tensor*> v{&m.weights.tokEmbeddings, &m.weights.finalNorm,
                                       &m.weights.classifier()};
    for (const mobi::LayerWeights& L : m.weights.layers)
        for (const mobi::Tensor* t :
             {&L.attnNorm, &L.wq, &L.wk, &L.wv, &L.wo, &L.ffnNorm, &L.wGate, &L.wUp, &L.wDown})
            v.push_back(t);
    return v;
}

// export.py's tensor order: per kind, every layer's tensor (slices of the legacy file).
struct Piece {
    int64_t off, n, cols;
};
std::vector<Piece> matrixOrder(const Legacy& g) {
    std::vector<Piece> p{{g.emb, g.vocab * g.dim, g.dim}};
    auto kind = [&](int64_t base, int64_t rows, int64_t cols) {
        for (int64_t l = 0; l < g.layers; ++l)
            p.push_back({base + l * rows * cols, rows * cols, cols});
    };
    kind(g.wq, g.dim, g.dim);
    kind(g.wk, g.kvDim, g.dim);
    kind(g.wv, g.kvDim, g.dim);
    kind(g.wo, g.dim, g.dim);
    kind(g.w1, g.hidden, g.dim);
    kind(g.w2, g.dim, g.hidden);
    kind(g.w3, g.hidden, g.dim);
    if (!g.shared) p.push_back({g.wcls, g.vocab * g.dim, g.dim});
    return p;
}

QByteArray versionedHeader(const QByteArray& legacy, int version, bool shared, int32_t group) {
    QByteArray h = raw(uint32_t(0x616b3432)) + raw(int32_t(version));
    for (int i = 0; i < 7; ++i)
        h += raw(int32_t(i == 5 ? std::abs(headerInt(legacy, i)) : headerInt(legacy, i)));
    h += char(shared ? 1 : 0);
    if (version == 2) h += raw(group);
    h += QByteArray(256 - h.size(), '\0');
    return h;
}

QByteArray exportV1(const QByteArray& legacy) {
    const Legacy g(legacy);
    QByteArray out = versionedHeader(legacy, 1, g.shared, 0);
    out += floats(legacy, g.rmsAtt, g.layers * g.dim);
    out += floats(legacy, g.rmsFfn, g.layers * g.dim);
    out += floats(legacy, g.rmsFinal, g.dim);
    for (const Piece& p : matrixOrder(g))
        out += floats(legacy, p.off, p.n);
    return out;
}

// export.py quantize_q80: per group of the flattened tensor, scale = max|w| / 127,
// q = round(w / scale) (torch.round: half to even, as nearbyint).
struct Quantized {
    std::vector<int8_t> q;
    std::vector<float> scale;
};
Quantized quantize(const float* w, int64_t n, int group) {
    Quantized r;
    r.q.resize(n);
    for (int64_t g0 = 0; g0 < n; g0 += group) {
        float mx = 0;
        for (int k = 0; k < group; ++k)
            mx = std::max(mx, std::fabs(w[g0 + k]));
        const float s = mx / 127.0f;
        for (int k = 0; k < group; ++k)
            r.q[g0 + k] = s == 0 ? 0 : static_cast<int8_t>(std::nearbyint(w[g0 + k] / s));
        r.scale.push_back(s);
    }
    return r;
}

QByteArray exportV2(const QByteArray& legacy, int group) {
    const Legacy g(legacy);
    QByteArray out = versionedHeader(legacy, 2, g.shared, group);
    out += floats(legacy, g.rmsAtt, g.layers * g.dim);
    out += floats(legacy, g.rmsFfn, g.layers * g.dim);
    out += floats(legacy, g.rmsFinal, g.dim);
    for (const Piece& p : matrixOrder(g)) {
        const QByteArray f = floats(legacy, p.off, p.n);
        const Quantized qz = quantize(reinterpret_cast<const float*>(f.constData()), p.n, group);
        out += QByteArray(reinterpret_cast<const char*>(qz.q.data()), p.n);
        out += QByteArray(reinterpret_cast<const char*>(qz.scale.data()), qz.scale.size() * 4);
    }
    return out;
}

// Runs f and reports whether it threw an EngineError whose message names `path`.
QString failsNaming(const std::string& path, const std::function<void()>& f) {
    try {
        f();
    } catch (const mobi::EngineError& e) {
        if (std::string(e.what()).find(path) == std::string::npos)
            return QStringLiteral("message does not name the file: ") + e.what();
        if (std::string(e.what()).find('\n') != std::string::npos)
            return QStringLiteral("message is not one line: ") + e.what();
        return {};
    } catch (const std::exception& e) {
        return QStringLiteral("threw a non-EngineError: ") + e.what();
    }
    return QStringLiteral("did not throw");
}

mobi::Model load(const std::string& path, const std::string& tokenizer = {}) {
    mobi::LoadOptions o;
    o.tokenizerPath = tokenizer;
    return mobi::loadLlama2c(path, o);
}

const QString kStories = QStringLiteral("models/stories260K/stories260K.bin");

} // namespace

class TestLlama2c : public QObject {
    Q_OBJECT

  private slots:
    void stories260k() {
        REQUIRE_DATA(kStories);
        const std::string path = testdata::stdPath(kStories);
        const mobi::Model m = load(path);
        const mobi::ModelConfig& c = m.config;
        QCOMPARE(c.dim, 64);
        QCOMPARE(c.hiddenDim, 172);
        QCOMPARE(c.nLayers, 5);
        QCOMPARE(c.nHeads, 8);
        QCOMPARE(c.nKvHeads, 4);
        QCOMPARE(c.headDim, 8);
        QCOMPARE(c.vocabSize, 512);
        QCOMPARE(c.seqLen, 512);
        QVERIFY(c.tiedEmbeddings);
        QCOMPARE(c.arch, std::string("llama"));
        QCOMPARE(c.ropeStyle, mobi::RopeStyle::Interleaved);
        QCOMPARE(c.ropeTheta, 10000.0f);
        QCOMPARE(c.rmsEps, 1e-5f);
        QCOMPARE(m.format, std::string("llama2c"));
        QCOMPARE(m.metadata.at("llama2c.version"), std::string("0 (legacy)"));
        QVERIFY(m.weights.output.empty());
        QCOMPARE(m.weights.classifier().data, m.weights.tokEmbeddings.data);
        QCOMPARE(m.parameterCount(),
                 uint64_t(512 * 64 + 64 + 5 * (2 * 64 + 2 * 64 * 64 + 2 * 32 * 64 + 3 * 172 * 64)));

        // tok512.bin next to the model is found on its own.
        QVERIFY(m.tokenizer);
        QCOMPARE(m.tokenizer->vocabSize(), 512);
        QCOMPARE(m.tokenizer->bos(), 1);
        QCOMPARE(m.tokenizer->decode(m.tokenizer->encode("Once upon a time", true)),
                 std::string("Once upon a time"));

        // Every tensor holds the bytes at the offset run.c reads it from, and
        // views the mapping: consecutive layers are adjacent in memory.
        const QByteArray file = readAll(testdata::path(kStories));
        const Legacy g(file);
        QCOMPARE(int64_t(file.size()), 28 + g.end * 4);
        const auto& W = m.weights;
        QVERIFY(sameBytes(W.tokEmbeddings, floats(file, g.emb, g.vocab * g.dim)));
        QVERIFY(sameBytes(W.finalNorm, floats(file, g.rmsFinal, g.dim)));
        for (int l = 0; l < 5; ++l) {
            const auto& L = W.layers[l];
            QVERIFY(sameBytes(L.attnNorm, floats(file, g.rmsAtt + l * 64, 64)));
            QVERIFY(sameBytes(L.wq, floats(file, g.wq + l * 64 * 64, 64 * 64)));
            QVERIFY(sameBytes(L.wk, floats(file, g.wk + l * 32 * 64, 32 * 64)));
            QVERIFY(sameBytes(L.wv, floats(file, g.wv + l * 32 * 64, 32 * 64)));
            QVERIFY(sameBytes(L.wo, floats(file, g.wo + l * 64 * 64, 64 * 64)));
            QVERIFY(sameBytes(L.ffnNorm, floats(file, g.rmsFfn + l * 64, 64)));
            QVERIFY(sameBytes(L.wGate, floats(file, g.w1 + l * 172 * 64, 172 * 64)));
            QVERIFY(sameBytes(L.wDown, floats(file, g.w2 + l * 172 * 64, 172 * 64)));
            QVERIFY(sameBytes(L.wUp, floats(file, g.w3 + l * 172 * 64, 172 * 64)));
            QCOMPARE(L.wDown.shape, (std::vector<int64_t>{64, 172}));
            QCOMPARE(L.wGate.shape, (std::vector<int64_t>{172, 64}));
            QCOMPARE(L.wk.shape, (std::vector<int64_t>{32, 64}));
            if (l > 0)
                QCOMPARE(static_cast<const char*>(L.wq.data),
                         static_cast<const char*>(W.layers[l - 1].wq.data) + 64 * 64 * 4);
        }
        // No copies: the weights live in the mapping, shared by one owner.
        QCOMPARE(W.layers[4].wUp.owner.get(), W.tokEmbeddings.owner.get());
        QCOMPARE(static_cast<const char*>(W.layers[0].attnNorm.data),
                 static_cast<const char*>(W.tokEmbeddings.data) + 512 * 64 * 4);
    }

    void aidreams260k() {
        REQUIRE_DATA("models/aidreams260K/aidreams260K.bin");
        const mobi::Model m = load(testdata::stdPath("models/aidreams260K/aidreams260K.bin"));
        QCOMPARE(m.config.dim, 64);
        QCOMPARE(m.config.hiddenDim, 172);
        QCOMPARE(m.config.nLayers, 4);
        QCOMPARE(m.config.nHeads, 4);
        QCOMPARE(m.config.nKvHeads, 4);
        QCOMPARE(m.config.headDim, 16);
        QCOMPARE(m.config.vocabSize, 512);
        QCOMPARE(m.config.seqLen, 128);
        QVERIFY(m.config.tiedEmbeddings);
        QVERIFY(m.tokenizer);
        QCOMPARE(m.tokenizer->vocabSize(), 512);
        QCOMPARE(m.weights.layers[3].wk.shape, (std::vector<int64_t>{64, 64}));
        // Its own vocabulary, not stories260K's.
        QCOMPARE(m.tokenizer->piece(259), std::string("in"));
    }

    void tokenizerDiscovery() {
        REQUIRE_DATA(kStories);
        QTemporaryDir dir;
        const QByteArray file = readAll(testdata::path(kStories));
        const std::string path = writeFile(dir, "model.bin", file);
        // Nothing next to the model: no tokenizer, and loadModel says so when one is required.
        QVERIFY(!load(path).tokenizer);
        mobi::LoadOptions need;
        need.requireTokenizer = true;
        const QString why = failsNaming(path, [&] { mobi::loadModel(path, need); });
        QVERIFY2(why.isEmpty(), qPrintable(why));
        QCOMPARE(mobi::loadModel(path).format, std::string("llama2c"));
        // An explicit tokenizer.
        const std::string tok = testdata::stdPath("models/stories260K/tok512.bin");
        QCOMPARE(load(path, tok).tokenizer->vocabSize(), 512);
        QCOMPARE(load(path, tok).metadata.at("tokenizer.path"), tok);
        // An explicit tokenizer that does not exist is an error naming it.
        const std::string missing = dir.filePath("nope.bin").toStdString();
        QVERIFY(failsNaming(missing, [&] { load(path, missing); }).isEmpty());
        // tok<vocab>.bin is picked up; tokenizer.bin wins over it.
        writeFile(dir, "tok512.bin", readAll(testdata::path("models/stories260K/tok512.bin")));
        QCOMPARE(load(path).metadata.at("tokenizer.path"),
                 dir.filePath("tok512.bin").toStdString());
        REQUIRE_DATA("models/llama2-tokenizer32k/tokenizer.bin");
        const std::string big =
            writeFile(dir, "tokenizer.bin",
                      readAll(testdata::path("models/llama2-tokenizer32k/tokenizer.bin")));
        // ... and a vocabulary of the wrong size is refused, naming the tokenizer.
        const QString msg = failsNaming(big, [&] { load(path); });
        QVERIFY2(msg.isEmpty(), qPrintable(msg));
        try {
            load(path);
        } catch (const mobi::FormatError& e) {
            QVERIFY2(std::string(e.what()).find("32000") != std::string::npos, e.what());
        }
    }

    void untiedLegacy() {
        REQUIRE_DATA(kStories);
        QTemporaryDir dir;
        QByteArray file = readAll(testdata::path(kStories));
        const Legacy g(file);
        setHeaderInt(file, 5, -512);
        // A classifier different from the embedding: the embedding scaled by 2.
        QByteArray cls = floats(file, g.emb, g.vocab * g.dim);
        float* f = reinterpret_cast<float*>(cls.data());
        for (int64_t i = 0; i < g.vocab * g.dim; ++i)
            f[i] *= 2;
        const std::string path = writeFile(dir, "untied.bin", file + cls);
        const mobi::Model m = load(path);
        QVERIFY(!m.config.tiedEmbeddings);
        QCOMPARE(m.config.vocabSize, 512);
        QVERIFY(sameBytes(m.weights.output, cls));
        QVERIFY(sameBytes(m.weights.tokEmbeddings, floats(file, g.emb, g.vocab * g.dim)));
        // Without the classifier the size is wrong.
        const std::string cut = writeFile(dir, "untied_cut.bin", file);
        QVERIFY(failsNaming(cut, [&] { load(cut); }).isEmpty());
    }

    void versionOne() {
        REQUIRE_DATA(kStories);
        QTemporaryDir dir;
        const QByteArray legacy = readAll(testdata::path(kStories));
        const mobi::Model ref = load(testdata::stdPath(kStories));
        const std::string path = writeFile(dir, "v1.bin", exportV1(legacy));
        const mobi::Model m = load(path);
        QCOMPARE(m.metadata.at("llama2c.version"), std::string("1"));
        QVERIFY(m.config.tiedEmbeddings);
        QCOMPARE(m.config.seqLen, 512);
        const auto a = allTensors(ref), b = allTensors(m);
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i]->dtype, mobi::DType::F32);
            QCOMPARE(b[i]->shape, a[i]->shape);
            QVERIFY2(std::memcmp(a[i]->data, b[i]->data, a[i]->nbytes) == 0, b[i]->name.c_str());
        }
        // An unknown version is refused by number.
        QByteArray v99 = exportV1(legacy);
        setHeaderInt(v99, 1, 99);
        const std::string p99 = writeFile(dir, "v99.bin", v99);
        QVERIFY(failsNaming(p99, [&] { load(p99); }).isEmpty());
        try {
            load(p99);
        } catch (const mobi::EngineError& e) {
            QVERIFY2(std::string(e.what()).find("99") != std::string::npos, e.what());
        }
    }

    void versionTwo_data() {
        QTest::addColumn<int>("group");
        QTest::newRow("group32 (Q8_0)") << 32;
        QTest::newRow("group64 (F32)") << 64;
        QTest::newRow("group4 (F32)") << 4;
    }
    void versionTwo() {
        QFETCH(int, group);
        REQUIRE_DATA(kStories);
        QTemporaryDir dir;
        const QByteArray legacy = readAll(testdata::path(kStories));
        const mobi::Model ref = load(testdata::stdPath(kStories));
        const std::string path = writeFile(dir, "v2.bin", exportV2(legacy, group));
        const mobi::Model m = load(path);
        QCOMPARE(m.metadata.at("llama2c.version"), std::string("2"));
        QCOMPARE(m.metadata.at("llama2c.group_size"), std::to_string(group));
        const auto a = allTensors(ref), b = allTensors(m);
        int nQ8 = 0;
        for (size_t i = 0; i < a.size(); ++i) {
            const mobi::Tensor& want = *a[i];
            const mobi::Tensor& got = *b[i];
            QCOMPARE(got.shape, want.shape);
            const std::vector<float> w = want.toF32();
            const std::vector<float> v = got.toF32();
            if (want.shape.size() == 1) { // norms stay fp32, exact
                QCOMPARE(got.dtype, mobi::DType::F32);
                QVERIFY(v == w);
                continue;
            }
            const bool q8 = group == 32 && want.cols() % 32 == 0;
            QCOMPARE(got.dtype, q8 ? mobi::DType::Q8_0 : mobi::DType::F32);
            nQ8 += q8 && i != 2; // classifier() repeats the embedding
            // Our own quantization of the same weights: Q8_0 keeps the int8 values
            // and rounds the fp32 scale to fp16 (the CPU's F16C rounding, independent of engine/core/Half.h).
            const Quantized qz = quantize(w.data(), static_cast<int64_t>(w.size()), group);
            double worst = 0;
            for (size_t k = 0; k < w.size(); ++k) {
                const float s = qz.scale[k / group];
                const float su = q8 ? roundToF16(s) : s;
                const float expect = static_cast<float>(qz.q[k]) * su;
                if (v[k] != expect)
                    QFAIL(qPrintable(QStringLiteral("%1[%2]: %3 != %4")
                                         .arg(got.name.c_str())
                                         .arg(k)
                                         .arg(v[k])
                                         .arg(expect)));
                // Quantization error bound: half a step, plus the fp16 scale error.
                const double bound = s / 2.0 + std::fabs(qz.q[k]) * std::fabs(su - s) + 1e-7;
                const double err = std::fabs(double(v[k]) - w[k]);
                QVERIFY(err <= bound);
                worst = std::max(worst, err);
            }
            QVERIFY(worst > 0); // it really was quantized
        }
        // group 32: everything but w2 ([64, 172] rows are not whole 32-blocks).
        QCOMPARE(std::stoi(m.metadata.at("llama2c.q8_0_tensors")), nQ8);
        QCOMPARE(nQ8, group == 32 ? 1 + 5 * 6 : 0);
    }

    // End to end through the forward pass: run.c's greedy output from the legacy
    // file, identical logits from the v1 export, close logits from v2.
    void forwardPass() {
        REQUIRE_DATA(kStories);
        REQUIRE_DATA("models/stories260K/greedy_empty_256.txt");
        const mobi::Model ref = load(testdata::stdPath(kStories));
        QVERIFY(ref.tokenizer);
        std::string text;
        std::vector<std::vector<float>> refLogits;
        std::vector<int> greedy{1};
        {
            mobi::Transformer tf(ref, 2);
            int tok = 1;
            for (int pos = 0; pos < 256; ++pos) { // run.c -n 256: 256 forward steps
                const std::vector<float>& logits = tf.forward(&tok, 1, pos);
                if (pos < 16) refLogits.push_back(logits);
                const int next =
                    int(std::max_element(logits.begin(), logits.end()) - logits.begin());
                if (next == 1) break;
                text += ref.tokenizer->decodeToken(tok, next);
                greedy.push_back(next);
                tok = next;
            }
        }
        QCOMPARE(QByteArray::fromStdString(text + "\n"),
                 readAll(testdata::path("models/stories260K/greedy_empty_256.txt")));

        QTemporaryDir dir;
        const QByteArray legacy = readAll(testdata::path(kStories));
        for (int variant : {1, 32, 64}) {
            const std::string path =
                writeFile(dir, QStringLiteral("m%1.bin").arg(variant),
                          variant == 1 ? exportV1(legacy) : exportV2(legacy, variant));
            const mobi::Model m = load(path);
            mobi::Transformer tf(m, 2);
            // Feed the reference's greedy tokens so both see the same context.
            double worst = 0;
            for (size_t pos = 0; pos < refLogits.size(); ++pos) {
                const std::vector<float>& logits = tf.forward(&greedy[pos], 1, int(pos));
                for (size_t k = 0; k < logits.size(); ++k)
                    worst = std::max(worst, double(std::fabs(logits[k] - refLogits[pos][k])));
            }
            if (variant == 1) {
                QCOMPARE(worst, 0.0);
            } else {
                qInfo("v2 group %d: max |logit - fp32 logit| over 16 positions = %.4f", variant,
                      worst);
                QVERIFY2(worst < 0.75, qPrintable(QString::number(worst)));
                QVERIFY(worst > 0);
            }
        }
    }

    void hostileFiles() {
        REQUIRE_DATA(kStories);
        QTemporaryDir dir;
        const QByteArray good = readAll(testdata::path(kStories));
        int cases = 0;
        auto expectFail = [&](const QString& name, const QByteArray& bytes) {
            const std::string p = writeFile(dir, name, bytes);
            const QString msg = failsNaming(p, [&] { load(p); });
            QVERIFY2(msg.isEmpty(), qPrintable(name + ": " + msg));
            ++cases;
        };
        // Truncated at many points, and one byte too long.
        QList<qsizetype> cuts{0,
                              1,
                              3,
                              4,
                              27,
                              28,
                              29,
                              32,
                              100,
                              4096,
                              good.size() - 16385,
                              good.size() - 16384,
                              good.size() - 4,
                              good.size() - 1};
        for (int k = 1; k < 40; ++k)
            cuts << good.size() * k / 40;
        for (qsizetype c : cuts)
            expectFail(QStringLiteral("cut_%1").arg(c), good.left(c));
        expectFail(QStringLiteral("long"), good + QByteArray(1, '\0'));
        expectFail(QStringLiteral("long4"), good + QByteArray(4, '\0'));

        // Header fields: zero, negative, huge, overflowing, inconsistent.
        struct Field {
            int index;
            int32_t value;
        };
        const std::vector<Field> fields = {
            {0, 0},   {0, -64},       {0, INT32_MAX}, {0, 1 << 20},
            {0, 63},                                             // dim
            {1, 0},   {1, -1},        {1, INT32_MAX},            // hidden
            {2, 0},   {2, -5},        {2, 1 << 30},   {2, 4096}, // layers
            {3, 0},   {3, -8},        {3, 7},         {3, 3},
            {3, 128},                                          // heads (7, 3 do not divide 64)
            {4, 0},   {4, 3},         {4, 16},        {4, -4}, // kv heads
            {5, 0},   {5, INT32_MIN}, {5, 1 << 24},   {5, INT32_MAX}, // vocab
            {6, 0},   {6, -1},        {6, INT32_MAX}, {6, 511},       // seq_len
        };
        for (const Field& f : fields) {
            QByteArray b = good;
            setHeaderInt(b, f.index, f.value);
            expectFail(QStringLiteral("field%1_%2").arg(f.index).arg(f.value), b);
        }
        // Sizes whose products pass 64 bits unless computed with care.
        {
            QByteArray b = good;
            for (int i : {0, 1})
                setHeaderInt(b, i, 1 << 20);
            setHeaderInt(b, 2, 4096);
            setHeaderInt(b, 3, 1 << 10);
            setHeaderInt(b, 4, 1 << 10);
            setHeaderInt(b, 5, -(1 << 24));
            setHeaderInt(b, 6, 1 << 20);
            expectFail(QStringLiteral("enormous"), b);
        }

        // Versioned files.
        const QByteArray v1 = exportV1(good);
        expectFail(QStringLiteral("ak42_header_only"), v1.left(200));
        expectFail(QStringLiteral("ak42_v1_cut"), v1.left(v1.size() - 4));
        QByteArray badShared = v1;
        badShared[36] = 7;
        expectFail(QStringLiteral("ak42_shared7"), badShared);
        QByteArray v0 = v1;
        setHeaderInt(v0, 1, 0);
        expectFail(QStringLiteral("ak42_v0"), v0);
        QByteArray v3 = v1;
        setHeaderInt(v3, 1, 3);
        expectFail(QStringLiteral("ak42_v3"), v3);
        const QByteArray v2 = exportV2(good, 32);
        expectFail(QStringLiteral("ak42_v2_cut"), v2.left(v2.size() - 1));
        for (int32_t g : {0, -32, 7, 1 << 21, 48}) {
            QByteArray b = v2;
            std::memcpy(b.data() + 37, &g, 4);
            expectFail(QStringLiteral("ak42_v2_group%1").arg(g), b);
        }
        QCOMPARE(cases, 96);

        // Not a file at all.
        QVERIFY(failsNaming(dir.path().toStdString(), [&] {
                    load(dir.path().toStdString());
                }).isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestLlama2c)
#include "tst_llama2c.moc"
