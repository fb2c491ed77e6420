// GGUF reading (llama.cpp-written files checked against the llama2.c
// original), writing and round trips, and hostile files that must be refused
// with a message naming the file.
#include "TestData.h"

#include "core/Error.h"
#include "core/Half.h"
#include "io/GgufFile.h"
#include "io/GgufLoader.h"
#include "io/GgufWriter.h"
#include "io/RopePermute.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>

namespace {

const char* kStories = "models/stories260K/stories260K.gguf";
const char* kStoriesBin = "models/stories260K/stories260K.bin";
const char* kTok512 = "models/stories260K/tok512.bin";
const char* kTiny = "models/tiny-random-llama2-gguf/llama-2-tiny-random.gguf";

std::string readAll(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

void writeAll(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A GGUF written byte by byte, independent of the engine's writer, so hostile
// variants can set any field.
class GgufBytes {
  public:
    struct TensorSpec {
        std::string name;
        std::vector<uint64_t> dims; // GGUF order: innermost first
        uint32_t type = 0;
        std::string data;
        std::optional<uint64_t> offset; // default: packed, aligned
    };

    uint32_t version = 3;
    std::optional<uint64_t> tensorCount;
    std::optional<uint64_t> kvCount;
    uint32_t alignment = 32;
    std::string kvs;
    uint64_t nKv = 0;
    std::vector<TensorSpec> tensors;

    template <typename T> static void pod(std::string& s, T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        s.append(b, sizeof(T));
    }
    static void str(std::string& s, const std::string& v) {
        pod<uint64_t>(s, v.size());
        s += v;
    }
    void key(const std::string& k, uint32_t type) {
        str(kvs, k);
        pod<uint32_t>(kvs, type);
        ++nKv;
    }
    void kvString(const std::string& k, const std::string& v) { key(k, 8), str(kvs, v); }
    void kvU32(const std::string& k, uint32_t v) { key(k, 4), pod(kvs, v); }
    void kvF32(const std::string& k, float v) { key(k, 6), pod(kvs, v); }
    void kvStrings(const std::string& k, const std::vector<std::string>& v) {
        key(k, 9);
        pod<uint32_t>(kvs, 8);
        pod<uint64_t>(kvs, v.size());
        for (const auto& s : v)
            str(kvs, s);
    }
    void kvF32s(const std::string& k, const std::vector<float>& v) {
        key(k, 9);
        pod<uint32_t>(kvs, 6);
        pod<uint64_t>(kvs, v.size());
        for (float x : v)
            pod(kvs, x);
    }
    void kvI32s(const std::string& k, const std::vector<int>& v) {
        key(k, 9);
        pod<uint32_t>(kvs, 5);
        pod<uint64_t>(kvs, v.size());
        for (int x : v)
            pod<int32_t>(kvs, x);
    }
    void tensorF32(const std::string& name, std::vector<uint64_t> dims, float fill = 0.5f) {
        uint64_t n = 1;
        for (uint64_t d : dims)
            n *= d;
        std::string data;
        for (uint64_t i = 0; i < n; ++i)
            pod(data, fill + 0.01f * static_cast<float>(i % 7));
        tensors.push_back({name, std::move(dims), 0, std::move(data), std::nullopt});
    }

    std::string build() const {
        std::string s = "GGUF";
        pod(s, version);
        pod<uint64_t>(s, tensorCount.value_or(tensors.size()));
        pod<uint64_t>(s, kvCount.value_or(nKv));
        s += kvs;
        uint64_t off = 0;
        std::vector<uint64_t> offsets;
        for (const TensorSpec& t : tensors) {
            str(s, t.name);
            pod<uint32_t>(s, static_cast<uint32_t>(t.dims.size()));
            for (uint64_t d : t.dims)
                pod(s, d);
            pod(s, t.type);
            offsets.push_back(off);
            pod(s, t.offset.value_or(off));
            off += (t.data.size() + alignment - 1) / alignment * alignment;
        }
        while (s.size() % alignment)
            s += '\0';
        for (const TensorSpec& t : tensors) {
            s += t.data;
            while (s.size() % alignment)
                s += '\0';
        }
        return s;
    }
};

// A valid llama model: dim 4, hidden 8, 1 layer, 2 heads, 1 kv head, vocab 6.
GgufBytes tinyModel(const std::string& arch = "llama") {
    GgufBytes g;
    g.kvString("general.architecture", arch);
    g.kvU32(arch + ".context_length", 16);
    g.kvU32(arch + ".embedding_length", 4);
    g.kvU32(arch + ".block_count", 1);
    g.kvU32(arch + ".feed_forward_length", 8);
    g.kvU32(arch + ".attention.head_count", 2);
    g.kvU32(arch + ".attention.head_count_kv", 1);
    g.kvF32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
    g.tensorF32("token_embd.weight", {4, 6});
    g.tensorF32("output_norm.weight", {4}, 1.0f);
    g.tensorF32("blk.0.attn_norm.weight", {4}, 1.0f);
    g.tensorF32("blk.0.attn_q.weight", {4, 4});
    g.tensorF32("blk.0.attn_k.weight", {4, 2});
    g.tensorF32("blk.0.attn_v.weight", {4, 2});
    g.tensorF32("blk.0.attn_output.weight", {4, 4});
    g.tensorF32("blk.0.ffn_norm.weight", {4}, 1.0f);
    g.tensorF32("blk.0.ffn_gate.weight", {4, 8});
    g.tensorF32("blk.0.ffn_up.weight", {4, 8});
    g.tensorF32("blk.0.ffn_down.weight", {8, 4});
    return g;
}

std::vector<const mobi::Tensor*> allTensors(const mobi::Model& m) {
    std::vector<const mobi::Tensor*> v = {&m.weights.tokEmbeddings, &m.weights.finalNorm,
                                          &m.weights.output};
    for (const auto& L : m.weights.layers)
        for (const mobi::Tensor* t : {&L.attnNorm, &L.wq, &L.wk, &L.wv, &L.wo, &L.bq, &L.bk, &L.bv,
                                      &L.qNorm, &L.kNorm, &L.ffnNorm, &L.wGate, &L.wUp, &L.wDown})
            v.push_back(t);
    return v;
}

void compareConfigs(const mobi::ModelConfig& a, const mobi::ModelConfig& b) {
    QCOMPARE(a.arch, b.arch);
    QCOMPARE(a.dim, b.dim);
    QCOMPARE(a.hiddenDim, b.hiddenDim);
    QCOMPARE(a.nLayers, b.nLayers);
    QCOMPARE(a.nHeads, b.nHeads);
    QCOMPARE(a.nKvHeads, b.nKvHeads);
    QCOMPARE(a.headDim, b.headDim);
    QCOMPARE(a.vocabSize, b.vocabSize);
    QCOMPARE(a.seqLen, b.seqLen);
    QCOMPARE(a.rmsEps, b.rmsEps);
    QCOMPARE(a.ropeTheta, b.ropeTheta);
    QCOMPARE(a.ropeScale, b.ropeScale);
    QCOMPARE(a.ropeStyle, b.ropeStyle);
    QCOMPARE(a.tiedEmbeddings, b.tiedEmbeddings);
    QCOMPARE(a.qkvBias, b.qkvBias);
    QCOMPARE(a.qkNorm, b.qkNorm);
}

// Every tensor of b equals round(a) elementwise, where round models the
// storage type b was written in.
void compareWeights(const mobi::Model& a, const mobi::Model& b,
                    const std::function<float(float)>& round, mobi::DType matrixType) {
    const auto ta = allTensors(a), tb = allTensors(b);
    QCOMPARE(ta.size(), tb.size());
    for (size_t i = 0; i < ta.size(); ++i) {
        QCOMPARE(ta[i]->empty(), tb[i]->empty());
        if (ta[i]->empty()) continue;
        QCOMPARE(tb[i]->shape, ta[i]->shape);
        const bool matrix = ta[i]->shape.size() == 2;
        QCOMPARE(tb[i]->dtype, matrix ? matrixType : mobi::DType::F32);
        const std::vector<float> va = ta[i]->toF32(), vb = tb[i]->toF32();
        for (size_t k = 0; k < va.size(); ++k) {
            const float want = matrix ? round(va[k]) : va[k];
            if (vb[k] != want)
                QFAIL(qPrintable(QString("%1[%2]: %3 != %4")
                                     .arg(QString::fromStdString(tb[i]->name))
                                     .arg(k)
                                     .arg(vb[k])
                                     .arg(want)));
        }
    }
}

float f16Round(float x) {
    return mobi::f16ToF32(mobi::f32ToF16(x));
}
float bf16Round(float x) {
    return mobi::bf16ToF32(mobi::f32ToBf16(x));
}

} // namespace

class TestGguf : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    std::string tmpPath(const QString& name) { return tmp_.filePath(name).toStdString(); }

    // The call must throw FormatError or UnsupportedError (as `kind` says)
    // whose message names `path` and contains `needle`.
    enum class Kind { Format, Unsupported, Either };
    static void expectRefused(const std::function<void()>& f, const std::string& path,
                              const std::string& needle, Kind kind = Kind::Format) {
        try {
            f();
        } catch (const mobi::UnsupportedError& e) {
            if (kind == Kind::Format)
                QFAIL(
                    qPrintable(QString("expected FormatError, got UnsupportedError: ") + e.what()));
            QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find('\n') == std::string::npos, e.what());
            return;
        } catch (const mobi::FormatError& e) {
            if (kind == Kind::Unsupported)
                QFAIL(
                    qPrintable(QString("expected UnsupportedError, got FormatError: ") + e.what()));
            QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find('\n') == std::string::npos, e.what());
            return;
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QString("unexpected exception type: ") + e.what()));
        }
        QFAIL(qPrintable(
            QString::fromStdString("accepted a hostile file (expected: " + needle + ")")));
    }

    void expectFileRefused(const QString& name, const std::string& bytes, const std::string& needle,
                           Kind kind = Kind::Format) {
        const std::string p = tmpPath(name);
        writeAll(p, bytes);
        expectRefused([&] { mobi::loadGguf(p, {}); }, p, needle, kind);
        if (QTest::currentTestFailed()) return;
        // Parsing alone refuses it too unless the problem is at the model level.
        try {
            mobi::GgufFile::open(p);
        } catch (const mobi::EngineError& e) {
            QVERIFY2(std::string(e.what()).find(p) != std::string::npos, e.what());
        }
    }

  private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void typeTable() {
        QCOMPARE(QString(mobi::ggmlTypeName(0)), QString("F32"));
        QCOMPARE(QString(mobi::ggmlTypeName(8)), QString("Q8_0"));
        QCOMPARE(QString(mobi::ggmlTypeName(12)), QString("Q4_K"));
        QCOMPARE(QString(mobi::ggmlTypeName(15)), QString("Q8_K"));
        QCOMPARE(QString(mobi::ggmlTypeName(24)), QString("I8"));
        QCOMPARE(QString(mobi::ggmlTypeName(28)), QString("F64"));
        QCOMPARE(QString(mobi::ggmlTypeName(30)), QString("BF16"));
        QVERIFY(mobi::ggmlTypeName(200) == nullptr);
        for (mobi::DType t :
             {mobi::DType::F32, mobi::DType::F16, mobi::DType::BF16, mobi::DType::Q8_0,
              mobi::DType::I8, mobi::DType::I16, mobi::DType::I32})
            QCOMPARE(*mobi::ggmlTypeToDType(*mobi::dtypeToGgmlType(t)), t);
        QVERIFY(!mobi::ggmlTypeToDType(12));
    }

    // llama.cpp's convert-llama2c-to-ggml output against the llama2.c file it
    // was made from: same hyper-parameters, every weight bit-identical.
    void storiesMatchesLlama2c() {
        REQUIRE_DATA(kStories);
        REQUIRE_DATA(kStoriesBin);
        const std::string path = testdata::stdPath(kStories);
        const mobi::GgufFile f = mobi::GgufFile::open(path);
        QCOMPARE(f.version(), 3u);
        QCOMPARE(f.alignment(), 32u);
        QCOMPARE(f.getString("general.architecture"), std::string("llama"));
        QCOMPARE(f.tensorInfos().size(), size_t(48));
        QCOMPARE(f.getU32("llama.embedding_length"), 64u);
        QCOMPARE(f.getInt("tokenizer.ggml.padding_token_id"), int64_t(4294967295));
        QCOMPARE(f.arrayLength("tokenizer.ggml.tokens"), uint64_t(512));
        QCOMPARE(f.findTensor("blk.0.attn_k.weight")->shape, (std::vector<int64_t>{32, 64}));
        QCOMPARE(f.findTensor("blk.3.ffn_down.weight")->shape, (std::vector<int64_t>{64, 172}));
        QCOMPARE(f.findTensor("blk.3.ffn_up.weight")->shape, (std::vector<int64_t>{172, 64}));

        const mobi::Model m = mobi::loadGguf(path, {});
        const mobi::ModelConfig& c = m.config;
        QCOMPARE(m.format, std::string("gguf"));
        QCOMPARE(c.arch, std::string("llama"));
        QCOMPARE(c.dim, 64);
        QCOMPARE(c.hiddenDim, 172);
        QCOMPARE(c.nLayers, 5);
        QCOMPARE(c.nHeads, 8);
        QCOMPARE(c.nKvHeads, 4);
        QCOMPARE(c.headDim, 8);
        QCOMPARE(c.vocabSize, 512);
        QCOMPARE(c.seqLen, 128);
        QCOMPARE(c.rmsEps, 1e-5f);
        QCOMPARE(c.ropeTheta, 10000.0f);
        QCOMPARE(c.ropeStyle, mobi::RopeStyle::Interleaved);
        QVERIFY(!c.tiedEmbeddings);
        QVERIFY(!c.qkvBias && !c.qkNorm);
        QCOMPARE(m.metadata.at("general.name"), std::string("llama"));
        QCOMPARE(m.metadata.at("gguf.version"), std::string("3"));
        QCOMPARE(m.weights.tokEmbeddings.shape, (std::vector<int64_t>{512, 64}));
        QCOMPARE(m.weights.tokEmbeddings.dtype, mobi::DType::F32);
        QVERIFY(m.weights.tokEmbeddings.owner != nullptr);

        // stories260K.bin: 7 int32 header, then float32 weights in run.c's order.
        const std::string bin = readAll(testdata::stdPath(kStoriesBin));
        int32_t hdr[7];
        std::memcpy(hdr, bin.data(), sizeof hdr);
        QCOMPARE(hdr[0], 64);
        QCOMPARE(hdr[1], 172);
        QCOMPARE(hdr[2], 5);
        QCOMPARE(hdr[5], 512);
        const float* w = reinterpret_cast<const float*>(bin.data() + 28);
        size_t pos = 0;
        auto expectNext = [&](const mobi::Tensor& t) {
            const std::vector<float> v = t.toF32();
            QVERIFY(pos * 4 + v.size() * 4 + 28 <= bin.size());
            QVERIFY2(std::memcmp(v.data(), w + pos, v.size() * 4) == 0, t.name.c_str());
            pos += v.size();
        };
        const int L = c.nLayers;
        expectNext(m.weights.tokEmbeddings);
        using Member = mobi::Tensor mobi::LayerWeights::*;
        for (Member mem :
             {&mobi::LayerWeights::attnNorm, &mobi::LayerWeights::wq, &mobi::LayerWeights::wk,
              &mobi::LayerWeights::wv, &mobi::LayerWeights::wo, &mobi::LayerWeights::ffnNorm,
              &mobi::LayerWeights::wGate, &mobi::LayerWeights::wDown, &mobi::LayerWeights::wUp})
            for (int l = 0; l < L; ++l) {
                expectNext(m.weights.layers[l].*mem);
                if (QTest::currentTestFailed()) return;
            }
        expectNext(m.weights.finalNorm);
        // The .bin's classifier is tied; llama.cpp's converter wrote a copy.
        QCOMPARE(m.weights.output.toF32(), m.weights.tokEmbeddings.toF32());
    }

    void tinyRandomLlama2() {
        REQUIRE_DATA(kTiny);
        const std::string path = testdata::stdPath(kTiny);
        const mobi::GgufFile f = mobi::GgufFile::open(path);
        QCOMPARE(f.getString("general.name"), std::string("LLaMA v2"));
        const std::vector<std::string> tokens = f.getStringArray("tokenizer.ggml.tokens");
        const std::vector<float> scores = f.getF32Array("tokenizer.ggml.scores");
        const std::vector<int32_t> types = f.getI32Array("tokenizer.ggml.token_type");
        QCOMPARE(tokens.size(), size_t(32000));
        QCOMPARE(scores.size(), size_t(32000));
        QCOMPARE(types.size(), size_t(32000));
        // Values read independently from the file with a Python GGUF dump.
        QCOMPARE(tokens[29871], std::string("\xE2\x96\x81"));
        QCOMPARE(scores[29871], -1e9f);
        QCOMPARE(tokens[1000], std::string("ied"));
        QCOMPARE(scores[1000], -741.0f);
        QCOMPARE(tokens[31999], std::string("\xE7\xBB\x99"));
        QCOMPARE(scores[31999], -31740.0f);
        QCOMPARE(tokens[13], std::string("<0x0A>"));
        QCOMPARE(types[13], 6);
        QCOMPARE(types[0], 2);
        QCOMPARE(types[1], 3);
        QCOMPARE(types[1000], 1);

        const mobi::Model m = mobi::loadGguf(path, {});
        QCOMPARE(m.config.dim, 8);
        QCOMPARE(m.config.nLayers, 1);
        QCOMPARE(m.config.hiddenDim, 32);
        QCOMPARE(m.config.nHeads, 2);
        QCOMPARE(m.config.nKvHeads, 2);
        QCOMPARE(m.config.headDim, 4);
        QCOMPARE(m.config.vocabSize, 32000);
        QCOMPARE(m.config.seqLen, 4096);
        QCOMPARE(m.weights.layers[0].wq.dtype, mobi::DType::F16);
        QCOMPARE(m.weights.tokEmbeddings.dtype, mobi::DType::F16);
        QCOMPARE(m.weights.output.dtype, mobi::DType::F16);
        QCOMPARE(m.weights.layers[0].attnNorm.dtype, mobi::DType::F32);
        const std::vector<float> emb = m.weights.tokEmbeddings.toF32();
        QCOMPARE(emb[8 * 1000 + 3], 0.0130615234375f);
        QCOMPARE(m.weights.layers[0].wq.toF32()[5], 0.0037899017333984375f);
        QCOMPARE(m.weights.output.toF32()[8 * 31999 + 7], 0.00713348388671875f);

        QVERIFY(m.tokenizer);
        QCOMPARE(m.tokenizer->bos(), 1);
        QCOMPARE(m.tokenizer->eos(), 2);
        QCOMPARE(m.tokenizer->vocabSize(), 32000);
        auto* spm = dynamic_cast<const mobi::SentencePieceTokenizer*>(m.tokenizer.get());
        QVERIFY(spm);
        QCOMPARE(spm->flavor(), mobi::SentencePieceTokenizer::Flavor::LlamaCpp);
        QVERIFY(spm->addSpacePrefix());
        QCOMPARE(spm->vocab().pieces, tokens);
        QCOMPARE(spm->vocab().scores, scores);
        QCOMPARE(spm->vocab().types, std::vector<int>(types.begin(), types.end()));
    }

    void roundTripStories_data() {
        QTest::addColumn<int>("type");
        QTest::newRow("F32") << int(mobi::DType::F32);
        QTest::newRow("F16") << int(mobi::DType::F16);
        QTest::newRow("BF16") << int(mobi::DType::BF16);
    }

    void roundTripStories() {
        REQUIRE_DATA(kStories);
        QFETCH(int, type);
        const mobi::DType t = static_cast<mobi::DType>(type);
        const mobi::Model a = mobi::loadGguf(testdata::stdPath(kStories), {});
        const std::string out = tmpPath(QString("rt_%1.gguf").arg(type));
        mobi::GgufWriteOptions o;
        o.matrixType = t;
        mobi::saveGguf(a, out, o);
        QVERIFY(!QFileInfo::exists(QString::fromStdString(out + ".tmp")));
        const mobi::Model b = mobi::loadGguf(out, {});
        compareConfigs(a.config, b.config);
        std::function<float(float)> round = [](float x) { return x; };
        if (t == mobi::DType::F16) round = f16Round;
        if (t == mobi::DType::BF16) round = bf16Round;
        compareWeights(a, b, round, t);
        if (QTest::currentTestFailed()) return;
        QCOMPARE(b.metadata.at("general.name"), std::string("llama"));
        QVERIFY(b.tokenizer);
        auto* sa = dynamic_cast<const mobi::SentencePieceTokenizer*>(a.tokenizer.get());
        auto* sb = dynamic_cast<const mobi::SentencePieceTokenizer*>(b.tokenizer.get());
        QVERIFY(sa && sb);
        QCOMPARE(sb->vocab().pieces, sa->vocab().pieces);
        QCOMPARE(sb->vocab().scores, sa->vocab().scores);
        QCOMPARE(sb->vocab().types, sa->vocab().types);
        QCOMPARE(sb->bos(), sa->bos());
        QCOMPARE(sb->eos(), sa->eos());
        QCOMPARE(sb->addSpacePrefix(), sa->addSpacePrefix());
        // Written F32 data re-read by the independent parser: same bytes.
        if (t == mobi::DType::F32) {
            const mobi::GgufFile g = mobi::GgufFile::open(out);
            const mobi::GgufFile r = mobi::GgufFile::open(testdata::stdPath(kStories));
            for (const mobi::GgufTensorInfo& ti : r.tensorInfos()) {
                const mobi::Tensor x = r.tensor(ti), y = g.tensor(ti.name);
                QCOMPARE(y.nbytes, x.nbytes);
                QVERIFY(std::memcmp(x.data, y.data, x.nbytes) == 0);
            }
        }
    }

    void roundTripTinyF16() {
        REQUIRE_DATA(kTiny);
        const mobi::Model a = mobi::loadGguf(testdata::stdPath(kTiny), {});
        mobi::GgufWriteOptions o;
        o.matrixType = mobi::DType::F16;
        const std::string p16 = tmpPath("tiny16.gguf"), p32 = tmpPath("tiny32.gguf");
        mobi::saveGguf(a, p16, o);
        o.matrixType = mobi::DType::F32;
        mobi::saveGguf(a, p32, o);
        const mobi::Model b16 = mobi::loadGguf(p16, {}), b32 = mobi::loadGguf(p32, {});
        compareConfigs(a.config, b16.config);
        compareConfigs(a.config, b32.config);
        // F16 source: F16 out is bit-identical, F32 out decodes exactly.
        compareWeights(
            a, b16, [](float x) { return x; }, mobi::DType::F16);
        compareWeights(
            a, b32, [](float x) { return x; }, mobi::DType::F32);
        QCOMPARE(b16.tokenizer->vocabSize(), 32000);
        auto* sa = dynamic_cast<const mobi::SentencePieceTokenizer*>(a.tokenizer.get());
        auto* sb = dynamic_cast<const mobi::SentencePieceTokenizer*>(b32.tokenizer.get());
        QVERIFY(sa && sb);
        QCOMPARE(sb->vocab().pieces, sa->vocab().pieces);
        QCOMPARE(sb->vocab().scores, sa->vocab().scores);
        QCOMPARE(sb->vocab().types, sa->vocab().types);
    }

    // Q8_0 as llama.cpp quantizes: per 32 values, d = max|x|/127 stored F16,
    // q = round(x/d); every value within half a step of the original.
    void q8_0Write() {
        REQUIRE_DATA(kStories);
        const mobi::Model a = mobi::loadGguf(testdata::stdPath(kStories), {});
        mobi::GgufWriteOptions o;
        o.matrixType = mobi::DType::Q8_0;
        const std::string p = tmpPath("q8.gguf");
        mobi::saveGguf(a, p, o);
        const mobi::Model b = mobi::loadGguf(p, {});
        QCOMPARE(b.weights.layers[0].wq.dtype, mobi::DType::Q8_0);
        // ffn_down rows have 172 values, not whole blocks: kept F16.
        QCOMPARE(b.weights.layers[0].wDown.dtype, mobi::DType::F16);
        const std::vector<float> x = a.weights.layers[2].wUp.toF32();
        const std::vector<float> y = b.weights.layers[2].wUp.toF32();
        QCOMPARE(x.size(), y.size());
        for (size_t blk = 0; blk < x.size() / 32; ++blk) {
            float amax = 0;
            for (int i = 0; i < 32; ++i)
                amax = std::max(amax, std::fabs(x[blk * 32 + i]));
            const float d = f16Round(amax / 127.0f);
            for (int i = 0; i < 32; ++i) {
                const float xi = x[blk * 32 + i], yi = y[blk * 32 + i];
                QVERIFY(std::fabs(xi - yi) <= 0.5f * d + 1e-3f * amax);
                QCOMPARE(std::fmod(std::fabs(yi) / d + 0.25f, 1.0f) < 0.5f, true);
            }
        }
    }

    // A model in Hugging Face layout (rotate-half) saved as GGUF llama gets
    // its wq/wk rows permuted back to the interleaved convention.
    void halfRopeLlamaIsPermuted() {
        REQUIRE_DATA(kStories);
        const mobi::Model a = mobi::loadGguf(testdata::stdPath(kStories), {});
        mobi::Model h = a;
        h.config.ropeStyle = mobi::RopeStyle::Half;
        for (auto& L : h.weights.layers) {
            L.wq = mobi::ropeInterleavedToHalf(L.wq, h.config.nHeads);
            L.wk = mobi::ropeInterleavedToHalf(L.wk, h.config.nKvHeads);
        }
        QVERIFY(h.weights.layers[0].wq.toF32() != a.weights.layers[0].wq.toF32());
        mobi::GgufWriteOptions o;
        o.matrixType = mobi::DType::F32;
        const std::string p = tmpPath("half.gguf");
        mobi::saveGguf(h, p, o);
        const mobi::Model b = mobi::loadGguf(p, {});
        QCOMPARE(b.config.ropeStyle, mobi::RopeStyle::Interleaved);
        compareWeights(
            a, b, [](float x) { return x; }, mobi::DType::F32);
    }

    // Qwen2 (q/k/v biases) and Qwen3 (q/k norms), rotate-half convention.
    void qwenRoundTrip_data() {
        QTest::addColumn<QString>("arch");
        QTest::newRow("qwen2") << "qwen2";
        QTest::newRow("qwen3") << "qwen3";
    }

    void qwenRoundTrip() {
        REQUIRE_DATA(kStories);
        QFETCH(QString, arch);
        mobi::Model a = mobi::loadGguf(testdata::stdPath(kStories), {});
        a.config.arch = arch.toStdString();
        a.config.ropeStyle = mobi::RopeStyle::Half;
        a.config.ropeTheta = 1e6f;
        a.config.ropeScale = 4.0f;
        a.config.tiedEmbeddings = true;
        a.weights.output = {};
        std::mt19937 rng(7);
        std::normal_distribution<float> nd;
        auto rnd = [&](const std::string& n, int64_t len) {
            std::vector<float> v(static_cast<size_t>(len));
            for (float& x : v)
                x = nd(rng);
            return mobi::Tensor::fromF32(n, {len}, v);
        };
        const int q = a.config.qDim(), kv = a.config.kvDim(), hd = a.config.headDim;
        for (auto& L : a.weights.layers) {
            if (arch == "qwen2") {
                L.bq = rnd("bq", q), L.bk = rnd("bk", kv), L.bv = rnd("bv", kv);
            } else {
                L.qNorm = rnd("qn", hd), L.kNorm = rnd("kn", hd);
            }
        }
        a.config.qkvBias = arch == "qwen2";
        a.config.qkNorm = arch == "qwen3";
        a.validate();
        const std::string p = tmpPath(arch + ".gguf");
        mobi::GgufWriteOptions o;
        o.matrixType = mobi::DType::F16;
        mobi::saveGguf(a, p, o);
        const mobi::Model b = mobi::loadGguf(p, {});
        compareConfigs(a.config, b.config);
        compareWeights(a, b, f16Round, mobi::DType::F16);
        const mobi::GgufFile f = mobi::GgufFile::open(p);
        QVERIFY(!f.hasTensor("output.weight"));
        QCOMPARE(f.getString(arch.toStdString() + ".rope.scaling.type"), std::string("linear"));
    }

    // A run.c tokenizer.bin vocabulary is written the way llama.cpp's
    // convert-llama2c-to-ggml wrote stories260K.gguf.
    void llama2cVocabMatchesLlamaCppConverter() {
        REQUIRE_DATA(kStories);
        REQUIRE_DATA(kTok512);
        mobi::Model a = mobi::loadGguf(testdata::stdPath(kStories), {});
        a.tokenizer =
            mobi::SentencePieceTokenizer::loadLlama2cFile(testdata::stdPath(kTok512), 512);
        const std::string p = tmpPath("l2c.gguf");
        mobi::saveGguf(a, p, {});
        const mobi::GgufFile ours = mobi::GgufFile::open(p);
        const mobi::GgufFile ref = mobi::GgufFile::open(testdata::stdPath(kStories));
        for (const char* k : {"tokenizer.ggml.tokens"})
            QCOMPARE(ours.getStringArray(k), ref.getStringArray(k));
        QCOMPARE(ours.getF32Array("tokenizer.ggml.scores"),
                 ref.getF32Array("tokenizer.ggml.scores"));
        QCOMPARE(ours.getI32Array("tokenizer.ggml.token_type"),
                 ref.getI32Array("tokenizer.ggml.token_type"));
        QCOMPARE(ours.getString("tokenizer.ggml.model"), std::string("llama"));
        QCOMPARE(ours.getU32("tokenizer.ggml.bos_token_id"), 1u);
        QCOMPARE(ours.getU32("tokenizer.ggml.eos_token_id"), 2u);
    }

    void bpeTokenizerRoundTrip() {
        REQUIRE_DATA(kStories);
        mobi::Model a = mobi::loadGguf(testdata::stdPath(kStories), {});
        // GPT-2 byte-level alphabet for printable ASCII plus a few merges.
        mobi::BpeVocab v;
        for (int ch = 33; ch < 127; ++ch)
            v.tokens.push_back(std::string(1, char(ch)));
        v.tokens.push_back("\xC4\xA0"); // 'Ġ' = space
        v.merges = {"h e", "l l", "he ll", "hell o", "\xC4\xA0 w"};
        for (const char* t : {"he", "ll", "hell", "hello", "\xC4\xA0w", "<|endoftext|>"})
            v.tokens.push_back(t);
        const int eos = static_cast<int>(v.tokens.size()) - 1;
        a.tokenizer = std::make_shared<mobi::BpeTokenizer>(
            v, mobi::BpeTokenizer::Mode::ByteLevel, mobi::PreTokenizer::Qwen2, -1, eos, false);
        const std::string p = tmpPath("bpe.gguf");
        mobi::saveGguf(a, p, {});
        const mobi::Model b = mobi::loadGguf(p, {});
        auto* tb = dynamic_cast<const mobi::BpeTokenizer*>(b.tokenizer.get());
        QVERIFY(tb);
        QCOMPARE(tb->vocab().tokens, v.tokens);
        QCOMPARE(tb->vocab().merges, v.merges);
        QCOMPARE(tb->preTokenizer(), mobi::PreTokenizer::Qwen2);
        QCOMPARE(tb->mode(), mobi::BpeTokenizer::Mode::ByteLevel);
        QCOMPARE(tb->bos(), -1);
        QCOMPARE(tb->eos(), eos);
        QCOMPARE(tb->addsBos(), false);
        QCOMPARE(tb->vocab().types.back(), 3);
        QCOMPARE(tb->encode("hello", false), a.tokenizer->encode("hello", false));
    }

    void builderControl() {
        // The hostile variants below start from this file, which loads.
        const std::string p = tmpPath("control.gguf");
        writeAll(p, tinyModel().build());
        const mobi::Model m = mobi::loadGguf(p, {});
        QCOMPARE(m.config.dim, 4);
        QCOMPARE(m.config.nKvHeads, 1);
        QCOMPARE(m.config.headDim, 2);
        QCOMPARE(m.config.vocabSize, 6);
        QVERIFY(m.config.tiedEmbeddings);
        QVERIFY(!m.tokenizer);
        GgufBytes g = tinyModel("qwen2");
        writeAll(p, g.build());
        QCOMPARE(mobi::loadGguf(p, {}).config.ropeStyle, mobi::RopeStyle::Half);
    }

    void truncation() {
        REQUIRE_DATA(kStories);
        const std::string full = readAll(testdata::stdPath(kStories));
        const std::string p = tmpPath("cut.gguf");
        std::vector<size_t> cuts;
        for (size_t n = 0; n < 600; ++n)
            cuts.push_back(n);
        for (size_t n = 600; n < 16384; n += 37)
            cuts.push_back(n);
        for (size_t n = 16384; n < full.size(); n += 8191)
            cuts.push_back(n);
        cuts.push_back(full.size() - 1);
        for (size_t n : cuts) {
            writeAll(p, full.substr(0, n));
            expectRefused([&] { mobi::GgufFile::open(p); }, p, "");
            if (QTest::currentTestFailed()) {
                qWarning("cut at %zu", n);
                return;
            }
        }
        // The same tail cut through the loader.
        writeAll(p, full.substr(0, full.size() - 1));
        expectRefused([&] { mobi::loadGguf(p, {}); }, p, "runs past the end");
    }

    void badHeader() {
        std::string good = tinyModel().build();
        std::string b = good;
        b[3] = 'X';
        expectFileRefused("magic.gguf", b, "not a GGUF file");
        b = good;
        b[4] = 1;
        expectFileRefused("v1.gguf", b, "GGUF version 1 is not supported", Kind::Unsupported);
        b = good;
        b[4] = 99;
        expectFileRefused("v99.gguf", b, "GGUF version 99 is not supported", Kind::Unsupported);
        GgufBytes g = tinyModel();
        g.tensorCount = uint64_t(1) << 62;
        expectFileRefused("count.gguf", g.build(), "4611686018427387904 tensors");
        g = tinyModel();
        g.kvCount = uint64_t(1) << 62;
        expectFileRefused("kvcount.gguf", g.build(), "metadata entries");
        expectFileRefused("empty.gguf", "", "too short");
    }

    void badMetadata() {
        {
            GgufBytes g = tinyModel();
            g.key("general.x", 8);
            GgufBytes::pod<uint64_t>(g.kvs, uint64_t(1) << 40); // string length past the end
            expectFileRefused("strlen.gguf", g.build(), "runs past the end");
        }
        {
            GgufBytes g = tinyModel();
            g.key("general.x", 77);
            expectFileRefused("vtype.gguf", g.build(), "unknown value type 77");
        }
        {
            GgufBytes g = tinyModel();
            g.key("general.x", 9);
            GgufBytes::pod<uint32_t>(g.kvs, 6);
            GgufBytes::pod<uint64_t>(g.kvs, uint64_t(1) << 61);
            expectFileRefused("arrlen.gguf", g.build(), "claims an array of");
        }
        {
            GgufBytes g = tinyModel();
            g.key("general.x", 9);
            for (int d = 0; d < 6; ++d) {
                GgufBytes::pod<uint32_t>(g.kvs, 9);
                GgufBytes::pod<uint64_t>(g.kvs, 1);
            }
            GgufBytes::pod<uint32_t>(g.kvs, 4);
            GgufBytes::pod<uint64_t>(g.kvs, 0);
            g.kvs += std::string(64, '\0');
            expectFileRefused("nested.gguf", g.build(), "nests arrays deeper");
        }
        {
            GgufBytes g = tinyModel();
            g.kvU32("llama.block_count", 1);
            expectFileRefused("dupkey.gguf", g.build(), "duplicate metadata key");
        }
        {
            GgufBytes g = tinyModel();
            g.kvU32("general.alignment", 24);
            expectFileRefused("align.gguf", g.build(), "not a power of two");
        }
        {
            GgufBytes g = tinyModel("gemma");
            expectFileRefused(
                "gemma.gguf", g.build(),
                "architecture 'gemma' is not supported (supported: llama, qwen2, qwen3)",
                Kind::Unsupported);
        }
        {
            GgufBytes g;
            const GgufBytes full = tinyModel();
            // Everything but block_count.
            g = GgufBytes();
            g.kvString("general.architecture", "llama");
            g.kvU32("llama.context_length", 16);
            g.kvU32("llama.embedding_length", 4);
            g.tensors = full.tensors;
            expectFileRefused("nokey.gguf", g.build(), "missing metadata key 'llama.block_count'");
        }
        {
            GgufBytes g = tinyModel();
            g.kvString("llama.rope.scaling.type", "yarn");
            expectFileRefused("yarn.gguf", g.build(), "RoPE scaling type 'yarn'",
                              Kind::Unsupported);
        }
        {
            GgufBytes g = tinyModel();
            g.kvString("tokenizer.ggml.model", "llama");
            g.kvStrings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a", "b", "c"});
            g.kvF32s("tokenizer.ggml.scores", {0, 0, 0});
            expectFileRefused("scores.gguf", g.build(), "tokenizer.ggml.scores has 3 entries");
        }
        {
            GgufBytes g = tinyModel();
            g.kvString("tokenizer.ggml.model", "llama");
            g.kvStrings("tokenizer.ggml.tokens", std::vector<std::string>(7, "x"));
            expectFileRefused("toomany.gguf", g.build(), "tokenizer has 7 tokens");
        }
        {
            GgufBytes g = tinyModel();
            g.kvString("tokenizer.ggml.model", "t5");
            g.kvStrings("tokenizer.ggml.tokens", {"a"});
            expectFileRefused("t5.gguf", g.build(), "tokenizer model 't5'", Kind::Unsupported);
        }
    }

    void badTensors() {
        auto variant = [](const std::function<void(GgufBytes::TensorSpec&)>& edit) {
            GgufBytes g = tinyModel();
            edit(g.tensors[3]); // blk.0.attn_q.weight
            return g.build();
        };
        expectFileRefused("ndims.gguf", variant([](auto& t) {
                              t.dims = {4, 4, 1, 1, 1};
                          }),
                          "has 5 dimensions");
        expectFileRefused("dim0.gguf", variant([](auto& t) { t.dims = {4, 0}; }), "zero dimension");
        expectFileRefused("overflow.gguf", variant([](auto& t) {
                              t.dims = {uint64_t(1) << 40, uint64_t(1) << 40};
                          }),
                          "overflows");
        expectFileRefused("hugeoff.gguf", variant([](auto& t) { t.offset = uint64_t(1) << 50; }),
                          "runs past the end");
        expectFileRefused("pastend.gguf", variant([](auto& t) { t.offset = 4096; }),
                          "runs past the end");
        expectFileRefused("misaligned.gguf", variant([](auto& t) { t.offset = 4; }),
                          "not a multiple of the alignment");
        expectFileRefused("type200.gguf", variant([](auto& t) { t.type = 200; }),
                          "unknown ggml type id 200");
        expectFileRefused("q4k.gguf", variant([](auto& t) { t.type = 12; }),
                          "tensor blk.0.attn_q.weight has type Q4_K, which mobiscope does not "
                          "support (supported: F32, F16, BF16, Q8_0",
                          Kind::Unsupported);
        expectFileRefused("q8row.gguf", variant([](auto& t) { t.type = 8; }),
                          "not a multiple of Q8_0's block of 32");
        expectFileRefused("dupname.gguf", variant([](auto& t) { t.name = "token_embd.weight"; }),
                          "duplicate tensor name token_embd.weight");
        expectFileRefused("shape.gguf", variant([](auto& t) {
                              t.dims = {4, 2};
                              t.data.resize(32);
                          }),
                          "blk.0.attn_q.weight (wq) has shape [2, 4], expected [4, 4]");
        expectFileRefused("missing.gguf", variant([](auto& t) { t.name = "blk.0.attn_qq.weight"; }),
                          "missing tensor blk.0.attn_q.weight");
        expectFileRefused("i8.gguf", variant([](auto& t) {
                              t.type = 24;
                              t.data.resize(16);
                          }),
                          "dtype I8", Kind::Unsupported);
        {
            GgufBytes g = tinyModel();
            g.tensorF32("rope_freqs.weight", {1});
            expectFileRefused("ropefreqs.gguf", g.build(),
                              "tensor rope_freqs.weight is not supported", Kind::Unsupported);
        }
    }

    void writerFailures() {
        REQUIRE_DATA(kStories);
        const mobi::Model a = mobi::loadGguf(testdata::stdPath(kStories), {});
        const std::string bad = tmpPath("no/such/dir/x.gguf");
        try {
            mobi::saveGguf(a, bad, {});
            QFAIL("wrote into a missing directory");
        } catch (const mobi::EngineError& e) {
            QVERIFY2(std::string(e.what()).find(bad) != std::string::npos, e.what());
        }
        // An existing file is replaced only when the write completes.
        const std::string p = tmpPath("keep.gguf");
        writeAll(p, "old");
        mobi::GgufWriteOptions o;
        o.alignment = 3;
        try {
            mobi::saveGguf(a, p, o);
            QFAIL("accepted alignment 3");
        } catch (const mobi::EngineError&) {
        }
        QCOMPARE(readAll(p), std::string("old"));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(p + ".tmp")));
        o.alignment = 64;
        mobi::saveGguf(a, p, o);
        const mobi::GgufFile f = mobi::GgufFile::open(p);
        QCOMPARE(f.alignment(), 64u);
        QCOMPARE(f.dataOffset() % 64, uint64_t(0));
    }
};

QTEST_APPLESS_MAIN(TestGguf)
#include "tst_gguf.moc"
