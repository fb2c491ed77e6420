// A level of a sliced model written as a dense, standard GGUF
// (GgufWriteOptions::denseLevel): the file holds exactly that level's
// weights, computes what the sliced kernels compute at that level (also for
// a model whose q/k rows the writer must permute), names only the tensors
// and keys llama.cpp's llama loader reads (listed here, and those of the
// llama.cpp-written stories260K.gguf), and checkGgufPortability tells such
// files from those that need mobiscope. Bad options throw before any file
// is written.
#include "TestData.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "io/GgufFile.h"
#include "io/GgufPortability.h"
#include "io/GgufWriter.h"
#include "io/HfWriter.h"
#include "io/ModelLoader.h"
#include "model/Model.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <set>

using namespace mobi;

namespace {

Model sliced(Model m) {
    ThreadPool pool(2);
    m.sliced = std::make_shared<SlicedModel>(sliceModel(m, SliceConfig{}, nullptr, pool));
    return m;
}

Model slicedStories() {
    return sliced(loadModel(testdata::stdPath("models/stories260K/stories260K.bin")));
}

const std::vector<int> kTokens = {1, 403, 407, 261, 378, 429, 270, 300, 35, 310};

// Largest |a - b| relative to max |a|.
double relDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0, m = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, std::abs(double(a[i]) - double(b[i])));
        m = std::max(m, std::abs(double(a[i])));
    }
    return d / m;
}

std::vector<float> logits(const Model& m, int level) {
    Transformer t(m, 2, 32);
    t.setSlicedKernelMode(SlicedKernelMode::Float);
    if (level > 0) t.setLevel(level);
    return t.forward(kTokens.data(), int(kTokens.size()), 0, true);
}

// llama.cpp's LLM_ARCH_LLAMA tensors (llama-arch.cpp) that its llama loader
// (llama-model.cpp) reads: required, and optional ones.
std::set<std::string> llamaRequiredTensors(int blocks) {
    std::set<std::string> s = {"token_embd.weight", "output_norm.weight"};
    for (int l = 0; l < blocks; ++l)
        for (const char* t : {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                              "ffn_gate", "ffn_up", "ffn_down"})
            s.insert("blk." + std::to_string(l) + "." + t + ".weight");
    return s;
}
const std::set<std::string> kLlamaOptionalTensors = {"output.weight", "rope_freqs.weight"};

// llama.cpp's LLM_KV names (llama-arch.cpp) a llama GGUF may carry: general,
// hyper-parameters, tokenizer.
const std::set<std::string> kLlamaKeys = {
    "general.architecture",
    "general.name",
    "general.alignment",
    "general.file_type",
    "general.quantization_version",
    "llama.context_length",
    "llama.embedding_length",
    "llama.block_count",
    "llama.feed_forward_length",
    "llama.attention.head_count",
    "llama.attention.head_count_kv",
    "llama.attention.key_length",
    "llama.attention.value_length",
    "llama.attention.layer_norm_rms_epsilon",
    "llama.rope.dimension_count",
    "llama.rope.freq_base",
    "llama.rope.scaling.type",
    "llama.rope.scaling.factor",
    "llama.vocab_size",
    "tokenizer.ggml.model",
    "tokenizer.ggml.pre",
    "tokenizer.ggml.tokens",
    "tokenizer.ggml.scores",
    "tokenizer.ggml.token_type",
    "tokenizer.ggml.merges",
    "tokenizer.ggml.bos_token_id",
    "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.unknown_token_id",
    "tokenizer.ggml.seperator_token_id",
    "tokenizer.ggml.padding_token_id",
    "tokenizer.ggml.add_bos_token",
    "tokenizer.ggml.add_eos_token",
    "tokenizer.ggml.add_space_prefix",
};

std::set<std::string> tensorNames(const GgufFile& f) {
    std::set<std::string> s;
    for (const GgufTensorInfo& t : f.tensorInfos())
        s.insert(t.name);
    return s;
}

bool throwsEngineError(const Model& m, const std::string& path, const GgufWriteOptions& o) {
    try {
        saveGguf(m, path, o);
    } catch (const EngineError&) {
        return true;
    }
    return false;
}

} // namespace

