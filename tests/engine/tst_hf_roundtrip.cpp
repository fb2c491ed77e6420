// saveHfDirectory -> loadHfDirectory on synthetic llama / qwen2 / qwen3 models
// and on stories260K: same config and tensors (q/k rows moved to HF's
// rotate-half order when the source uses interleaved RoPE), and a file layout
// that follows the reference safetensors writer (checked with QJsonDocument).
#include "TestData.h"

#include "core/Half.h"
#include "io/HfLoader.h"
#include "io/HfWriter.h"
#include "io/ModelLoader.h"
#include "io/RopePermute.h"
#include "tokenizer/Tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

Q_DECLARE_METATYPE(mobi::DType)

namespace {

mobi::Tensor randomTensor(std::mt19937& rng, const std::string& name, std::vector<int64_t> shape,
                          float center, float spread) {
    std::uniform_real_distribution<float> u(-spread, spread);
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v)
        x = center + u(rng);
    return mobi::Tensor::fromF32(name, std::move(shape), std::move(v));
}

// dim 32, 2 layers, 4 heads, 2 kv heads, hidden 48, vocab 64.
mobi::Model makeModel(const std::string& arch, uint32_t seed) {
    std::mt19937 rng(seed);
    mobi::Model m;
    m.path = "synthetic-" + arch;
    m.format = "synthetic";
    mobi::ModelConfig& c = m.config;
    c.arch = arch;
    c.dim = 32;
    c.hiddenDim = 48;
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = 2;
    c.headDim = arch == "qwen3" ? 16 : 8; // qwen3: q width 64 != dim
    c.vocabSize = 64;
    c.seqLen = 128;
    c.rmsEps = arch == "llama" ? 1e-5f : 1e-6f;
    c.ropeTheta = arch == "llama" ? 10000.0f : 1000000.0f;
    c.ropeStyle = arch == "llama" ? mobi::RopeStyle::Interleaved : mobi::RopeStyle::Half;
    c.tiedEmbeddings = arch == "qwen2";
    c.qkvBias = arch == "qwen2";
    c.qkNorm = arch == "qwen3";
    const int64_t d = c.dim, h = c.hiddenDim, q = c.qDim(), kv = c.kvDim(), v = c.vocabSize;
    mobi::ModelWeights& w = m.weights;
    w.tokEmbeddings = randomTensor(rng, "tok", {v, d}, 0, 1);
    w.finalNorm = randomTensor(rng, "norm", {d}, 1, 0.2f);
    if (!c.tiedEmbeddings) w.output = randomTensor(rng, "out", {v, d}, 0, 1);
    for (int l = 0; l < c.nLayers; ++l) {
        mobi::LayerWeights L;
        L.attnNorm = randomTensor(rng, "an", {d}, 1, 0.2f);
        L.wq = randomTensor(rng, "wq", {q, d}, 0, 0.3f);
        L.wk = randomTensor(rng, "wk", {kv, d}, 0, 0.3f);
        L.wv = randomTensor(rng, "wv", {kv, d}, 0, 0.3f);
        L.wo = randomTensor(rng, "wo", {d, q}, 0, 0.3f);
        if (c.qkvBias) {
            L.bq = randomTensor(rng, "bq", {q}, 0, 0.1f);
            L.bk = randomTensor(rng, "bk", {kv}, 0, 0.1f);
            L.bv = randomTensor(rng, "bv", {kv}, 0, 0.1f);
        }
        if (c.qkNorm) {
            L.qNorm = randomTensor(rng, "qn", {c.headDim}, 1, 0.2f);
            L.kNorm = randomTensor(rng, "kn", {c.headDim}, 1, 0.2f);
        }
        L.ffnNorm = randomTensor(rng, "fn", {d}, 1, 0.2f);
        L.wGate = randomTensor(rng, "wg", {h, d}, 0, 0.3f);
        L.wUp = randomTensor(rng, "wu", {h, d}, 0, 0.3f);
        L.wDown = randomTensor(rng, "wd", {d, h}, 0, 0.3f);
        w.layers.push_back(std::move(L));
    }
    m.validate();
    return m;
}

float roundTo(mobi::DType t, float x) {
    switch (t) {
    case mobi::DType::F16:
        return mobi::f16ToF32(mobi::f32ToF16(x));
    case mobi::DType::BF16:
        return mobi::bf16ToF32(mobi::f32ToBf16(x));
    default:
        return x;
    }
}

