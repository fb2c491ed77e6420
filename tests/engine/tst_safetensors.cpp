// safetensors parsing against files written by a test-local writer, and
// hostile files / directories: each must throw an EngineError naming the file.
#include "TestData.h"

#include "core/Error.h"
#include "core/Half.h"
#include "io/HfLoader.h"
#include "io/SafetensorsFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <string>
#include <vector>

namespace {

// Writes 8-byte LE length + header text + data; lenOverride replaces the length.
void writeRaw(const QString& path, const std::string& header, const std::vector<uint8_t>& data,
              int64_t lenOverride = -1) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    const uint64_t n = lenOverride >= 0 ? static_cast<uint64_t>(lenOverride) : header.size();
    char len[8];
    for (int i = 0; i < 8; ++i)
        len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    f.write(len, 8);
    f.write(header.data(), static_cast<qint64>(header.size()));
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<qint64>(data.size()));
}

struct Entry {
    std::string name, dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
};

std::string shapeJson(const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(s[i]);
    }
    return out + "]";
}

// Lays the tensors out back to back in the given order (no padding between
// them, so callers control alignment) and writes the file.
void writeEntries(const QString& path, const std::vector<Entry>& es,
                  const std::string& metadata = "{\"format\":\"pt\"}") {
    std::string h = "{\"__metadata__\":" + metadata;
    std::vector<uint8_t> data;
    for (const Entry& e : es) {
        const size_t b = data.size();
        data.insert(data.end(), e.bytes.begin(), e.bytes.end());
        h += ",\"" + e.name + "\":{\"dtype\":\"" + e.dtype + "\",\"shape\":" + shapeJson(e.shape) +
             ",\"data_offsets\":[" + std::to_string(b) + "," + std::to_string(data.size()) + "]}";
    }
    h += "}";
    h.append((8 - h.size() % 8) % 8, ' '); // as the reference writer: data starts 8-aligned
    writeRaw(path, h, data);
}

template <typename T> std::vector<uint8_t> bytesOf(const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

std::vector<uint8_t> f32Bytes(int n, float start) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        v[static_cast<size_t>(i)] = start + 0.5f * i;
    return bytesOf(v);
}

// A minimal valid llama model: dim 4, hidden 8, 1 layer, 2 heads, vocab 6.
std::vector<Entry> tinyModel() {
    auto mat = [](const std::string& n, int r, int c) {
        return Entry{n, "F32", {r, c}, f32Bytes(r * c, 0.25f)};
    };
    auto vec = [](const std::string& n, int c) { return Entry{n, "F32", {c}, f32Bytes(c, 1.f)}; };
    const std::string p = "model.layers.0.";
    return {mat("model.embed_tokens.weight", 6, 4),
            vec(p + "input_layernorm.weight", 4),
            mat(p + "self_attn.q_proj.weight", 4, 4),
            mat(p + "self_attn.k_proj.weight", 4, 4),
            mat(p + "self_attn.v_proj.weight", 4, 4),
            mat(p + "self_attn.o_proj.weight", 4, 4),
            vec(p + "post_attention_layernorm.weight", 4),
            mat(p + "mlp.gate_proj.weight", 8, 4),
            mat(p + "mlp.up_proj.weight", 8, 4),
            mat(p + "mlp.down_proj.weight", 4, 8),
            vec("model.norm.weight", 4)};
}

const char* kTinyConfig = R"({"architectures":["LlamaForCausalLM"],"hidden_size":4,
 "intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":2,
 "rms_norm_eps":1e-5,"vocab_size":6,"max_position_embeddings":32,"tie_word_embeddings":true})";