class TestDenseExport : public QObject {
    Q_OBJECT
  private slots:
    // The file holds level k's weights bit for bit and computes what the
    // sliced kernels compute at level k (F32 to float rounding, F16 close).
    void everyLevelIsTheSlicedLevel() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model src = slicedStories();
        QTemporaryDir tmp;
        for (int k = 1; k <= src.sliced->levels(); ++k) {
            const std::string path = tmp.filePath(QString("l%1.gguf").arg(k)).toStdString();
            GgufWriteOptions o;
            o.matrixType = DType::F32;
            o.denseLevel = k;
            saveGguf(src, path, o);
            const Model m = loadModel(path);
            QVERIFY(!m.sliced && !m.routers);
            for (size_t l = 0; l < m.weights.layers.size(); ++l) {
                const LayerWeights& L = m.weights.layers[l];
                const auto S = src.sliced->layers[l].all();
                const Tensor* dense[7] = {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown};
                for (size_t i = 0; i < 7; ++i) {
                    QCOMPARE(dense[i]->dtype, DType::F32);
                    QVERIFY(dense[i]->toF32() == S[i]->dequantizeLevel(k));
                }
            }
            const double d = relDiff(logits(src, k), logits(m, 0));
            QVERIFY2(d < 1e-5, qPrintable(QString("level %1: %2").arg(k).arg(d)));

            const std::string f16 = tmp.filePath(QString("h%1.gguf").arg(k)).toStdString();
            o.matrixType = DType::F16;
            saveGguf(src, f16, o);
            const double h = relDiff(logits(src, k), logits(loadModel(f16), 0));
            QVERIFY2(h < 5e-3, qPrintable(QString("F16 level %1: %2").arg(k).arg(h)));
        }
    }

    // A model held with half-split RoPE pairs (read from a Hugging Face
    // directory) is written as a llama GGUF with interleaved pairs: the
    // writer permutes the q/k rows of the level it streams.
    void halfSplitModelIsPermutedWhileStreaming() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QTemporaryDir tmp;
        const std::string hf = tmp.filePath("hf").toStdString();
        HfWriteOptions ho;
        ho.matrixType = DType::F32;
        saveHfDirectory(loadModel(testdata::stdPath("models/stories260K/stories260K.bin")), hf, ho);
        const Model src = sliced(loadModel(hf));
        QCOMPARE(int(src.config.ropeStyle), int(RopeStyle::Half));
        const std::string path = tmp.filePath("l2.gguf").toStdString();
        GgufWriteOptions o;
        o.matrixType = DType::F32;
        o.denseLevel = 2;
        saveGguf(src, path, o);
        const Model m = loadModel(path);
        QCOMPARE(int(m.config.ropeStyle), int(RopeStyle::Interleaved));
        const double d = relDiff(logits(src, 2), logits(m, 0));
        QVERIFY2(d < 1e-5, qPrintable(QString::number(d)));
        // Not the identity: the rows did move.
        QVERIFY(m.weights.layers[0].wq.toF32() != src.sliced->layers[0].wq.dequantizeLevel(2));
    }

    void namesAndKeysAreLlamaCpps() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("l4.gguf").toStdString();
        GgufWriteOptions o;
        o.matrixType = DType::F32;
        o.denseLevel = 4;
        saveGguf(slicedStories(), path, o);
        const GgufFile f = GgufFile::open(path);
        const std::set<std::string> names = tensorNames(f);
        const std::set<std::string> required = llamaRequiredTensors(5);
        for (const std::string& n : required)
            QVERIFY2(names.count(n), n.c_str());
        for (const std::string& n : names)
            QVERIFY2(required.count(n) || kLlamaOptionalTensors.count(n), n.c_str());
        for (const std::string& k : f.keys())
            QVERIFY2(kLlamaKeys.count(k), k.c_str());

        // The same tensors, shapes and types as llama.cpp's own conversion
        // (which also writes the tied classifier as output.weight).
        const GgufFile ref =
            GgufFile::open(testdata::stdPath("models/stories260K/stories260K.gguf"));
        std::set<std::string> refNames = tensorNames(ref);
        refNames.erase("output.weight");
        QVERIFY(names == refNames);
        for (const GgufTensorInfo& t : f.tensorInfos()) {
            const GgufTensorInfo* r = ref.findTensor(t.name);
            QVERIFY(r->shape == t.shape);
            QCOMPARE(t.ggmlType, r->ggmlType);
        }
        // Every key llama.cpp wrote, but the special ids this vocabulary
        // lacks (padding, separator).
        for (const std::string& k : ref.keys())
            if (k != "tokenizer.ggml.padding_token_id" && k != "tokenizer.ggml.seperator_token_id")
                QVERIFY2(f.has(k), k.c_str());
        QVERIFY(checkGgufPortability(f).standard());
        QVERIFY(checkGgufPortability(ref).standard());
    }

    void portabilityNamesWhatNeedsMobiscope() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("s.gguf").toStdString();
        saveGguf(slicedStories(), path);
        const GgufPortability p = checkGgufPortability(GgufFile::open(path));
        QVERIFY(!p.standard());
        QCOMPARE(p.needsMobiscope, std::vector<std::string>{"MoBiSlice bit-planes"});
        QVERIFY(p.problems.empty());

        QVERIFY(isStandardTensorName("blk.4.ffn_down.weight", 5));
        QVERIFY(isStandardTensorName("blk.0.attn_q.bias", 1));
        QVERIFY(!isStandardTensorName("blk.5.ffn_down.weight", 5));
        QVERIFY(!isStandardTensorName("blk.01.ffn_down.weight", 5));
        QVERIFY(!isStandardTensorName("blk.0.attn_q.plane.0", 5));
        QVERIFY(!isStandardTensorName("blk..attn_q.weight", 5));
        QVERIFY(!isStandardTensorName("blk.0.router.fc1.weight", 5));
    }

    void badOptionsWriteNothing() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("x.gguf").toStdString();
        const Model s = slicedStories();
        Model dense = s;
        dense.sliced.reset();
        GgufWriteOptions o;
        for (int k : {-1, 5}) {
            o.denseLevel = k;
            QVERIFY(throwsEngineError(s, path, o));
        }
        o.denseLevel = 1;
        QVERIFY(throwsEngineError(dense, path, o));
        QVERIFY(!std::filesystem::exists(path));
        QVERIFY(!std::filesystem::exists(path + ".tmp"));
    }
};

QTEST_GUILESS_MAIN(TestDenseExport)
#include "tst_dense_export.moc"
