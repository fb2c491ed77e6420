// Sliced GGUF files: save -> load round trips bit-exactly (planes, scales,
// config, hash, logits at every level), the file is self-contained and
// smaller than F16, and corrupt or truncated sliced files get a FormatError.
#include "TestData.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "io/GgufFile.h"
#include "io/GgufWriter.h"
#include "io/HfWriter.h"
#include "io/ModelLoader.h"
#include "io/SlicedGguf.h"
#include "model/Model.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"
#include "tokenizer/Tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace mobi;

namespace {

Model slicedStories(SliceMode mode, std::vector<int> bits = {2, 1, 1, 1}, int group = 128) {
    Model m = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
    SliceConfig cfg;
    cfg.sliceBits = std::move(bits);
    cfg.groupSize = group;
    cfg.mode = mode;
    ThreadPool pool(2);
    m.sliced = std::make_shared<SlicedModel>(sliceModel(m, cfg, nullptr, pool));
    return m;
}

std::vector<uint8_t> readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}
void writeAll(const std::string& path, const std::vector<uint8_t>& b, size_t n) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(n));
}
size_t findBytes(const std::vector<uint8_t>& b, const std::string& s) {
    auto it = std::search(b.begin(), b.end(), s.begin(), s.end());
    return it == b.end() ? std::string::npos : static_cast<size_t>(it - b.begin());
}

// Loads and expects a FormatError; returns its message.
QString expectFormatError(const std::string& path) {
    try {
        const Model m = loadModel(path);
        return {};
    } catch (const FormatError& e) {
        return QString::fromStdString(e.what());
    }
}

const std::vector<int> kTokens = {1, 403, 407, 261, 378, 429, 270, 300, 35, 310};

} // namespace