// Rows of the original in HF (rotate-half) order, written out here rather
// than through RopePermute: half-layout row h*d + j*d/2 + i holds
// interleaved row h*d + 2i + j. heads == 0: no permutation.
std::vector<float> expectedValues(const mobi::Tensor& orig, int heads) {
    const std::vector<float> v = orig.toF32();
    if (heads == 0) return v;
    const int64_t rows = orig.shape[0];
    const int64_t cols = static_cast<int64_t>(v.size()) / rows;
    const int64_t hd = rows / heads, half = hd / 2;
    std::vector<float> out(v.size());
    for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < half; ++i)
            for (int64_t j = 0; j < 2; ++j)
                std::memcpy(&out[static_cast<size_t>((h * hd + j * half + i) * cols)],
                            &v[static_cast<size_t>((h * hd + 2 * i + j) * cols)],
                            static_cast<size_t>(cols) * sizeof(float));
    return out;
}

// Compares one tensor; on mismatch returns a description, else empty.
QString compareTensor(const char* role, const mobi::Tensor& orig, const mobi::Tensor& got,
                      int heads, mobi::DType matrixType) {
    if (orig.empty() != got.empty()) return QString("%1: presence differs").arg(role);
    if (orig.empty()) return {};
    if (orig.shape != got.shape)
        return QString("%1: shape %2 != %3")
            .arg(role, QString::fromStdString(got.shapeString()),
                 QString::fromStdString(orig.shapeString()));
    const mobi::DType want = orig.shape.size() >= 2 ? matrixType : mobi::DType::F32;
    if (got.dtype != want)
        return QString("%1: dtype %2, expected %3")
            .arg(role, mobi::dtypeName(got.dtype), mobi::dtypeName(want));
    const std::vector<float> e = expectedValues(orig, heads), g = got.toF32();
    for (size_t i = 0; i < e.size(); ++i) {
        const float x = roundTo(want, e[i]);
        if (std::memcmp(&x, &g[i], 4) != 0)
            return QString("%1[%2]: %3 != %4").arg(role).arg(i).arg(g[i]).arg(x);
        // Independent bound on the rounding: half a unit in the last place.
        const float rel = want == mobi::DType::F16    ? 1.f / 2048
                          : want == mobi::DType::BF16 ? 1.f / 256
                                                      : 0;
        if (std::fabs(g[i] - e[i]) > std::fabs(e[i]) * rel + 1e-7f)
            return QString("%1[%2]: %3 too far from %4").arg(role).arg(i).arg(g[i]).arg(e[i]);
    }
    return {};
}

QString compareModels(const mobi::Model& a, const mobi::Model& b, mobi::DType matrixType) {
    const mobi::ModelConfig &x = a.config, &y = b.config;
    if (y.arch != x.arch || y.dim != x.dim || y.hiddenDim != x.hiddenDim ||
        y.nLayers != x.nLayers || y.nHeads != x.nHeads || y.nKvHeads != x.nKvHeads ||
        y.headDim != x.headDim || y.vocabSize != x.vocabSize || y.seqLen != x.seqLen ||
        y.rmsEps != x.rmsEps || y.ropeTheta != x.ropeTheta || y.ropeScale != x.ropeScale ||
        y.tiedEmbeddings != x.tiedEmbeddings || y.qkvBias != x.qkvBias || y.qkNorm != x.qkNorm)
        return "configs differ";
    if (y.ropeStyle != mobi::RopeStyle::Half) return "loaded model is not rotate-half";
    const bool perm = x.ropeStyle == mobi::RopeStyle::Interleaved;
    const int hq = perm ? x.nHeads : 0, hk = perm ? x.nKvHeads : 0, hn = perm ? 1 : 0;
    const mobi::ModelWeights &p = a.weights, &q = b.weights;
    QString err;
    auto cmp = [&](const char* role, const mobi::Tensor& o, const mobi::Tensor& g, int heads) {
        if (err.isEmpty()) err = compareTensor(role, o, g, heads, matrixType);
    };
    cmp("embed", p.tokEmbeddings, q.tokEmbeddings, 0);
    cmp("norm", p.finalNorm, q.finalNorm, 0);
    cmp("output", p.output, q.output, 0);
    for (size_t l = 0; l < p.layers.size(); ++l) {
        const mobi::LayerWeights &L = p.layers[l], &M = q.layers[l];
        cmp("attnNorm", L.attnNorm, M.attnNorm, 0);
        cmp("wq", L.wq, M.wq, hq);
        cmp("wk", L.wk, M.wk, hk);
        cmp("wv", L.wv, M.wv, 0);
        cmp("wo", L.wo, M.wo, 0);
        cmp("bq", L.bq, M.bq, hq);
        cmp("bk", L.bk, M.bk, hk);
        cmp("bv", L.bv, M.bv, 0);
        cmp("qNorm", L.qNorm, M.qNorm, hn);
        cmp("kNorm", L.kNorm, M.kNorm, hn);
        cmp("ffnNorm", L.ffnNorm, M.ffnNorm, 0);
        cmp("wGate", L.wGate, M.wGate, 0);
        cmp("wUp", L.wUp, M.wUp, 0);
        cmp("wDown", L.wDown, M.wDown, 0);
        if (!err.isEmpty()) return QString("layer %1 %2").arg(l).arg(err);
    }
    return err;
}

