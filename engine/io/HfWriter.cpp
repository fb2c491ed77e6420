#include "io/HfWriter.h"

#include "core/Error.h"
#include "core/Half.h"
#include "io/RopePermute.h"
#include "io/SafetensorsFile.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/TokenizerJson.h"
#include "util/Json.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace mobi {

namespace fs = std::filesystem;

namespace {

// A float as the shortest decimal that reads back as the same float, so
// config.json says 1e-05 rather than 9.99999975e-06.
Json floatJson(float f) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, f);
    return Json(std::strtod(std::string(buf, r.ptr).c_str(), nullptr));
}

const char* hfClassOf(const std::string& arch) {
    if (arch == "llama") return "LlamaForCausalLM";
    if (arch == "qwen2") return "Qwen2ForCausalLM";
    if (arch == "qwen3") return "Qwen3ForCausalLM";
    return nullptr;
}

const char* torchDtypeOf(DType t) {
    switch (t) {
    case DType::F16:
        return "float16";
    case DType::BF16:
        return "bfloat16";
    default:
        return "float32";
    }
}

struct OutTensor {
    std::string name;
    Tensor src;  // any dtype; rows decoded with rowToF32
    DType dtype; // stored type
    uint64_t nbytes = 0;
    uint64_t begin = 0;
};

// Writes `bytes` to a temp file next to `path`, then renames it over `path`.
class AtomicFile {
  public:
    explicit AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
        out_.open(tmp_, std::ios::binary | std::ios::trunc);
        if (!out_) throw EngineError(tmp_, std::string("cannot create: ") + std::strerror(errno));
    }
    ~AtomicFile() {
        if (!done_) {
            out_.close();
            std::error_code ec;
            fs::remove(tmp_, ec);
        }
    }
    void write(const void* p, size_t n) {
        out_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
        if (!out_) throw EngineError(tmp_, "write failed (disk full?)");
    }
    void commit() {
        out_.close();
        if (!out_) throw EngineError(tmp_, "write failed (disk full?)");
        std::error_code ec;
        fs::rename(tmp_, path_, ec);
        if (ec) throw EngineError(path_, "cannot rename " + tmp_ + ": " + ec.message());
        done_ = true;
    }

  private:
    std::string path_, tmp_;
    std::ofstream out_;
    bool done_ = false;
};

void writeText(const std::string& path, const std::string& text) {
    AtomicFile f(path);
    f.write(text.data(), text.size());
    f.commit();
}

void writeSafetensors(const std::string& path, std::vector<OutTensor> tensors) {
    // As the reference serializer: wider types first so every tensor is
    // aligned once the header is padded to 8 bytes; ties by name.
    std::stable_sort(tensors.begin(), tensors.end(), [](const OutTensor& a, const OutTensor& b) {
        const size_t ea = dtypeBlockBytes(a.dtype), eb = dtypeBlockBytes(b.dtype);
        return ea != eb ? ea > eb : a.name < b.name;
    });
    Json header{Json::Object{}};
    header.set("__metadata__", Json(Json::Object{{"format", Json("pt")}}));
    uint64_t offset = 0;
    for (OutTensor& t : tensors) {
        if (!dtypeBytesChecked(t.dtype, static_cast<uint64_t>(t.src.numel()), t.nbytes))
            throw EngineError(path, "tensor " + t.name + " is too large");
        t.begin = offset;
        offset += t.nbytes;
        Json::Array shape;
        for (int64_t d : t.src.shape)
            shape.emplace_back(d);
        Json entry{Json::Object{}};
        entry.set("dtype", Json(SafetensorsFile::dtypeToName(t.dtype)));
        entry.set("shape", Json(std::move(shape)));
        entry.set("data_offsets",
                  Json(Json::Array{Json(static_cast<int64_t>(t.begin)),
                                   Json(static_cast<int64_t>(t.begin + t.nbytes))}));
        header.set(t.name, std::move(entry));
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const uint64_t n = text.size();
    uint8_t len[8];
    for (int i = 0; i < 8; ++i)
        len[i] = static_cast<uint8_t>(n >> (8 * i));

    AtomicFile f(path);
    f.write(len, 8);
    f.write(text.data(), text.size());
    std::vector<float> row;
    std::vector<uint8_t> out;
    for (const OutTensor& t : tensors) {
        const int64_t rows = t.src.rows(), cols = t.src.cols();
        if (t.src.numel() == 0) continue;
        row.resize(static_cast<size_t>(cols));
        out.resize(static_cast<size_t>(cols) * dtypeBlockBytes(t.dtype));
        for (int64_t r = 0; r < rows; ++r) {
            t.src.rowToF32(r, row.data());
            if (t.dtype == DType::F32) {
                std::memcpy(out.data(), row.data(), out.size());
            } else {
                uint16_t* o = reinterpret_cast<uint16_t*>(out.data());
                for (int64_t i = 0; i < cols; ++i)
                    o[i] = t.dtype == DType::F16 ? f32ToF16(row[i]) : f32ToBf16(row[i]);
            }
            f.write(out.data(), out.size());
        }
    }
    f.commit();
}

} // namespace