void writeText(const QString& path, const std::string& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.data(), static_cast<qint64>(text.size()));
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString file(const QString& name) const { return tmp_.filePath(name); }

  private slots:
    void parsesKnownContents() {
        const QString path = file("known.safetensors");
        const std::vector<float> a = {1.5f, -2.f, 3.25f, 0.f, 1e-3f, -7.f};
        const std::vector<uint16_t> h = {mobi::f32ToF16(0.5f), mobi::f32ToF16(-1.25f),
                                         mobi::f32ToF16(65504.f), mobi::f32ToF16(3.f)};
        const std::vector<uint16_t> bf = {0x3f80, 0xc000, 0x4040, 0x0000}; // 1, -2, 3, 0
        const std::vector<int32_t> i32 = {-5, 123456};
        const std::vector<int16_t> i16 = {-300, 300};
        const std::vector<int8_t> i8 = {-128, 0, 127, 5};
        const std::vector<uint8_t> u8 = {0, 200, 255, 7};
        writeEntries(path,
                     {{"a", "F32", {2, 3}, bytesOf(a)},
                      {"i", "I32", {2}, bytesOf(i32)},
                      {"h", "F16", {4}, bytesOf(h)},
                      {"bf", "BF16", {2, 2}, bytesOf(bf)},
                      {"s", "I16", {2}, bytesOf(i16)},
                      {"q", "I8", {4}, bytesOf(i8)},
                      {"u", "U8", {2, 2}, bytesOf(u8)},
                      {"empty", "F32", {0, 4}, {}}},
                     R"({"format":"pt","note":"hello"})");
        const mobi::SafetensorsFile sf = mobi::SafetensorsFile::open(path.toStdString());
        QCOMPARE(sf.tensors().size(), size_t(8));
        QCOMPARE(sf.metadata().at("format"), std::string("pt"));
        QCOMPARE(sf.metadata().at("note"), std::string("hello"));

        const mobi::Tensor* ta = sf.find("a");
        QVERIFY(ta);
        QCOMPARE(ta->dtype, mobi::DType::F32);
        QCOMPARE(ta->shape, (std::vector<int64_t>{2, 3}));
        QCOMPARE(ta->nbytes, uint64_t(24));
        QCOMPARE(ta->toF32(), a);
        QCOMPARE(sf.find("i")->toF32(), (std::vector<float>{-5.f, 123456.f}));
        QCOMPARE(sf.find("h")->dtype, mobi::DType::F16);
        QCOMPARE(sf.find("h")->toF32(), (std::vector<float>{0.5f, -1.25f, 65504.f, 3.f}));
        QCOMPARE(sf.find("bf")->dtype, mobi::DType::BF16);
        QCOMPARE(sf.find("bf")->toF32(), (std::vector<float>{1.f, -2.f, 3.f, 0.f}));
        QCOMPARE(sf.find("s")->toF32(), (std::vector<float>{-300.f, 300.f}));
        QCOMPARE(sf.find("q")->toF32(), (std::vector<float>{-128.f, 0.f, 127.f, 5.f}));
        QCOMPARE(sf.find("u")->toF32(), (std::vector<float>{0.f, 200.f, 255.f, 7.f}));
        QCOMPARE(sf.find("empty")->numel(), int64_t(0));
        QCOMPARE(sf.find("empty")->nbytes, uint64_t(0));
        QVERIFY(!sf.find("missing"));
        // Aligned tensors are views of one mapping, not copies.
        QVERIFY(ta->owner);
        QCOMPARE(sf.find("i")->owner.get(), ta->owner.get());
        // Header order is kept.
        QCOMPARE(sf.tensors()[0].name, std::string("a"));
        QCOMPARE(sf.tensors()[7].name, std::string("empty"));
    }

    void misalignedTensorIsCopied() {
        // A 1-byte tensor first puts the F32 one at an odd offset.
        const QString path = file("misaligned.safetensors");
        const std::vector<float> v = {1.f, 2.f, 3.f};
        writeEntries(path, {{"u", "U8", {1}, {9}}, {"f", "F32", {3}, bytesOf(v)}}, "{}");
        const mobi::SafetensorsFile sf = mobi::SafetensorsFile::open(path.toStdString());
        const mobi::Tensor* f = sf.find("f");
        QVERIFY(f);
        QCOMPARE(reinterpret_cast<uintptr_t>(f->data) % 4, uintptr_t(0));
        QCOMPARE(f->toF32(), v);
        QCOMPARE(sf.find("u")->toF32(), std::vector<float>{9.f});
    }

    void unknownKeysTolerated() {
        const QString path = file("extra.safetensors");
        const std::vector<float> v = {4.f, 5.f};
        const std::string h = R"({"__metadata__":{"format":"pt","n":3},"x":{"dtype":"F32",)"
                              R"("shape":[2],"data_offsets":[0,8],"future":{"k":[1,2]}},)"
                              R"("zz_unknown_top":{"dtype":"U8","shape":[],"data_offsets":[8,9]}})";
        std::vector<uint8_t> data = bytesOf(v);
        data.push_back(42);
        writeRaw(path, h, data);
        const mobi::SafetensorsFile sf = mobi::SafetensorsFile::open(path.toStdString());
        QCOMPARE(sf.find("x")->toF32(), v);
        QCOMPARE(sf.find("zz_unknown_top")->toF32(), std::vector<float>{42.f}); // scalar
        QCOMPARE(sf.metadata().count("n"), size_t(0));
    }

    void hostileFiles_data() {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<qint64>("lenOverride");
        QTest::addColumn<QString>("expect");
        QTest::addColumn<bool>("unsupported");
        auto t = [](const char* desc, const char* h, int data, qint64 len, const char* expect,
                    bool unsupported = false) {
            QTest::newRow(desc) << QByteArray(h) << data << len << QString(expect) << unsupported;
        };
        t("header length 0", "", 0, 0, "header length is 0");
        t("header length past the end", "{}", 16, 1000, "runs past the end");
        t("header length over 100 MB", "{}", 0, 200000000, "exceeds");
        t("header length 2^63", "{}", 0, qint64(1) << 62, "exceeds");
        t("invalid JSON", R"({"a": {"dtype": )", 0, -1, "JSON");
        t("header not an object", "[1, 2, 3]", 0, -1, "not a JSON object");
        t("entry not an object", R"({"a": 5})", 0, -1, "not a JSON object");
        t("metadata not an object", R"({"__metadata__": [1]})", 0, -1, "__metadata__");
        t("missing dtype", R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4, -1, "dtype");
        t("missing shape", R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", 4, -1, "shape");
        t("offsets not a pair", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4, -1,
          "data_offsets");
        t("offsets past the end", R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8,
          -1, "past the 8-byte data section");
        t("begin > end", R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 8, -1,
          "begin 8 > end 4");
        t("negative offset", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 8, -1,
          "non-negative");
        t("fractional offset", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}})", 8, -1,
          "non-negative");
        t("byte length != shape * dtype",
          R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, -1, "needs 12");
        t("overflowing shape",
          R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})", 8, -1,
          "overflows");
        t("overflow before a zero dim",
          R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}})", 8, -1,
          "overflows");
        t("bytes overflow",
          R"({"a":{"dtype":"F32","shape":[2147483648,2147483648],)"
          R"("data_offsets":[0,8]}})",
          8, -1, "overflows");
        t("huge dimension", R"({"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,8]}})", 8, -1,
          "non-negative integers");
        t("negative dimension", R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, -1,
          "non-negative integers");
        t("overlapping tensors",
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          12, -1, "overlap");
        t("identical ranges",
          R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
          R"("b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
          4, -1, "overlap");
        t("duplicate tensor name",
          R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
          R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
          2, -1, "listed twice");
        t("F64 refused by name", R"({"w64":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", 8,
          -1, "tensor 'w64' has dtype F64", true);
        t("I64 refused by name", R"({"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8,
          -1, "tensor 'ids' has dtype I64", true);
        t("F8_E4M3 refused by name",
          R"({"f8":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}})", 8, -1,
          "tensor 'f8' has dtype F8_E4M3", true);
        t("BOOL refused by name", R"({"m":{"dtype":"BOOL","shape":[8],"data_offsets":[0,8]}})", 8,
          -1, "dtype BOOL", true);
        t("unknown dtype", R"({"m":{"dtype":"Q4_K","shape":[8],"data_offsets":[0,8]}})", 8, -1,
          "'Q4_K' (unknown)", true);
    }

    void hostileFiles() {
        QFETCH(QByteArray, header);
        QFETCH(int, dataBytes);
        QFETCH(qint64, lenOverride);
        QFETCH(QString, expect);
        QFETCH(bool, unsupported);
        const QString path = file("hostile.safetensors");
        writeRaw(path, header.toStdString(), std::vector<uint8_t>(static_cast<size_t>(dataBytes)),
                 lenOverride);
        try {
            mobi::SafetensorsFile::open(path.toStdString());
            QFAIL("no error thrown");
        } catch (const mobi::EngineError& e) {
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.startsWith(path + ": "), qPrintable(msg));
            QVERIFY2(msg.contains(expect), qPrintable(msg));
            QVERIFY2(!msg.contains('\n'), qPrintable(msg));
            QCOMPARE(dynamic_cast<const mobi::UnsupportedError*>(&e) != nullptr, unsupported);
        }
    }

    void truncatedFiles() {
        for (int n : {0, 1, 7}) {
            const QString path = file("short.safetensors");
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(QByteArray(n, char(2)));
            f.close();
            try {
                mobi::SafetensorsFile::open(path.toStdString());
                QFAIL("no error thrown");
            } catch (const mobi::FormatError& e) {
                QVERIFY2(QString(e.what()).startsWith(path + ": truncated"), e.what());
            }
        }
        // Header cut in the middle: length says 64, only 10 bytes follow.
        const QString path = file("cut.safetensors");
        writeRaw(path, "{\"a\":{\"dty", {}, 64);
        QVERIFY_THROWS_EXCEPTION(mobi::FormatError,
                                 mobi::SafetensorsFile::open(path.toStdString()));
    }

    void missingFile() {
        const std::string p = file("nope.safetensors").toStdString();
        try {
            mobi::SafetensorsFile::open(p);
            QFAIL("no error thrown");
        } catch (const mobi::EngineError& e) {
            QCOMPARE(e.where(), p);
        }
    }

    // --- directories -------------------------------------------------------

    void loadsTinyDirectory() {
        QTemporaryDir d;
        writeText(d.filePath("config.json"), kTinyConfig);
        writeEntries(d.filePath("model.safetensors"), tinyModel());
        const mobi::Model m = mobi::loadHfDirectory(d.path().toStdString(), {});
        QCOMPARE(m.config.dim, 4);
        QCOMPARE(m.config.hiddenDim, 8);
        QCOMPARE(m.config.headDim, 2);
        QCOMPARE(m.config.ropeStyle, mobi::RopeStyle::Half);
        QVERIFY(m.config.tiedEmbeddings);
        QCOMPARE(m.format, std::string("safetensors"));
        QVERIFY(!m.tokenizer);
        QCOMPARE(m.weights.layers[0].wGate.toF32()[1], 0.75f);
    }

    void hostileDirectories_data() {
        QTest::addColumn<QString>("config");  // empty: no config.json
        QTest::addColumn<QString>("index");   // non-empty: write an index instead of one file
        QTest::addColumn<bool>("dropTensor"); // leave out the down projection
        QTest::addColumn<QString>("expectFile");
        QTest::addColumn<QString>("expect");
        const QString cfg = kTinyConfig;
        QTest::newRow("no config.json") << QString() << QString() << false << ""
                                        << "no config.json";
        QTest::newRow("config not JSON")
            << "{\"hidden_size\": 4," << QString() << false << "config.json"
            << "JSON";
        QTest::newRow("unsupported architecture")
            << R"({"architectures":["MistralForCausalLM"],"hidden_size":4})" << QString() << false
            << "config.json"
            << "MistralForCausalLM";
        QTest::newRow("unsupported model_type")
            << R"({"model_type":"gpt2","hidden_size":4})" << QString() << false << "config.json"
            << "gpt2";
        QTest::newRow("missing hidden_size")
            << R"({"architectures":["LlamaForCausalLM"]})" << QString() << false << "config.json"
            << "hidden_size";
        QTest::newRow("huge hidden_size")
            << R"({"architectures":["LlamaForCausalLM"],"hidden_size":1e30})" << QString() << false
            << "config.json"
            << "hidden_size";
        QTest::newRow("yarn rope scaling")
            << QString(kTinyConfig)
                   .replace("\"rms_norm_eps\"", R"("rope_scaling":{"rope_type":"yarn","factor":4},)"
                                                R"("rms_norm_eps")")
            << QString() << false << "config.json"
            << "yarn";
        QTest::newRow("missing tensor") << cfg << QString() << true << "model.safetensors"
                                        << "model.layers.0.mlp.down_proj.weight";
        QTest::newRow("index to a missing shard")
            << cfg << R"({"weight_map":{"model.norm.weight":"model-00002-of-00002.safetensors"}})"
            << false << "model.safetensors.index.json"
            << "model-00002-of-00002.safetensors";
        QTest::newRow("index escaping the directory")
            << cfg << R"({"weight_map":{"model.norm.weight":"../x.safetensors"}})" << false
            << "model.safetensors.index.json"
            << "../x.safetensors";
        QTest::newRow("index with an absolute path")
            << cfg << R"({"weight_map":{"model.norm.weight":"/etc/passwd"}})" << false
            << "model.safetensors.index.json"
            << "/etc/passwd";
        QTest::newRow("index naming a tensor the shard lacks")
            << cfg << R"({"weight_map":{"model.nothing":"shard.safetensors"}})" << false
            << "shard.safetensors"
            << "model.nothing";
        QTest::newRow("index without weight_map")
            << cfg << R"({"metadata":{}})" << false << "model.safetensors.index.json"
            << "weight_map";
    }

    void hostileDirectories() {
        QFETCH(QString, config);
        QFETCH(QString, index);
        QFETCH(bool, dropTensor);
        QFETCH(QString, expectFile);
        QFETCH(QString, expect);
        QTemporaryDir parent;
        QVERIFY(QDir(parent.path()).mkdir("m"));
        const QString dir = parent.filePath("m");
        // A real file outside the model directory that "../x" would reach.
        writeEntries(parent.filePath("x.safetensors"), tinyModel());
        if (!config.isEmpty()) writeText(dir + "/config.json", config.toStdString());
        std::vector<Entry> es = tinyModel();
        if (dropTensor) es.erase(es.begin() + 9);
        if (index.isEmpty()) {
            writeEntries(dir + "/model.safetensors", es);
        } else {
            writeText(dir + "/model.safetensors.index.json", index.toStdString());
            writeEntries(dir + "/shard.safetensors", es);
        }
        try {
            mobi::loadHfDirectory(dir.toStdString(), {});
            QFAIL("no error thrown");
        } catch (const mobi::EngineError& e) {
            const QString msg = QString::fromStdString(e.what());
            const QString where = expectFile.isEmpty() ? dir : dir + "/" + expectFile;
            QVERIFY2(msg.startsWith(where + ": "), qPrintable(msg));
            QVERIFY2(msg.contains(expect), qPrintable(msg));
            QVERIFY2(!msg.contains('\n'), qPrintable(msg));
        }
    }
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