// Checks model.safetensors the way the reference reader would: 8-byte LE
// length, header a multiple of 8, tensors back to back covering the data
// section, each aligned to its element size. Returns the tensor names.
QStringList checkLayout(const QString& path, QString& err) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return err = "cannot open " + path, QStringList();
    const QByteArray all = f.readAll();
    if (all.size() < 8) return err = "too short", QStringList();
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<uint8_t>(all[i]);
    if (n % 8 != 0 || n + 8 > static_cast<uint64_t>(all.size()))
        return err = QString("header length %1").arg(n), QStringList();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(all.mid(8, static_cast<qsizetype>(n)), &pe);
    if (!doc.isObject()) return err = "header: " + pe.errorString(), QStringList();
    struct R {
        qint64 b, e, elem;
        QString name;
    };
    std::vector<R> rs;
    QStringList names;
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const QJsonObject t = it.value().toObject();
        const QString dt = t["dtype"].toString();
        const qint64 elem = dt == "F32" ? 4 : (dt == "F16" || dt == "BF16") ? 2 : 0;
        const QJsonArray off = t["data_offsets"].toArray();
        qint64 count = 1;
        for (const auto& d : t["shape"].toArray())
            count *= d.toInteger();
        const R r{off[0].toInteger(), off[1].toInteger(), elem, it.key()};
        if (elem == 0 || r.e - r.b != count * elem)
            return err = "bad entry " + it.key(), QStringList();
        rs.push_back(r);
        names << it.key();
    }
    std::sort(rs.begin(), rs.end(), [](const R& a, const R& b) { return a.b < b.b; });
    qint64 at = 0;
    for (const R& r : rs) {
        if (r.b != at) return err = "gap or overlap before " + r.name, QStringList();
        if ((8 + static_cast<qint64>(n) + r.b) % r.elem != 0)
            return err = "misaligned " + r.name, QStringList();
        at = r.e;
    }
    if (8 + static_cast<qint64>(n) + at != all.size()) return err = "trailing bytes", QStringList();
    names.sort();
    return names;
}

