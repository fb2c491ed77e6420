#include "io/Llama2cLoader.h"

#include "core/ByteReader.h"
#include "core/Error.h"
#include "core/Half.h"
#include "core/MappedFile.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <cmath>
#include <cstring>
#include <filesystem>

namespace mobi {

namespace {

constexpr uint32_t kMagic = 0x616b3432; // "ak42" read as a little-endian uint32
constexpr size_t kVersionedHeaderBytes = 256;
// Limits far above any llama2.c model; they keep products in 64 bits and stop
// a hostile seq_len from sizing a KV cache nobody can allocate.
constexpr int64_t kMaxDim = 1 << 20;
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxVocab = 1 << 24;
constexpr int64_t kMaxSeqLen = 1 << 20;

struct Header {
    int version = 0; // 0: legacy header-only export
    int32_t dim = 0, hidden = 0, layers = 0, heads = 0, kvHeads = 0, vocab = 0, seqLen = 0;
    bool shared = true;
    int32_t groupSize = 0; // v2
};

// Byte counter that fails instead of wrapping.
class Size {
  public:
    explicit Size(const std::string& path) : path_(path) {}
    void add(uint64_t elems, uint64_t elemBytes) {
        uint64_t b = 0;
        if (__builtin_mul_overflow(elems, elemBytes, &b) ||
            __builtin_add_overflow(total_, b, &total_))
            throw FormatError(path_, "header sizes overflow 64 bits");
    }
    uint64_t total() const { return total_; }

  private:
    const std::string& path_;
    uint64_t total_ = 0;
};

void checkConfig(const std::string& path, const Header& h) {
    auto range = [&](const char* name, int64_t v, int64_t max) {
        if (v <= 0 || v > max)
            throw FormatError(path, std::string(name) + " " + std::to_string(v) +
                                        " is out of range (1.." + std::to_string(max) + ")");
    };
    range("dim", h.dim, kMaxDim);
    range("hidden_dim", h.hidden, kMaxDim);
    range("n_layers", h.layers, kMaxLayers);
    range("n_heads", h.heads, kMaxDim);
    range("n_kv_heads", h.kvHeads, kMaxDim);
    range("vocab_size", h.vocab, kMaxVocab);
    range("seq_len", h.seqLen, kMaxSeqLen);
    if (h.dim % h.heads != 0)
        throw FormatError(path, "n_heads " + std::to_string(h.heads) + " does not divide dim " +
                                    std::to_string(h.dim));
    if (h.kvHeads > h.heads || h.heads % h.kvHeads != 0)
        throw FormatError(path, "n_kv_heads " + std::to_string(h.kvHeads) +
                                    " does not divide n_heads " + std::to_string(h.heads));
    if ((h.dim / h.heads) % 2 != 0)
        throw FormatError(path, "head size " + std::to_string(h.dim / h.heads) +
                                    " is odd; RoPE needs pairs");
}

// Element counts of every weight kind, in 64 bits (checkConfig bounds them).
struct Shapes {
    int64_t dim, hidden, layers, vocab, kvDim, headSize;
    explicit Shapes(const Header& h)
        : dim(h.dim), hidden(h.hidden), layers(h.layers), vocab(h.vocab),
          kvDim(int64_t(h.dim) / h.heads * h.kvHeads), headSize(int64_t(h.dim) / h.heads) {}
};

std::string num(uint64_t v) {
    return std::to_string(v);
}

[[noreturn]] void sizeMismatch(const std::string& path, const char* what, uint64_t expected,
                               uint64_t actual) {
    throw FormatError(path, std::string("file size ") + num(actual) + " bytes does not match the " +
                                what + ": expected " + num(expected) + " bytes");
}

// Hands out consecutive F32 tensors viewing the mapping.
class F32Cursor {
  public:
    F32Cursor(std::shared_ptr<MappedFile> file, size_t offset)
        : file_(std::move(file)), off_(offset) {}
    Tensor take(std::string name, std::vector<int64_t> shape) {
        Tensor t;
        t.name = std::move(name);
        t.dtype = DType::F32;
        t.shape = std::move(shape);
        t.nbytes = static_cast<uint64_t>(t.numel()) * 4;
        // Sizes were checked against the file before any tensor is made.
        if (t.nbytes > file_->size() - off_)
            throw FormatError(file_->path(), "tensor " + t.name + " runs past the end of the file");
        t.data = file_->data() + off_;
        t.owner = std::shared_ptr<const void>(file_, file_->data());
        off_ += t.nbytes;
        return t;
    }
    void skip(uint64_t bytes) { off_ += bytes; }
    size_t offset() const { return off_; }

