#include "io/GgufWriter.h"

#include "core/Error.h"
#include "core/Half.h"
#include "io/GgufFile.h"
#include "io/RopePermute.h"
#include "io/RoutedGguf.h"
#include "io/SlicedGguf.h"
#include "quant/SlicedModel.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unordered_map>

namespace mobi {

namespace {

// Serialised GGUF metadata: key/values appended in order.
class MetadataBuilder {
  public:
    uint64_t count() const { return count_; }
    const std::string& bytes() const { return out_; }

    void putString(const std::string& key, const std::string& v) {
        header(key, GgufType::String);
        str(v);
    }
    void putU32(const std::string& key, uint32_t v) {
        header(key, GgufType::U32);
        pod(v);
    }
    void putF32(const std::string& key, float v) {
        header(key, GgufType::F32);
        pod(v);
    }
    void putBool(const std::string& key, bool v) {
        header(key, GgufType::Bool);
        pod(static_cast<uint8_t>(v ? 1 : 0));
    }
    void putStringArray(const std::string& key, const std::vector<std::string>& v) {
        arrayHeader(key, GgufType::String, v.size());
        for (const std::string& s : v)
            str(s);
    }
    void putF32Array(const std::string& key, const std::vector<float>& v) {
        arrayHeader(key, GgufType::F32, v.size());
        for (float x : v)
            pod(x);
    }
    void putI32Array(const std::string& key, const std::vector<int>& v) {
        arrayHeader(key, GgufType::I32, v.size());
        for (int x : v)
            pod(static_cast<int32_t>(x));
    }

    template <typename T> void pod(T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        out_.append(b, sizeof(T));
    }
    void str(const std::string& s) {
        pod(static_cast<uint64_t>(s.size()));
        out_ += s;
    }

  private:
    void header(const std::string& key, GgufType t) {
        str(key);
        pod(static_cast<uint32_t>(t));
        ++count_;
    }
    void arrayHeader(const std::string& key, GgufType elem, size_t n) {
        header(key, GgufType::Array);
        pod(static_cast<uint32_t>(elem));
        pod(static_cast<uint64_t>(n));
    }

    std::string out_;
    uint64_t count_ = 0;
};

// Pieces of a run.c tokenizer.bin spell spaces as ' ' and wrap BOS/EOS in
// newlines; llama.cpp's convert-llama2c-to-ggml writes them as GGUF expects.
std::string llama2cPieceToGguf(const std::string& p) {
    if (p == "\n<s>\n") return "<s>";
    if (p == "\n</s>\n") return "</s>";
    std::string out;
    for (char ch : p) {
        if (ch == ' ')
            out += "\xE2\x96\x81"; // U+2581
        else
            out += ch;
    }
    return out;
}

bool isBytePiece(const std::string& p) {
    return p.size() == 6 && p.compare(0, 3, "<0x") == 0 && p[5] == '>' &&
           std::isxdigit(static_cast<unsigned char>(p[3])) &&
           std::isxdigit(static_cast<unsigned char>(p[4]));
}

int inferTokenType(const std::string& p, int id, int bos, int eos) {
    if (isBytePiece(p)) return static_cast<int>(TokenType::Byte);
    if (p == "<unk>") return static_cast<int>(TokenType::Unknown);
    if (p == "<s>" || p == "</s>" || id == bos || id == eos)
        return static_cast<int>(TokenType::Control);
    return static_cast<int>(TokenType::Normal);
}

void putSpecialIds(MetadataBuilder& md, const Tokenizer& tok,
                   const std::vector<std::string>& pieces) {
    if (tok.bos() >= 0) md.putU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(tok.bos()));
    if (tok.eos() >= 0) md.putU32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(tok.eos()));
    for (size_t i = 0; i < pieces.size(); ++i)
        if (pieces[i] == "<unk>") {
            md.putU32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(i));
            break;
        }
}