QStringList expectedNames(const mobi::Model& m) {
    QStringList n{"model.embed_tokens.weight", "model.norm.weight"};
    if (!m.config.tiedEmbeddings) n << "lm_head.weight";
    for (int l = 0; l < m.config.nLayers; ++l) {
        const QString p = QString("model.layers.%1.").arg(l);
        for (const char* s : {"input_layernorm.weight", "self_attn.q_proj.weight",
                              "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                              "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                              "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"})
            n << p + s;
        if (m.config.qkvBias)
            n << p + "self_attn.q_proj.bias" << p + "self_attn.k_proj.bias"
              << p + "self_attn.v_proj.bias";
        if (m.config.qkNorm) n << p + "self_attn.q_norm.weight" << p + "self_attn.k_norm.weight";
    }
    n.sort();
    return n;
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class TestHfRoundTrip : public QObject {
    Q_OBJECT

  private slots:
    void roundTrip_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<mobi::DType>("type");
        for (const char* a : {"llama", "qwen2", "qwen3"})
            for (auto [t, tn] : {std::pair{mobi::DType::F32, "F32"},
                                 {mobi::DType::F16, "F16"},
                                 {mobi::DType::BF16, "BF16"}})
                QTest::newRow(qPrintable(QString("%1 %2").arg(a, tn))) << QString(a) << t;
    }

    void roundTrip() {
        QFETCH(QString, arch);
        QFETCH(mobi::DType, type);
        const mobi::Model m = makeModel(arch.toStdString(), 1234);
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("hf");
        mobi::HfWriteOptions o;
        o.matrixType = type;
        mobi::saveHfDirectory(m, dir.toStdString(), o);

        QString err;
        QCOMPARE(checkLayout(dir + "/model.safetensors", err), expectedNames(m));
        QVERIFY2(err.isEmpty(), qPrintable(err));
        const QJsonObject cfg = readJson(dir + "/config.json");
        const QString cls = arch == "llama"   ? "LlamaForCausalLM"
                            : arch == "qwen2" ? "Qwen2ForCausalLM"
                                              : "Qwen3ForCausalLM";
        QCOMPARE(cfg["architectures"].toArray().first().toString(), cls);
        QCOMPARE(cfg["model_type"].toString(), arch);
        QCOMPARE(cfg["hidden_size"].toInt(), 32);
        QCOMPARE(cfg["head_dim"].toInt(), m.config.headDim);
        QCOMPARE(cfg["tie_word_embeddings"].toBool(), m.config.tiedEmbeddings);
        QCOMPARE(cfg["torch_dtype"].toString(), QString(type == mobi::DType::F32   ? "float32"
                                                        : type == mobi::DType::F16 ? "float16"
                                                                                   : "bfloat16"));
        QCOMPARE(static_cast<float>(cfg["rms_norm_eps"].toDouble()), m.config.rmsEps);
        QVERIFY(!QFile::exists(dir + "/tokenizer.json")); // no tokenizer to write

        const mobi::Model h = mobi::loadHfDirectory(dir.toStdString(), {});
        QCOMPARE(h.format, std::string("safetensors"));
        const QString diff = compareModels(m, h, type);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    // Interleaved -> rotate-half on save is undone exactly by RopePermute's
    // inverse, for q (4 heads) and k (2 kv heads).
    void permutationInverts() {
        const mobi::Model m = makeModel("llama", 99);
        QTemporaryDir tmp;
        mobi::saveHfDirectory(m, tmp.path().toStdString());
        const mobi::Model h = mobi::loadHfDirectory(tmp.path().toStdString(), {});
        for (size_t l = 0; l < m.weights.layers.size(); ++l) {
            const mobi::LayerWeights &L = m.weights.layers[l], &M = h.weights.layers[l];
            QVERIFY(M.wq.toF32() != L.wq.toF32()); // the rows did move
            QCOMPARE(mobi::ropeHalfToInterleaved(M.wq, 4).toF32(), L.wq.toF32());
            QCOMPARE(mobi::ropeHalfToInterleaved(M.wk, 2).toF32(), L.wk.toF32());
            QCOMPARE(M.wv.toF32(), L.wv.toF32());
        }
        // Saving the loaded (rotate-half) model again moves nothing.
        QTemporaryDir tmp2;
        mobi::saveHfDirectory(h, tmp2.path().toStdString());
        const mobi::Model h2 = mobi::loadHfDirectory(tmp2.path().toStdString(), {});
        const QString diff = compareModels(h, h2, mobi::DType::F32);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void ropeScalingAndOverwrite() {
        mobi::Model m = makeModel("llama", 5);
        m.config.ropeScale = 4.0f;
        QTemporaryDir tmp;
        mobi::saveHfDirectory(m, tmp.path().toStdString());
        const QJsonObject rs = readJson(tmp.filePath("config.json"))["rope_scaling"].toObject();
        QCOMPARE(rs["type"].toString(), QString("linear"));
        QCOMPARE(rs["factor"].toDouble(), 4.0);
        QCOMPARE(mobi::loadHfDirectory(tmp.path().toStdString(), {}).config.ropeScale, 4.0f);
        // Writing again into the same directory replaces our files.
        const mobi::Model q = makeModel("qwen3", 6);
        mobi::saveHfDirectory(q, tmp.path().toStdString(), {mobi::DType::BF16});
        const mobi::Model h = mobi::loadHfDirectory(tmp.path().toStdString(), {});
        const QString diff = compareModels(q, h, mobi::DType::BF16);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QVERIFY(!QFile::exists(tmp.filePath("model.safetensors.tmp")));
    }

    // The same tensors split over two shards with an index load identically.
    void shardedIndex() {
        const mobi::Model m = makeModel("qwen2", 77);
        QTemporaryDir tmp;
        mobi::saveHfDirectory(m, tmp.path().toStdString());
        QFile f(tmp.filePath("model.safetensors"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray all = f.readAll();
        f.close();
        uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | static_cast<uint8_t>(all[i]);
        const QJsonObject header =
            QJsonDocument::fromJson(all.mid(8, static_cast<qsizetype>(n))).object();
        const QByteArray data = all.mid(8 + static_cast<qsizetype>(n));
        QJsonObject shard[2], weightMap;
        QByteArray shardData[2];
        int k = 0;
        for (auto it = header.begin(); it != header.end(); ++it, ++k) {
            if (it.key() == "__metadata__") continue;
            QJsonObject t = it.value().toObject();
            const QJsonArray off = t["data_offsets"].toArray();
            const int s = k % 2;
            const qint64 b = shardData[s].size();
            shardData[s] += data.mid(off[0].toInteger(), off[1].toInteger() - off[0].toInteger());
            t["data_offsets"] = QJsonArray{b, shardData[s].size()};
            shard[s][it.key()] = t;
            weightMap[it.key()] = QString("model-0000%1-of-00002.safetensors").arg(s + 1);
        }
        for (int s = 0; s < 2; ++s) {
            QFile out(tmp.filePath(QString("model-0000%1-of-00002.safetensors").arg(s + 1)));
            QVERIFY(out.open(QIODevice::WriteOnly));
            const QByteArray h = QJsonDocument(shard[s]).toJson(QJsonDocument::Compact);
            char len[8];
            for (int i = 0; i < 8; ++i)
                len[i] = static_cast<char>((uint64_t(h.size()) >> (8 * i)) & 0xff);
            out.write(len, 8);
            out.write(h);
            out.write(shardData[s]);
        }
        QFile idx(tmp.filePath("model.safetensors.index.json"));
        QVERIFY(idx.open(QIODevice::WriteOnly));
        idx.write(QJsonDocument(QJsonObject{{"metadata", QJsonObject{{"total_size", data.size()}}},
                                            {"weight_map", weightMap}})
                      .toJson());
        idx.close();
        QVERIFY(QFile::remove(tmp.filePath("model.safetensors")));

        const mobi::Model h = mobi::loadHfDirectory(tmp.path().toStdString(), {});
        QCOMPARE(h.metadata.at("safetensors.files"), std::string("2"));
        const QString diff = compareModels(m, h, mobi::DType::F32);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    // A real llama2.c checkpoint: .bin (interleaved RoPE) -> HF directory.
    void stories260K() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("models/stories260K/tok512.bin");
        mobi::LoadOptions lo;
        lo.tokenizerPath = testdata::stdPath("models/stories260K/tok512.bin");
        const mobi::Model bin =
            mobi::loadModel(testdata::stdPath("models/stories260K/stories260K.bin"), lo);
        QCOMPARE(bin.config.ropeStyle, mobi::RopeStyle::Interleaved);
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("stories260K-hf").toStdString();
        mobi::saveHfDirectory(bin, dir);
        const mobi::Model h = mobi::loadModel(dir);
        QCOMPARE(h.config.dim, 64);
        QCOMPARE(h.config.nLayers, 5);
        QCOMPARE(h.config.nKvHeads, 4);
        QVERIFY(h.config.tiedEmbeddings);
        const QString diff = compareModels(bin, h, mobi::DType::F32);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QString err;
        QCOMPARE(checkLayout(QString::fromStdString(dir) + "/model.safetensors", err),
                 expectedNames(bin));
        QVERIFY2(err.isEmpty(), qPrintable(err));
        if (bin.tokenizer) {
            QVERIFY(h.tokenizer);
            const char* text = "Once upon a time, Lily saw a big red ball.";
            QCOMPARE(h.tokenizer->encode(text, true), bin.tokenizer->encode(text, true));
            QCOMPARE(h.tokenizer->bos(), bin.tokenizer->bos());
            QCOMPARE(h.tokenizer->eos(), bin.tokenizer->eos());

            // Saved again without a tokenizer, the stale tokenizer.json goes and
            // --tokenizer tok512.bin supplies the vocabulary instead.
            mobi::Model bare = bin;
            bare.tokenizer.reset();
            mobi::saveHfDirectory(bare, dir);
            QVERIFY(!QFile::exists(QString::fromStdString(dir) + "/tokenizer.json"));
            QVERIFY(!mobi::loadHfDirectory(dir, {}).tokenizer);
            const mobi::Model h2 = mobi::loadHfDirectory(dir, lo);
            QVERIFY(h2.tokenizer);
            QCOMPARE(h2.tokenizer->encode(text, true), bin.tokenizer->encode(text, true));
        }
    }
};

QTEST_APPLESS_MAIN(TestHfRoundTrip)
#include "tst_hf_roundtrip.moc"