  private:
    std::shared_ptr<MappedFile> file_;
    size_t off_;
};

std::string layerName(int i, const char* what) {
    return "layers." + std::to_string(i) + "." + what + ".weight";
}

Header readHeader(const MappedFile& f) {
    ByteReader r(f.data(), f.size(), f.path());
    Header h;
    if (f.size() >= 4 && r.read<uint32_t>() == kMagic) {
        if (f.size() < kVersionedHeaderBytes)
            r.fail("truncated: an ak42 file needs a 256-byte header, the file has " +
                   num(f.size()) + " bytes");
        h.version = r.read<int32_t>("version");
        if (h.version != 1 && h.version != 2)
            throw UnsupportedError(f.path(), "ak42 export version " + std::to_string(h.version) +
                                                 " is not supported (only 1 and 2)");
    } else {
        r.seek(0);
        if (f.size() < 28)
            r.fail("too small for a llama2.c checkpoint: " + num(f.size()) +
                   " bytes, the header alone needs 28");
    }
    h.dim = r.read<int32_t>();
    h.hidden = r.read<int32_t>();
    h.layers = r.read<int32_t>();
    h.heads = r.read<int32_t>();
    h.kvHeads = r.read<int32_t>();
    h.vocab = r.read<int32_t>();
    h.seqLen = r.read<int32_t>();
    if (h.version == 0) {
        // The legacy export flags an untied classifier by a negative vocab_size.
        h.shared = h.vocab > 0;
        if (h.vocab < 0) {
            if (h.vocab == INT32_MIN) r.fail("vocab_size is INT32_MIN");
            h.vocab = -h.vocab;
        }
    } else {
        const uint8_t shared = r.read<uint8_t>("shared_classifier");
        if (shared > 1)
            r.fail("shared_classifier flag is " + std::to_string(shared) + ", expected 0 or 1");
        h.shared = shared == 1;
        // export.py packs group_size right after the flag byte, unaligned.
        if (h.version == 2) h.groupSize = r.read<int32_t>("group_size");
    }
    return h;
}

// v2 quantized tensor: numel int8 values then numel / group fp32 scales.
struct QuantSpan {
    const uint8_t* q;
    const uint8_t* s;
};

Tensor quantizedTensor(std::string name, std::vector<int64_t> shape, QuantSpan span, int32_t group,
                       bool& asQ8) {
    Tensor t;
    t.name = std::move(name);
    t.shape = std::move(shape);
    const int64_t n = t.numel();
    const int64_t cols = t.shape.back();
    const int8_t* q = reinterpret_cast<const int8_t*>(span.q);
    auto scale = [&](int64_t g) {
        float s;
        std::memcpy(&s, span.s + g * 4, 4); // scales follow arbitrary-length int8 runs: unaligned
        return s;
    };
    asQ8 = group == 32 && cols % 32 == 0;
    if (asQ8) {
        // Q8_0 blocks are fp16 scale + 32 int8, row-aligned. export.py's
        // scales are fp32, so repacking rounds each scale to fp16 (relative
        // error <= 2^-11, plus flush of scales below 6e-8 to subnormals/zero);
        // the int8 values are kept exactly.
        std::vector<uint8_t> bytes(static_cast<size_t>(n / 32) * 34);
        for (int64_t b = 0; b < n / 32; ++b) {
            const uint16_t d = f32ToF16(scale(b));
            std::memcpy(&bytes[b * 34], &d, 2);
            std::memcpy(&bytes[b * 34 + 2], q + b * 32, 32);
        }
        return Tensor::fromBytes(t.name, DType::Q8_0, t.shape, std::move(bytes));
    }
    // Other group sizes (or rows that are not whole 32-blocks) have no block
    // type of ours: dequantize to F32 exactly as runq.c does (q * scale).
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        v[i] = static_cast<float>(q[i]) * scale(i / group);
    return Tensor::fromF32(t.name, t.shape, std::move(v));
}

std::shared_ptr<Tokenizer> findTokenizer(const std::string& path, const LoadOptions& options,
                                         int vocab, std::string& used) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::string tp = options.tokenizerPath;
    if (tp.empty()) {
        const fs::path dir = fs::path(path).parent_path();
        for (const std::string& name :
             {std::string("tokenizer.bin"), "tok" + std::to_string(vocab) + ".bin"}) {
            const fs::path cand = dir.empty() ? fs::path(name) : dir / name;
            if (fs::is_regular_file(cand, ec)) {
                tp = cand.string();
                break;
            }
        }
        if (tp.empty()) return nullptr;
    }
    used = tp;
    return SentencePieceTokenizer::loadLlama2cFile(tp, vocab);
}

} // namespace