void saveHfDirectory(const Model& model, const std::string& dir, const HfWriteOptions& options) {
    const ModelConfig& c = model.config;
    // safetensors has no place for MoBiSlice planes; a sliced GGUF without
    // dense linears would lose its weights.
    if (model.sliced && !model.weights.layers.empty() && model.weights.layers[0].wq.empty())
        throw UnsupportedError(dir, "a sliced model cannot be written as a Hugging Face "
                                    "directory (write a GGUF, or convert the source model)");
    const DType mt = options.matrixType;
    if (mt != DType::F32 && mt != DType::F16 && mt != DType::BF16)
        throw UnsupportedError(dir, std::string("matrix type ") + dtypeName(mt) +
                                        " cannot be written to safetensors (F32, F16, BF16)");
    const char* hfClass = hfClassOf(c.arch);
    if (!hfClass)
        throw UnsupportedError(dir,
                               "architecture '" + c.arch +
                                   "' has no Hugging Face equivalent here (llama, qwen2, qwen3)");
    if (c.qkvBias && c.arch != "qwen2")
        throw UnsupportedError(dir, c.arch + " with q/k/v biases has no Hugging Face form");
    if (c.qkNorm && c.arch != "qwen3")
        throw UnsupportedError(dir, c.arch + " with q/k norms has no Hugging Face form");
    if (!c.qkvBias && c.arch == "qwen2")
        throw UnsupportedError(dir, "qwen2 without q/k/v biases has no Hugging Face form");
    if (!c.qkNorm && c.arch == "qwen3")
        throw UnsupportedError(dir, "qwen3 without q/k norms has no Hugging Face form");

    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw EngineError(dir, "exists and is not a directory");
    fs::create_directories(dir, ec);
    if (ec) throw EngineError(dir, "cannot create directory: " + ec.message());
    const fs::path root(dir);

    // HF rotates (i, i + d/2) pairs: rows of q/k (and their biases and norm
    // weights, which follow the same head dimensions) move to that layout.
    const bool permute = c.ropeStyle == RopeStyle::Interleaved;
    auto toHalf = [&](const Tensor& t, int heads) {
        return permute && !t.empty() ? ropeInterleavedToHalf(t, heads) : t;
    };

    std::vector<OutTensor> ts;
    auto add = [&](std::string name, const Tensor& t) {
        if (t.empty()) return;
        const DType dt = t.shape.size() >= 2 ? mt : DType::F32;
        ts.push_back({std::move(name), t, dt});
    };
    const ModelWeights& w = model.weights;
    add("model.embed_tokens.weight", w.tokEmbeddings);
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const LayerWeights& L = w.layers[i];
        const std::string p = "model.layers." + std::to_string(i) + ".";
        add(p + "input_layernorm.weight", L.attnNorm);
        add(p + "self_attn.q_proj.weight", toHalf(L.wq, c.nHeads));
        add(p + "self_attn.k_proj.weight", toHalf(L.wk, c.nKvHeads));
        add(p + "self_attn.v_proj.weight", L.wv);
        add(p + "self_attn.o_proj.weight", L.wo);
        add(p + "self_attn.q_proj.bias", toHalf(L.bq, c.nHeads));
        add(p + "self_attn.k_proj.bias", toHalf(L.bk, c.nKvHeads));
        add(p + "self_attn.v_proj.bias", L.bv);
        add(p + "self_attn.q_norm.weight", toHalf(L.qNorm, 1));
        add(p + "self_attn.k_norm.weight", toHalf(L.kNorm, 1));
        add(p + "post_attention_layernorm.weight", L.ffnNorm);
        add(p + "mlp.gate_proj.weight", L.wGate);
        add(p + "mlp.up_proj.weight", L.wUp);
        add(p + "mlp.down_proj.weight", L.wDown);
    }
    add("model.norm.weight", w.finalNorm);
    const bool tied = c.tiedEmbeddings || w.output.empty();
    if (!tied) add("lm_head.weight", w.output);

    Json cfg{Json::Object{}};
    cfg.set("architectures", Json(Json::Array{Json(hfClass)}));
    cfg.set("model_type", Json(c.arch));
    cfg.set("hidden_size", Json(c.dim));
    cfg.set("intermediate_size", Json(c.hiddenDim));
    cfg.set("num_hidden_layers", Json(c.nLayers));
    cfg.set("num_attention_heads", Json(c.nHeads));
    cfg.set("num_key_value_heads", Json(c.nKvHeads));
    cfg.set("head_dim", Json(c.headDim));
    cfg.set("hidden_act", Json("silu"));
    cfg.set("max_position_embeddings", Json(c.seqLen > 0 ? c.seqLen : 2048));
    cfg.set("rms_norm_eps", floatJson(c.rmsEps));
    cfg.set("rope_theta", floatJson(c.ropeTheta));
    if (c.ropeScale != 1.0f)
        cfg.set("rope_scaling", Json(Json::Object{{"type", Json("linear")},
                                                  {"rope_type", Json("linear")},
                                                  {"factor", floatJson(c.ropeScale)}}));
    else
        cfg.set("rope_scaling", Json(nullptr));
    cfg.set("tie_word_embeddings", Json(tied));
    if (c.arch != "qwen2") cfg.set("attention_bias", Json(false));
    cfg.set("vocab_size", Json(c.vocabSize));
    cfg.set("torch_dtype", Json(torchDtypeOf(mt)));
    if (model.tokenizer) {
        if (model.tokenizer->bos() >= 0) cfg.set("bos_token_id", Json(model.tokenizer->bos()));
        if (model.tokenizer->eos() >= 0) cfg.set("eos_token_id", Json(model.tokenizer->eos()));
    }

    writeSafetensors((root / "model.safetensors").string(), std::move(ts));
    writeText((root / "config.json").string(), cfg.dump(2) + "\n");

    const fs::path tokPath = root / "tokenizer.json", tokCfgPath = root / "tokenizer_config.json";
    if (model.tokenizer) {
        const Tokenizer& tok = *model.tokenizer;
        writeText(tokPath.string(), tokenizerToJson(tok));
        Json tc{Json::Object{}};
        const std::vector<int> empty = tok.encode("", true);
        tc.set("add_bos_token", Json(!empty.empty() && empty[0] == tok.bos()));
        tc.set("add_eos_token", Json(false));
        const int n = tok.vocabSize();
        if (tok.bos() >= 0 && tok.bos() < n) tc.set("bos_token", Json(tok.piece(tok.bos())));
        if (tok.eos() >= 0 && tok.eos() < n) tc.set("eos_token", Json(tok.piece(tok.eos())));
        tc.set("model_max_length", Json(c.seqLen > 0 ? c.seqLen : 2048));
        tc.set("tokenizer_class", Json("PreTrainedTokenizerFast"));
        writeText(tokCfgPath.string(), tc.dump(2) + "\n");
    } else {
        // A tokenizer left from an earlier write would not match these weights.
        fs::remove(tokPath, ec);
        fs::remove(tokCfgPath, ec);
    }
}

} // namespace mobi