void putSpm(MetadataBuilder& md, const SentencePieceTokenizer& tok) {
    const SpmVocab& v = tok.vocab();
    const bool llama2c = tok.flavor() == SentencePieceTokenizer::Flavor::Llama2c;
    std::vector<std::string> pieces;
    pieces.reserve(v.pieces.size());
    for (const std::string& p : v.pieces)
        pieces.push_back(llama2c ? llama2cPieceToGguf(p) : p);
    std::vector<float> scores = v.scores;
    scores.resize(pieces.size(), 0.0f);
    std::vector<int> types = v.types;
    if (types.size() != pieces.size()) {
        types.resize(pieces.size());
        for (size_t i = 0; i < pieces.size(); ++i)
            types[i] = inferTokenType(pieces[i], static_cast<int>(i), tok.bos(), tok.eos());
    }
    md.putString("tokenizer.ggml.model", "llama");
    md.putStringArray("tokenizer.ggml.tokens", pieces);
    md.putF32Array("tokenizer.ggml.scores", scores);
    md.putI32Array("tokenizer.ggml.token_type", types);
    putSpecialIds(md, tok, pieces);
    md.putBool("tokenizer.ggml.add_space_prefix", tok.addSpacePrefix());
}

// Llama-2's tokenizer.json is SentencePiece BPE written as merges; GGUF keeps
// such vocabularies as `llama` with scores. SentencePiece merges the pair whose
// result scores highest, so a piece scores minus the rank of the first merge
// that produces it.
void putSpmCompatibleBpe(MetadataBuilder& md, const BpeTokenizer& tok) {
    const BpeVocab& v = tok.vocab();
    std::unordered_map<std::string, size_t> firstRank;
    for (size_t r = 0; r < v.merges.size(); ++r) {
        const std::string& m = v.merges[r];
        const size_t sp = m.find(' ', 1);
        if (sp == std::string::npos) continue;
        firstRank.emplace(m.substr(0, sp) + m.substr(sp + 1), r);
    }
    std::vector<float> scores(v.tokens.size(), 0.0f);
    std::vector<int> types = v.types;
    const bool inferTypes = types.size() != v.tokens.size();
    types.resize(v.tokens.size());
    for (size_t i = 0; i < v.tokens.size(); ++i) {
        auto it = firstRank.find(v.tokens[i]);
        if (it != firstRank.end()) scores[i] = -static_cast<float>(it->second);
        if (inferTypes)
            types[i] = inferTokenType(v.tokens[i], static_cast<int>(i), tok.bos(), tok.eos());
    }
    md.putString("tokenizer.ggml.model", "llama");
    md.putStringArray("tokenizer.ggml.tokens", v.tokens);
    md.putF32Array("tokenizer.ggml.scores", scores);
    md.putI32Array("tokenizer.ggml.token_type", types);
    putSpecialIds(md, tok, v.tokens);
    md.putBool("tokenizer.ggml.add_space_prefix", true);
}

void putByteLevelBpe(MetadataBuilder& md, const BpeTokenizer& tok) {
    const BpeVocab& v = tok.vocab();
    std::vector<int> types = v.types;
    if (types.size() != v.tokens.size()) {
        types.assign(v.tokens.size(), static_cast<int>(TokenType::Normal));
        for (int id : {tok.bos(), tok.eos()})
            if (id >= 0 && static_cast<size_t>(id) < types.size())
                types[static_cast<size_t>(id)] = static_cast<int>(TokenType::Control);
    }
    md.putString("tokenizer.ggml.model", "gpt2");
    md.putString("tokenizer.ggml.pre", BpeTokenizer::preTokenizerName(tok.preTokenizer()));
    md.putStringArray("tokenizer.ggml.tokens", v.tokens);
    md.putStringArray("tokenizer.ggml.merges", v.merges);
    md.putI32Array("tokenizer.ggml.token_type", types);
    if (tok.bos() >= 0) md.putU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(tok.bos()));
    if (tok.eos() >= 0) md.putU32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(tok.eos()));
    md.putBool("tokenizer.ggml.add_bos_token", tok.addsBos());
}

struct PlannedTensor {
    std::string name;
    Tensor src; // a view of the model's tensor, or an owned permuted copy
    DType type = DType::F32;
    uint64_t offset = 0;
    uint64_t nbytes = 0;
};