class TestSlicedGguf : public QObject {
    Q_OBJECT
  private slots:
    void roundTripIsBitExact_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("bits");
        QTest::addColumn<int>("group");
        QTest::newRow("nested 2,1,1,1") << int(SliceMode::Nested) << "2,1,1,1" << 128;
        QTest::newRow("residual 2,1,1,1") << int(SliceMode::Residual) << "2,1,1,1" << 128;
        QTest::newRow("nested 4,2,2 g32") << int(SliceMode::Nested) << "4,2,2" << 32;
    }
    void roundTripIsBitExact() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QFETCH(int, mode);
        QFETCH(QString, bits);
        QFETCH(int, group);
        const Model src = slicedStories(static_cast<SliceMode>(mode),
                                        SliceConfig::parseSliceBits(bits.toStdString()), group);
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("s.gguf").toStdString();
        const std::string f16 = tmp.filePath("f16.gguf").toStdString();
        // F32 keeps the embeddings/classifier exact, so logits can be compared.
        GgufWriteOptions f32;
        f32.matrixType = DType::F32;
        saveGguf(src, path, f32);
        Model dense = src;
        dense.sliced.reset();
        saveGguf(dense, f16);
        const std::string slicedF16 = tmp.filePath("s16.gguf").toStdString();
        saveGguf(src, slicedF16);
        QVERIFY(std::filesystem::file_size(slicedF16) < std::filesystem::file_size(f16));

        const Model m = loadModel(path);
        QVERIFY(m.sliced);
        const SlicedModel& a = *src.sliced;
        const SlicedModel& b = *m.sliced;
        QCOMPARE(b.config.sliceBits, a.config.sliceBits);
        QCOMPARE(b.config.groupSize, a.config.groupSize);
        QCOMPARE(int(b.config.mode), int(a.config.mode));
        QCOMPARE(b.sourceHash, a.sourceHash);
        QCOMPARE(b.sourceHash, sourceWeightHash(dense));
        QCOMPARE(b.sourceHash.size(), size_t(16));
        QCOMPARE(m.metadata.at("mobiquant.source_hash"), a.sourceHash);
        QVERIFY(m.weights.layers[0].wq.empty()); // no dense copy stored
        QCOMPARE(b.layers.size(), a.layers.size());
        for (size_t l = 0; l < a.layers.size(); ++l) {
            const auto x = a.layers[l].all(), y = b.layers[l].all();
            for (size_t i = 0; i < x.size(); ++i) {
                QCOMPARE(y[i]->rows(), x[i]->rows());
                QCOMPARE(y[i]->cols(), x[i]->cols());
                QCOMPARE(y[i]->scaledSlices(), x[i]->scaledSlices());
                for (int p = 0; p < x[i]->planes(); ++p)
                    QVERIFY(x[i]->filePlane(p) == y[i]->filePlane(p));
                for (int s = 0; s < x[i]->scaledSlices(); ++s) {
                    QVERIFY(std::memcmp(x[i]->scales(s), y[i]->scales(s), x[i]->scaleBytes()) == 0);
                    QVERIFY(std::memcmp(x[i]->mins(s), y[i]->mins(s), x[i]->scaleBytes()) == 0);
                }
            }
        }
        // Self-contained: the tokenizer came along.
        QVERIFY(m.tokenizer);
        QCOMPARE(m.tokenizer->encode("Once upon a time", true),
                 src.tokenizer->encode("Once upon a time", true));
        // Logits equal at every level (same kernels on the same bits).
        Transformer ts(src, 2, 32), tl(m, 2, 32);
        for (int k = 1; k <= a.levels(); ++k) {
            ts.setLevel(k);
            tl.setLevel(k);
            const std::vector<float> x = ts.forward(kTokens.data(), int(kTokens.size()), 0, true);
            const std::vector<float> y = tl.forward(kTokens.data(), int(kTokens.size()), 0, true);
            QVERIFY(x == y);
        }
        // Saving the loaded file again gives the same bytes.
        const std::string again = tmp.filePath("again.gguf").toStdString();
        saveGguf(m, again, f32);
        QVERIFY(readAll(again) == readAll(path));
    }

    void slicedModelCannotBecomeHfDirectory() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("s.gguf").toStdString();
        saveGguf(slicedStories(SliceMode::Nested), path);
        const Model m = loadModel(path);
        QVERIFY_THROWS_EXCEPTION(UnsupportedError,
                                 saveHfDirectory(m, tmp.filePath("hf").toStdString()));
    }

    void corruptFilesAreFormatErrors() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model src = slicedStories(SliceMode::Nested);
        QTemporaryDir tmp;
        const std::string good = tmp.filePath("good.gguf").toStdString();
        const std::string bad = tmp.filePath("bad.gguf").toStdString();
        saveGguf(src, good);
        const std::vector<uint8_t> bytes = readAll(good);

        // Missing plane tensor: its name changed to one the layout does not know.
        {
            std::vector<uint8_t> b = bytes;
            const size_t at = findBytes(b, "blk.1.attn_v.plane.3");
            QVERIFY(at != std::string::npos);
            b[at + 19] = '9';
            writeAll(bad, b, b.size());
            const QString e = expectFormatError(bad);
            QVERIFY2(e.contains("blk.1.attn_v.plane.3") && e.contains("missing"), qPrintable(e));
        }
        // Wrong plane shape: rows halved in the tensor info.
        {
            std::vector<uint8_t> b = bytes;
            const std::string name = "blk.0.ffn_down.plane.2";
            const size_t at = findBytes(b, name);
            QVERIFY(at != std::string::npos);
            const size_t dims = at + name.size() + 4; // after n_dims
            uint64_t rows = 0;
            std::memcpy(&rows, &b[dims + 8], 8);
            QCOMPARE(rows, uint64_t(64));
            rows = 32;
            std::memcpy(&b[dims + 8], &rows, 8);
            writeAll(bad, b, b.size());
            const QString e = expectFormatError(bad);
            QVERIFY2(e.contains(QString::fromStdString(name)) && e.contains("expected"),
                     qPrintable(e));
        }
        // slice_bits inconsistent with the planes: claims 2,1,1 (4 planes)
        // while 5 are stored.
        {
            Model m = src;
            auto sm = std::make_shared<SlicedModel>(*src.sliced);
            sm->config.sliceBits = {2, 1, 1};
            m.sliced = sm;
            saveGguf(m, bad);
            const QString e = expectFormatError(bad);
            QVERIFY2(e.contains("plane.4") && e.contains("2,1,1"), qPrintable(e));
            // ... and a list that needs more planes than stored.
            sm->config.sliceBits = {2, 1, 1, 1, 1};
            saveGguf(m, bad);
            const QString e2 = expectFormatError(bad);
            QVERIFY2(e2.contains("plane.5") && e2.contains("missing"), qPrintable(e2));
        }
        // Bad mode and group size values.
        {
            std::vector<uint8_t> b = bytes;
            const size_t at = findBytes(b, "nested");
            QVERIFY(at != std::string::npos);
            b[at] = 'x';
            writeAll(bad, b, b.size());
            QVERIFY(expectFormatError(bad).contains("mobiquant.mode"));
            b = bytes;
            const std::string key = "mobiquant.group_size";
            const size_t g = findBytes(b, key);
            QVERIFY(g != std::string::npos);
            const uint32_t zero = 0;
            std::memcpy(&b[g + key.size() + 4], &zero, 4);
            writeAll(bad, b, b.size());
            QVERIFY(expectFormatError(bad).contains("group_size"));
        }
        // Plane tensors without the metadata.
        {
            std::vector<uint8_t> b = bytes;
            size_t at;
            while ((at = findBytes(b, "mobiquant.")) != std::string::npos)
                b[at] = 'n'; // "nobiquant.*": unknown keys, ignored
            writeAll(bad, b, b.size());
            QVERIFY(expectFormatError(bad).contains("no mobiquant metadata"));
        }
    }

    void truncatedFilesAreFormatErrors() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model src = slicedStories(SliceMode::Residual);
        QTemporaryDir tmp;
        const std::string good = tmp.filePath("good.gguf").toStdString();
        const std::string bad = tmp.filePath("bad.gguf").toStdString();
        saveGguf(src, good);
        const std::vector<uint8_t> bytes = readAll(good);
        const GgufFile f = GgufFile::open(good);
        std::vector<size_t> cuts = {0,
                                    3,
                                    4,
                                    8,
                                    16,
                                    24,
                                    100,
                                    size_t(f.dataOffset()) - 1,
                                    size_t(f.dataOffset()),
                                    bytes.size() - 1};
        for (int i = 1; i < 150; ++i)
            cuts.push_back(bytes.size() * size_t(i) / 150);
        int errors = 0;
        for (size_t n : cuts) {
            writeAll(bad, bytes, n);
            const QString e = expectFormatError(bad);
            QVERIFY2(!e.isEmpty(), qPrintable(QString("cut at %1 loaded").arg(n)));
            QVERIFY2(e.contains(QString::fromStdString(bad)), qPrintable(e));
            ++errors;
        }
        QCOMPARE(errors, int(cuts.size()));
    }

    void randomByteFlipsNeverCrash() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model src = slicedStories(SliceMode::Nested, {2, 2}, 64);
        QTemporaryDir tmp;
        const std::string good = tmp.filePath("good.gguf").toStdString();
        const std::string bad = tmp.filePath("bad.gguf").toStdString();
        saveGguf(src, good);
        const std::vector<uint8_t> bytes = readAll(good);
        const size_t head = size_t(GgufFile::open(good).dataOffset());
        uint32_t state = 12345;
        int rejected = 0;
        for (int i = 0; i < 300; ++i) {
            std::vector<uint8_t> b = bytes;
            for (int k = 0; k < 3; ++k) {
                state = state * 1664525u + 1013904223u;
                b[(state >> 8) % head] ^= static_cast<uint8_t>(1u << (state & 7));
            }
            writeAll(bad, b, b.size());
            try {
                const Model m = loadModel(bad);
                if (m.sliced) {
                    Transformer t(m, 1, 8);
                    t.forward(kTokens.data(), 2, 0);
                }
            } catch (const EngineError&) {
                ++rejected;
            }
        }
        QVERIFY(rejected > 0);
    }
};

QTEST_APPLESS_MAIN(TestSlicedGguf)
#include "tst_sliced_gguf.moc"