Model loadLlama2c(const std::string& path, const LoadOptions& options) {
    auto file = MappedFile::open(path);
    const Header h = readHeader(*file);
    checkConfig(path, h);
    const Shapes s(h);
    const uint64_t fileSize = file->size();
    const int L = h.layers;

    Model m;
    m.path = path;
    m.format = "llama2c";
    ModelConfig& c = m.config;
    c.arch = "llama";
    c.dim = h.dim;
    c.hiddenDim = h.hidden;
    c.nLayers = h.layers;
    c.nHeads = h.heads;
    c.nKvHeads = h.kvHeads;
    c.headDim = h.dim / h.heads;
    c.vocabSize = h.vocab;
    c.seqLen = h.seqLen;
    c.rmsEps = 1e-5f;
    c.ropeTheta = 10000.0f;
    c.ropeStyle = RopeStyle::Interleaved;
    c.tiedEmbeddings = h.shared;
    m.metadata["llama2c.version"] = h.version == 0 ? "0 (legacy)" : std::to_string(h.version);
    m.metadata["llama2c.shared_classifier"] = h.shared ? "true" : "false";

    const std::vector<int64_t> dShape{s.dim}, embShape{s.vocab, s.dim}, qShape{s.dim, s.dim},
        kvShape{s.kvDim, s.dim}, upShape{s.hidden, s.dim}, downShape{s.dim, s.hidden};
    ModelWeights& w = m.weights;
    w.layers.resize(L);

    if (h.version == 0 || h.version == 1) {
        Size need(path);
        need.add(h.version == 0 ? 28 : kVersionedHeaderBytes, 1);
        need.add(s.vocab * s.dim, 4);                 // token embedding
        need.add(2 * s.layers * s.dim, 4);            // rms_att, rms_ffn
        need.add(2 * s.layers * s.dim * s.dim, 4);    // wq, wo
        need.add(2 * s.layers * s.kvDim * s.dim, 4);  // wk, wv
        need.add(3 * s.layers * s.hidden * s.dim, 4); // w1, w2, w3
        need.add(s.dim, 4);                           // rms_final
        const uint64_t ropeBytes =
            h.version == 0 ? uint64_t(h.seqLen) * uint64_t(s.headSize) * 4 : 0;
        need.add(ropeBytes, 1); // freq_cis_real + freq_cis_imag: seq_len * head_size / 2 each
        if (!h.shared) need.add(s.vocab * s.dim, 4);
        if (need.total() != fileSize)
            sizeMismatch(path,
                         h.version == 0 ? "legacy llama2.c header (weights + RoPE table)"
                                        : "ak42 v1 header",
                         need.total(), fileSize);

        F32Cursor cur(file, h.version == 0 ? 28 : kVersionedHeaderBytes);
        auto perLayer = [&](Tensor LayerWeights::*field, const char* name,
                            const std::vector<int64_t>& shape) {
            for (int i = 0; i < L; ++i)
                w.layers[i].*field = cur.take(layerName(i, name), shape);
        };
        if (h.version == 0) {
            // run.c order: embedding, then each kind for all layers.
            w.tokEmbeddings = cur.take("tok_embeddings.weight", embShape);
            perLayer(&LayerWeights::attnNorm, "attention_norm", dShape);
            perLayer(&LayerWeights::wq, "attention.wq", qShape);
            perLayer(&LayerWeights::wk, "attention.wk", kvShape);
            perLayer(&LayerWeights::wv, "attention.wv", kvShape);
            perLayer(&LayerWeights::wo, "attention.wo", qShape);
            perLayer(&LayerWeights::ffnNorm, "ffn_norm", dShape);
            perLayer(&LayerWeights::wGate, "feed_forward.w1", upShape);
            perLayer(&LayerWeights::wDown, "feed_forward.w2", downShape);
            perLayer(&LayerWeights::wUp, "feed_forward.w3", upShape);
            w.finalNorm = cur.take("norm.weight", dShape);
            cur.skip(ropeBytes); // recomputed by the forward pass
        } else {
            // export.py version1_export order: norms first, then the matrices.
            perLayer(&LayerWeights::attnNorm, "attention_norm", dShape);
            perLayer(&LayerWeights::ffnNorm, "ffn_norm", dShape);
            w.finalNorm = cur.take("norm.weight", dShape);
            w.tokEmbeddings = cur.take("tok_embeddings.weight", embShape);
            perLayer(&LayerWeights::wq, "attention.wq", qShape);
            perLayer(&LayerWeights::wk, "attention.wk", kvShape);
            perLayer(&LayerWeights::wv, "attention.wv", kvShape);
            perLayer(&LayerWeights::wo, "attention.wo", qShape);
            perLayer(&LayerWeights::wGate, "feed_forward.w1", upShape);
            perLayer(&LayerWeights::wDown, "feed_forward.w2", downShape);
            perLayer(&LayerWeights::wUp, "feed_forward.w3", upShape);
        }
        if (!h.shared) w.output = cur.take("output.weight", embShape);
        m.metadata["llama2c.rope_table"] = h.version == 0 ? "present (skipped)" : "none";
    } else {
        // v2: fp32 norms, then every matrix as int8 values + fp32 group scales.
        const int32_t g = h.groupSize;
        if (g <= 0 || g > (1 << 20))
            throw FormatError(path, "group_size " + std::to_string(g) + " is out of range");
        struct QSpec {
            Tensor* dst;
            std::string name;
            std::vector<int64_t> shape;
        };
        std::vector<QSpec> qs;
        qs.push_back({&w.tokEmbeddings, "tok_embeddings.weight", embShape});
        auto perLayer = [&](Tensor LayerWeights::*field, const char* name,
                            const std::vector<int64_t>& shape) {
            for (int i = 0; i < L; ++i)
                qs.push_back({&(w.layers[i].*field), layerName(i, name), shape});
        };
        perLayer(&LayerWeights::wq, "attention.wq", qShape);
        perLayer(&LayerWeights::wk, "attention.wk", kvShape);
        perLayer(&LayerWeights::wv, "attention.wv", kvShape);
        perLayer(&LayerWeights::wo, "attention.wo", qShape);
        perLayer(&LayerWeights::wGate, "feed_forward.w1", upShape);
        perLayer(&LayerWeights::wDown, "feed_forward.w2", downShape);
        perLayer(&LayerWeights::wUp, "feed_forward.w3", upShape);
        if (!h.shared) qs.push_back({&w.output, "output.weight", embShape});

        Size need(path);
        need.add(kVersionedHeaderBytes, 1);
        need.add(2 * s.layers * s.dim + s.dim, 4);
        for (const QSpec& q : qs) {
            const int64_t n = q.shape[0] * q.shape[1];
            if (n % g != 0)
                throw FormatError(path, "tensor " + q.name + " has " + num(n) +
                                            " elements, not a multiple of group_size " +
                                            std::to_string(g));
            need.add(n, 1);
            need.add(n / g, 4);
        }
        if (need.total() != fileSize)
            sizeMismatch(path, "ak42 v2 header (int8 weights + fp32 group scales)", need.total(),
                         fileSize);

        F32Cursor cur(file, kVersionedHeaderBytes);
        for (int i = 0; i < L; ++i)
            w.layers[i].attnNorm = cur.take(layerName(i, "attention_norm"), dShape);
        for (int i = 0; i < L; ++i)
            w.layers[i].ffnNorm = cur.take(layerName(i, "ffn_norm"), dShape);
        w.finalNorm = cur.take("norm.weight", dShape);
        size_t off = cur.offset();
        int nQ8 = 0, nF32 = 0;
        for (const QSpec& q : qs) {
            const uint64_t n = static_cast<uint64_t>(q.shape[0] * q.shape[1]);
            const QuantSpan span{file->data() + off, file->data() + off + n};
            bool asQ8 = false;
            *q.dst = quantizedTensor(q.name, q.shape, span, g, asQ8);
            (asQ8 ? nQ8 : nF32)++;
            off += n + n / g * 4;
        }
        m.metadata["llama2c.group_size"] = std::to_string(g);
        m.metadata["llama2c.q8_0_tensors"] = std::to_string(nQ8);
        m.metadata["llama2c.dequantized_f32_tensors"] = std::to_string(nF32);
        if (nF32 > 0)
            m.metadata["llama2c.note"] =
                "int8 groups that are not row-aligned 32-blocks were dequantized to F32";
        m.metadata["llama2c.rope_table"] = "none";
    }

    std::string used;
    m.tokenizer = findTokenizer(path, options, h.vocab, used);
    if (m.tokenizer) m.metadata["tokenizer.path"] = used;
    m.validate();
    return m;
}

} // namespace mobi