uint32_t fileType(DType t) {
    switch (t) {
    case DType::F32:
        return 0; // LLAMA_FTYPE_ALL_F32
    case DType::F16:
        return 1; // LLAMA_FTYPE_MOSTLY_F16
    case DType::Q8_0:
        return 7; // LLAMA_FTYPE_MOSTLY_Q8_0
    case DType::BF16:
        return 32; // LLAMA_FTYPE_MOSTLY_BF16
    default:
        return 0;
    }
}

// llama.cpp's quantize_row_q8_0_ref: per block of 32, d = max|x| / 127.
void quantizeQ8_0(const float* x, int64_t n, uint8_t* out) {
    for (int64_t b = 0; b < n / 32; ++b) {
        const float* xb = x + b * 32;
        float amax = 0;
        for (int i = 0; i < 32; ++i)
            amax = std::max(amax, std::fabs(xb[i]));
        const float d = amax / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        const uint16_t d16 = f32ToF16(d);
        std::memcpy(out + b * 34, &d16, 2);
        for (int i = 0; i < 32; ++i)
            out[b * 34 + 2 + i] =
                static_cast<uint8_t>(static_cast<int8_t>(std::lround(xb[i] * id)));
    }
}

class FileOut {
  public:
    FileOut(const std::string& tmp, const std::string& path) : tmp_(tmp), path_(path) {
        f_ = std::fopen(tmp.c_str(), "wb");
        if (!f_) throw EngineError(path, std::string("cannot create: ") + std::strerror(errno));
        std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
    }
    ~FileOut() {
        if (f_) {
            std::fclose(f_);
            std::remove(tmp_.c_str());
        }
    }
    void write(const void* p, size_t n) {
        if (n && std::fwrite(p, 1, n, f_) != n)
            throw EngineError(path_, std::string("write failed: ") + std::strerror(errno));
        pos_ += n;
    }
    void padTo(uint64_t alignment) {
        static const uint8_t zeros[256] = {};
        uint64_t pad = (alignment - pos_ % alignment) % alignment;
        while (pad) {
            const size_t k = static_cast<size_t>(std::min<uint64_t>(pad, sizeof zeros));
            write(zeros, k);
            pad -= k;
        }
    }
    // Flushes, closes and renames into place; afterwards nothing is removed.
    void commit() {
        FILE* f = f_;
        f_ = nullptr;
        const bool ok = std::fflush(f) == 0 && !std::ferror(f);
        const int e = errno;
        if (std::fclose(f) != 0 || !ok) {
            std::remove(tmp_.c_str());
            throw EngineError(path_, std::string("write failed: ") + std::strerror(ok ? errno : e));
        }
        std::error_code ec;
        std::filesystem::rename(tmp_, path_, ec);
        if (ec) {
            std::remove(tmp_.c_str());
            throw EngineError(path_,
                              "cannot rename the temporary file into place: " + ec.message());
        }
    }
    uint64_t pos() const { return pos_; }

  private:
    FILE* f_ = nullptr;
    std::string tmp_, path_;
    uint64_t pos_ = 0;
};

void writeTensorData(FileOut& out, const PlannedTensor& t, const std::string& path) {
    const Tensor& s = t.src;
    if (s.dtype == t.type) {
        out.write(s.data, static_cast<size_t>(s.nbytes));
        return;
    }
    const int64_t rows = s.rows(), cols = s.cols();
    std::vector<float> row(static_cast<size_t>(cols));
    std::vector<uint8_t> buf(static_cast<size_t>(dtypeBytes(t.type, static_cast<uint64_t>(cols))));
    for (int64_t r = 0; r < rows; ++r) {
        s.rowToF32(r, row.data());
        switch (t.type) {
        case DType::F32:
            std::memcpy(buf.data(), row.data(), buf.size());
            break;
        case DType::F16:
            for (int64_t i = 0; i < cols; ++i) {
                const uint16_t h = f32ToF16(row[static_cast<size_t>(i)]);
                std::memcpy(buf.data() + 2 * i, &h, 2);
            }
            break;
        case DType::BF16:
            for (int64_t i = 0; i < cols; ++i) {
                const uint16_t h = f32ToBf16(row[static_cast<size_t>(i)]);
                std::memcpy(buf.data() + 2 * i, &h, 2);
            }
            break;
        case DType::Q8_0:
            quantizeQ8_0(row.data(), cols, buf.data());
            break;
        default:
            throw UnsupportedError(path, std::string("cannot write tensor ") + t.name + " as " +
                                             dtypeName(t.type));
        }
        out.write(buf.data(), buf.size());
    }
}

} // namespace

void saveGguf(const Model& model, const std::string& path, const GgufWriteOptions& options) {
    const ModelConfig& c = model.config;
    if (c.arch != "llama" && c.arch != "qwen2" && c.arch != "qwen3")
        throw UnsupportedError(path, "cannot write architecture '" + c.arch +
                                         "' (supported: llama, qwen2, qwen3)");
    const uint32_t align = options.alignment;
    if (align == 0 || (align & (align - 1)) != 0 || align > (1u << 30))
        throw EngineError(path,
                          "GGUF alignment " + std::to_string(align) + " is not a power of two");
    const DType mt = options.matrixType;
    if (mt != DType::F32 && mt != DType::F16 && mt != DType::BF16 && mt != DType::Q8_0)
        throw UnsupportedError(path, std::string("cannot write matrices as ") + dtypeName(mt) +
                                         " (supported: F32, F16, BF16, Q8_0)");

    // --- tensors, in llama.cpp's order
    const RopeStyle fileStyle = c.arch == "llama" ? RopeStyle::Interleaved : RopeStyle::Half;
    const bool permute = c.ropeStyle != fileStyle;
    auto relayout = [&](const Tensor& t, int heads) {
        if (!permute || t.empty()) return t;
        return fileStyle == RopeStyle::Interleaved ? ropeHalfToInterleaved(t, heads)
                                                   : ropeInterleavedToHalf(t, heads);
    };
    std::vector<PlannedTensor> plan;
    auto add = [&](const std::string& name, const Tensor& t) {
        if (t.empty()) return;
        uint64_t need = 0;
        if (t.shape.empty() || t.shape.size() > 4 ||
            !dtypeBytesChecked(t.dtype, static_cast<uint64_t>(t.numel()), need) || need != t.nbytes)
            throw EngineError(path, "tensor " + name + " (" + t.name + ", shape " +
                                        t.shapeString() + ") is inconsistent with its dtype " +
                                        dtypeName(t.dtype));
        PlannedTensor p;
        p.name = name;
        p.src = t;
        p.type = t.shape.size() >= 2 ? mt : DType::F32;
        if (p.type == DType::Q8_0 && t.cols() % 32 != 0) p.type = DType::F16;
        if (!dtypeBytesChecked(p.type, static_cast<uint64_t>(t.numel()), p.nbytes))
            throw EngineError(path, "tensor " + name + " is too large");
        plan.push_back(std::move(p));
    };
    const ModelWeights& w = model.weights;
    // A sliced model stores its block linears as bit-planes (I32 words) and
    // fp16 scale/min arrays instead of dense matrices.
    const SlicedModel* sm = model.sliced.get();
    if (sm && sm->layers.size() != w.layers.size())
        throw EngineError(path, "sliced model has " + std::to_string(sm->layers.size()) +
                                    " blocks, the model " + std::to_string(w.layers.size()));
    auto addRaw = [&](const std::string& name, Tensor t) {
        PlannedTensor p;
        p.name = name;
        p.type = t.dtype;
        p.nbytes = t.nbytes;
        p.src = std::move(t);
        plan.push_back(std::move(p));
    };
    auto addSliced = [&](const std::string& base, const SlicedMatrix& m, int heads) {
        std::shared_ptr<const void> keep = model.sliced;
        auto view = [&](const std::string& name, DType dt, int64_t cols, const void* data,
                        uint64_t nbytes) {
            Tensor t;
            t.name = name;
            t.dtype = dt;
            t.shape = {m.rows(), cols};
            t.data = data;
            t.nbytes = nbytes;
            t.owner = keep;
            return heads > 0 ? relayout(t, heads) : t;
        };
        for (int p = 0; p < m.planes(); ++p) {
            // Memory holds the kernels' tiled order; the file the row-major one.
            auto file = std::make_shared<const std::vector<uint64_t>>(m.filePlane(p));
            const std::shared_ptr<const void> sliced = keep;
            keep = file;
            addRaw(slicedPlaneName(base, p),
                   view(slicedPlaneName(base, p), DType::I32, 2 * m.wordsPerRow(), file->data(),
                        m.planeBytes()));
            keep = sliced;
        }
        for (int sl = 0; sl < m.scaledSlices(); ++sl) {
            addRaw(slicedScaleName(base, sl), view(slicedScaleName(base, sl), DType::F16,
                                                   m.groupsPerRow(), m.scales(sl), m.scaleBytes()));
            addRaw(slicedMinName(base, sl), view(slicedMinName(base, sl), DType::F16,
                                                 m.groupsPerRow(), m.mins(sl), m.scaleBytes()));
        }
    };
    add("token_embd.weight", w.tokEmbeddings);
    add("output_norm.weight", w.finalNorm);
    if (!c.tiedEmbeddings) add("output.weight", w.output);
    for (size_t l = 0; l < w.layers.size(); ++l) {
        const LayerWeights& L = w.layers[l];
        const std::string b = "blk." + std::to_string(l) + ".";
        add(b + "attn_norm.weight", L.attnNorm);
        if (sm) {
            const SlicedLayer& S = sm->layers[l];
            addSliced(b + "attn_q", S.wq, c.nHeads);
            addSliced(b + "attn_k", S.wk, c.nKvHeads);
            addSliced(b + "attn_v", S.wv, 0);
            addSliced(b + "attn_output", S.wo, 0);
        } else {
            add(b + "attn_q.weight", relayout(L.wq, c.nHeads));
            add(b + "attn_k.weight", relayout(L.wk, c.nKvHeads));
            add(b + "attn_v.weight", L.wv);
            add(b + "attn_output.weight", L.wo);
        }
        add(b + "attn_q.bias", relayout(L.bq, c.nHeads));
        add(b + "attn_k.bias", relayout(L.bk, c.nKvHeads));
        add(b + "attn_v.bias", L.bv);
        add(b + "attn_q_norm.weight", relayout(L.qNorm, 1));
        add(b + "attn_k_norm.weight", relayout(L.kNorm, 1));
        add(b + "ffn_norm.weight", L.ffnNorm);
        if (sm) {
            const SlicedLayer& S = sm->layers[l];
            addSliced(b + "ffn_gate", S.wGate, 0);
            addSliced(b + "ffn_up", S.wUp, 0);
            addSliced(b + "ffn_down", S.wDown, 0);
        } else {
            add(b + "ffn_gate.weight", L.wGate);
            add(b + "ffn_up.weight", L.wUp);
            add(b + "ffn_down.weight", L.wDown);
        }
    }
    if (model.routers) {
        if (!sm) throw EngineError(path, "routers need a sliced model");
        model.routers->validate(c, sm->config, path);
        for (Tensor& t : routerTensors(*model.routers)) {
            const std::string name = t.name;
            addRaw(name, std::move(t));
        }
    }
    uint64_t offset = 0;
    for (PlannedTensor& p : plan) {
        p.offset = offset;
        offset += (p.nbytes + align - 1) / align * align;
    }

    // --- metadata
    MetadataBuilder md;
    const std::string& a = c.arch;
    md.putString("general.architecture", a);
    auto nameIt = model.metadata.find("general.name");
    md.putString("general.name", nameIt != model.metadata.end()
                                     ? nameIt->second
                                     : std::filesystem::path(model.path).stem().string());
    for (const auto& [key, value] : options.extraStrings) {
        for (const std::string& prefix :
             {std::string("general."), std::string("tokenizer."), a + ".",
              std::string("mobiquant."), std::string("mobiroute.")})
            if (key.rfind(prefix, 0) == 0 || key.empty())
                throw EngineError(path, "metadata key '" + key + "' is reserved (the writer sets " +
                                            prefix + "*)");
        md.putString(key, value);
    }
    md.putU32("general.alignment", align);
    md.putU32("general.file_type", fileType(mt));
    // A context length is required by readers; 2048 when the source had none.
    md.putU32(a + ".context_length", static_cast<uint32_t>(c.seqLen > 0 ? c.seqLen : 2048));
    md.putU32(a + ".embedding_length", static_cast<uint32_t>(c.dim));
    md.putU32(a + ".block_count", static_cast<uint32_t>(c.nLayers));
    md.putU32(a + ".feed_forward_length", static_cast<uint32_t>(c.hiddenDim));
    md.putU32(a + ".attention.head_count", static_cast<uint32_t>(c.nHeads));
    md.putU32(a + ".attention.head_count_kv", static_cast<uint32_t>(c.nKvHeads));
    md.putU32(a + ".attention.key_length", static_cast<uint32_t>(c.headDim));
    md.putU32(a + ".attention.value_length", static_cast<uint32_t>(c.headDim));
    md.putU32(a + ".rope.dimension_count", static_cast<uint32_t>(c.headDim));
    md.putF32(a + ".attention.layer_norm_rms_epsilon", c.rmsEps);
    md.putF32(a + ".rope.freq_base", c.ropeTheta);
    if (c.ropeScale != 1.0f) {
        md.putString(a + ".rope.scaling.type", "linear");
        md.putF32(a + ".rope.scaling.factor", c.ropeScale);
    }
    if (sm) {
        md.putU32("mobiquant.version", kMobiquantVersion);
        md.putI32Array("mobiquant.slice_bits", sm->config.sliceBits);
        md.putU32("mobiquant.group_size", static_cast<uint32_t>(sm->config.groupSize));
        md.putString("mobiquant.mode", sliceModeName(sm->config.mode));
        md.putString("mobiquant.source_hash", sm->sourceHash);
    }
    if (model.routers) {
        const RouterSet& r = *model.routers;
        md.putU32("mobiroute.version", kMobirouteVersion);
        md.putI32Array("mobiroute.level_bits", r.levelBits);
        md.putU32("mobiroute.hidden", static_cast<uint32_t>(r.routers.front().hidden));
        md.putU32("mobiroute.calibration_tokens", static_cast<uint32_t>(r.calibrationTokens));
        md.putString("mobiroute.objective", r.objective);
        md.putString("mobiroute.granularity", routeGranularityName(r.granularity));
    }
    if (model.tokenizer) {
        if (auto* spm = dynamic_cast<const SentencePieceTokenizer*>(model.tokenizer.get()))
            putSpm(md, *spm);
        else if (auto* bpe = dynamic_cast<const BpeTokenizer*>(model.tokenizer.get())) {
            if (bpe->mode() == BpeTokenizer::Mode::SpmCompatible)
                putSpmCompatibleBpe(md, *bpe);
            else
                putByteLevelBpe(md, *bpe);
        }
    }

    // --- header and tensor infos
    MetadataBuilder head;
    const char magic[4] = {'G', 'G', 'U', 'F'};
    std::string header(magic, 4);
    head.pod(static_cast<uint32_t>(3));
    head.pod(static_cast<uint64_t>(plan.size()));
    head.pod(md.count());
    MetadataBuilder ti;
    for (const PlannedTensor& p : plan) {
        ti.str(p.name);
        ti.pod(static_cast<uint32_t>(p.src.shape.size()));
        for (size_t d = p.src.shape.size(); d-- > 0;)
            ti.pod(static_cast<uint64_t>(p.src.shape[d]));
        ti.pod(*dtypeToGgmlType(p.type));
        ti.pod(p.offset);
    }

    const std::string tmp = path + ".tmp";
    FileOut out(tmp, path);
    out.write(header.data(), header.size());
    out.write(head.bytes().data(), head.bytes().size());
    out.write(md.bytes().data(), md.bytes().size());
    out.write(ti.bytes().data(), ti.bytes().size());
    out.padTo(align);
    const uint64_t dataStart = out.pos();
    for (const PlannedTensor& p : plan) {
        if (out.pos() != dataStart + p.offset) throw EngineError(path, "internal layout error");
        writeTensorData(out, p, path);
        out.padTo(align);
    }
    out.commit();
}

} // namespace mobi
