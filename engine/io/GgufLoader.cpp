#include "io/GgufLoader.h"

#include "core/Error.h"
#include "io/GgufFile.h"
#include "io/RoutedGguf.h"
#include "io/SlicedGguf.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <cmath>
#include <set>

namespace mobi {

namespace {

// Generous bounds that keep later size arithmetic (int products) safe.
constexpr int64_t kMaxWidth = 1 << 20;
constexpr int64_t kMaxCount = 1 << 16;

int intKey(const GgufFile& f, const std::string& key, int64_t maxValue,
           std::optional<int64_t> def = std::nullopt) {
    if (!f.has(key)) {
        if (def) return static_cast<int>(*def);
        throw FormatError(f.path(), "missing metadata key '" + key + "'");
    }
    const int64_t v = f.getInt(key);
    if (v < 1 || v > maxValue)
        throw FormatError(f.path(), "metadata " + key + " = " + std::to_string(v) +
                                        " is out of range (1.." + std::to_string(maxValue) + ")");
    return static_cast<int>(v);
}

float positiveFloat(const GgufFile& f, const std::string& key, std::optional<float> def) {
    if (!f.has(key)) {
        if (def) return *def;
        throw FormatError(f.path(), "missing metadata key '" + key + "'");
    }
    const float v = f.getF32(key);
    if (!std::isfinite(v) || v <= 0)
        throw FormatError(f.path(), "metadata " + key + " = " + std::to_string(v) +
                                        " must be a positive number");
    return v;
}

ModelConfig readConfig(const GgufFile& f, const std::string& arch) {
    const std::string& path = f.path();
    auto k = [&](const char* name) { return arch + "." + name; };
    ModelConfig c;
    c.arch = arch;
    c.dim = intKey(f, k("embedding_length"), kMaxWidth);
    c.nLayers = intKey(f, k("block_count"), kMaxCount);
    c.hiddenDim = intKey(f, k("feed_forward_length"), kMaxWidth);
    c.nHeads = intKey(f, k("attention.head_count"), kMaxCount);
    c.nKvHeads = intKey(f, k("attention.head_count_kv"), kMaxCount, c.nHeads);
    if (!f.has(k("attention.key_length")) && c.dim % c.nHeads != 0)
        throw FormatError(path, "embedding length " + std::to_string(c.dim) +
                                    " is not a multiple of the head count " +
                                    std::to_string(c.nHeads));
    c.headDim = intKey(f, k("attention.key_length"), kMaxWidth, c.dim / c.nHeads);
    if (f.has(k("attention.value_length")) && f.getInt(k("attention.value_length")) != c.headDim)
        throw UnsupportedError(path, k("attention.value_length") + " differs from key_length (" +
                                         std::to_string(c.headDim) + "), which is not supported");
    if (f.has(k("rope.dimension_count")) && f.getInt(k("rope.dimension_count")) != c.headDim)
        throw UnsupportedError(
            path, "partial rotary embedding (" + k("rope.dimension_count") + " = " +
                      std::to_string(f.getInt(k("rope.dimension_count"))) + ", head dim " +
                      std::to_string(c.headDim) + ") is not supported");
    if (static_cast<int64_t>(c.nHeads) * c.headDim > kMaxWidth)
        throw FormatError(path, "heads x head dim " + std::to_string(c.nHeads) + " x " +
                                    std::to_string(c.headDim) + " is out of range");
    c.seqLen = intKey(f, k("context_length"), INT32_MAX);
    c.rmsEps = positiveFloat(f, k("attention.layer_norm_rms_epsilon"), std::nullopt);
    c.ropeTheta = positiveFloat(f, k("rope.freq_base"), 10000.0f);
    const std::string scaling = f.getString(k("rope.scaling.type"), "");
    if (scaling == "linear") {
        c.ropeScale = positiveFloat(f, k("rope.scaling.factor"), 1.0f);
    } else if (!scaling.empty() && scaling != "none") {
        throw UnsupportedError(path, "RoPE scaling type '" + scaling +
                                         "' is not supported (supported: none, linear)");
    } else if (f.has(k("rope.scale_linear"))) { // older llama.cpp key
        c.ropeScale = positiveFloat(f, k("rope.scale_linear"), 1.0f);
    }
    c.ropeStyle = arch == "llama" ? RopeStyle::Interleaved : RopeStyle::Half;
    return c;
}

// Special token ids as llama.cpp reads them: a missing or out-of-range id
// keeps the default.
int specialId(const GgufFile& f, const std::string& key, int def, size_t nTokens) {
    if (!f.has(key)) return def;
    const int64_t v = f.getInt(key);
    return v >= 0 && static_cast<uint64_t>(v) < nTokens ? static_cast<int>(v) : def;
}

std::shared_ptr<Tokenizer> readTokenizer(const GgufFile& f, int vocabSize) {
    const std::string& path = f.path();
    if (!f.has("tokenizer.ggml.model") || !f.has("tokenizer.ggml.tokens")) return nullptr;
    const std::string model = f.getString("tokenizer.ggml.model");
    if (model != "llama" && model != "gpt2")
        throw UnsupportedError(path, "tokenizer model '" + model +
                                         "' is not supported (supported: llama, gpt2)");
    std::vector<std::string> tokens = f.getStringArray("tokenizer.ggml.tokens");
    const size_t n = tokens.size();
    if (n == 0) throw FormatError(path, "tokenizer.ggml.tokens is empty");
    if (n > static_cast<size_t>(vocabSize))
        throw FormatError(path, "tokenizer has " + std::to_string(n) +
                                    " tokens but token_embd.weight has only " +
                                    std::to_string(vocabSize) + " rows");
    // As llama.cpp: empty pieces would collide in the piece -> id map.
    for (size_t i = 0; i < n; ++i)
        if (tokens[i].empty()) tokens[i] = "[EMPTY_" + std::to_string(i) + "]";
    std::vector<int> types;
    if (f.has("tokenizer.ggml.token_type")) {
        const std::vector<int32_t> t = f.getI32Array("tokenizer.ggml.token_type");
        if (t.size() < n)
            throw FormatError(path, "tokenizer.ggml.token_type has " + std::to_string(t.size()) +
                                        " entries for " + std::to_string(n) + " tokens");
        types.assign(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(n));
    }
    try {
        if (model == "llama") {
            std::vector<float> scores(n, 0.0f);
            if (f.has("tokenizer.ggml.scores")) {
                const std::vector<float> s = f.getF32Array("tokenizer.ggml.scores");
                if (s.size() < n)
                    throw FormatError(path, "tokenizer.ggml.scores has " +
                                                std::to_string(s.size()) + " entries for " +
                                                std::to_string(n) + " tokens");
                scores.assign(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
            }
            const int bos = specialId(f, "tokenizer.ggml.bos_token_id", n > 1 ? 1 : -1, n);
            const int eos = specialId(f, "tokenizer.ggml.eos_token_id", n > 2 ? 2 : -1, n);
            const bool addSpace = f.getBool("tokenizer.ggml.add_space_prefix", true);
            SpmVocab v{std::move(tokens), std::move(scores), std::move(types)};
            return std::make_shared<SentencePieceTokenizer>(
                std::move(v), bos, eos, SentencePieceTokenizer::Flavor::LlamaCpp, addSpace);
        }
        if (!f.has("tokenizer.ggml.merges"))
            throw FormatError(path, "gpt2 tokenizer without tokenizer.ggml.merges");
        std::vector<std::string> merges = f.getStringArray("tokenizer.ggml.merges");
        const std::string pre = f.getString("tokenizer.ggml.pre", "default");
        const int bos = specialId(f, "tokenizer.ggml.bos_token_id", -1, n);
        const int eos = specialId(f, "tokenizer.ggml.eos_token_id", -1, n);
        const bool addBos = f.getBool("tokenizer.ggml.add_bos_token", false);
        BpeVocab v{std::move(tokens), std::move(merges), std::move(types)};
        return std::make_shared<BpeTokenizer>(std::move(v), BpeTokenizer::Mode::ByteLevel,
                                              BpeTokenizer::preTokenizerFromName(pre), bos, eos,
                                              addBos);
    } catch (const EngineError& e) {
        if (e.where() == path) throw;
        throw FormatError(path, "tokenizer: " + e.problem());
    }
}

} // namespace

Model loadGguf(const std::string& path, const LoadOptions& options) {
    (void)options; // GGUF carries its own tokenizer
    const GgufFile f = GgufFile::open(path);
    const std::string arch = f.getString("general.architecture");
    if (arch != "llama" && arch != "qwen2" && arch != "qwen3")
        throw UnsupportedError(path, "architecture '" + arch +
                                         "' is not supported (supported: llama, qwen2, qwen3)");

    Model m;
    m.path = path;
    m.format = "gguf";
    m.config = readConfig(f, arch);
    ModelConfig& c = m.config;

    std::set<std::string> used;
    auto get = [&](const std::string& name) {
        used.insert(name);
        return f.tensor(name);
    };
    auto opt = [&](const std::string& name) {
        used.insert(name);
        return f.hasTensor(name) ? f.tensor(name) : Tensor{};
    };

    m.weights.tokEmbeddings = get("token_embd.weight");
    const Tensor& emb = m.weights.tokEmbeddings;
    if (emb.shape.size() != 2 || emb.shape[0] < 1 || emb.shape[0] > INT32_MAX)
        throw FormatError(path, "token_embd.weight has shape " + emb.shapeString() +
                                    ", expected [vocab, " + std::to_string(c.dim) + "]");
    c.vocabSize = static_cast<int>(emb.shape[0]);
    m.weights.finalNorm = get("output_norm.weight");
    m.weights.output = opt("output.weight");
    c.tiedEmbeddings = m.weights.output.empty();
    c.qkvBias = f.hasTensor("blk.0.attn_q.bias");
    c.qkNorm = f.hasTensor("blk.0.attn_q_norm.weight");

    // A MoBiSlice file stores the block linears as slices; dense copies, if
    // any, are optional.
    const bool sliced = hasSlicedMetadata(f);
    if (sliced)
        m.sliced = readSlicedModel(f, c, used);
    else
        for (const GgufTensorInfo& ti : f.tensorInfos())
            if (ti.name.rfind("blk.", 0) == 0 && isSlicedTensorName(ti.name))
                throw FormatError(path, "tensor " + ti.name +
                                            " looks sliced but the file has no mobiquant metadata");
    if (hasRouterMetadata(f)) {
        if (!sliced)
            throw FormatError(path, "has MoBiRoute routers but no MoBiSlice slices to route");
        m.routers = readRouterSet(f, c, m.sliced->config, used);
    }
    auto linear = [&](const std::string& name) { return sliced ? opt(name) : get(name); };

    m.weights.layers.resize(static_cast<size_t>(c.nLayers));
    for (int l = 0; l < c.nLayers; ++l) {
        LayerWeights& L = m.weights.layers[static_cast<size_t>(l)];
        const std::string b = "blk." + std::to_string(l) + ".";
        L.attnNorm = get(b + "attn_norm.weight");
        L.wq = linear(b + "attn_q.weight");
        L.wk = linear(b + "attn_k.weight");
        L.wv = linear(b + "attn_v.weight");
        L.wo = linear(b + "attn_output.weight");
        L.ffnNorm = get(b + "ffn_norm.weight");
        L.wGate = linear(b + "ffn_gate.weight");
        L.wUp = linear(b + "ffn_up.weight");
        L.wDown = linear(b + "ffn_down.weight");
        if (c.qkvBias) {
            L.bq = get(b + "attn_q.bias");
            L.bk = get(b + "attn_k.bias");
            L.bv = get(b + "attn_v.bias");
        }
        if (c.qkNorm) {
            L.qNorm = get(b + "attn_q_norm.weight");
            L.kNorm = get(b + "attn_k_norm.weight");
        }
    }
    // A weight or bias we would silently skip changes the function computed
    // (e.g. an output-projection bias, Llama-3.1's rope_freqs): refuse it.
    for (const GgufTensorInfo& ti : f.tensorInfos()) {
        if (used.count(ti.name)) continue;
        const std::string& n = ti.name;
        if (n.rfind("blk.", 0) == 0 && isSlicedTensorName(n))
            throw FormatError(
                path, "tensor " + n +
                          (sliced ? " is not part of the sliced layout (mobiquant.slice_bits " +
                                        m.sliced->config.sliceBitsString() + ", mode " +
                                        sliceModeName(m.sliced->config.mode) + ")"
                                  : " looks sliced but the file has no mobiquant metadata"));
        const bool blockParam = n.rfind("blk.", 0) == 0 &&
                                ((n.size() > 7 && n.compare(n.size() - 7, 7, ".weight") == 0) ||
                                 (n.size() > 5 && n.compare(n.size() - 5, 5, ".bias") == 0));
        if (blockParam || n == "rope_freqs.weight")
            throw UnsupportedError(path, "tensor " + n + " is not supported by mobiscope's " +
                                             arch + " implementation");
    }

    m.tokenizer = readTokenizer(f, c.vocabSize);

    m.metadata["gguf.version"] = std::to_string(f.version());
    m.metadata["gguf.tensor_count"] = std::to_string(f.tensorInfos().size());
    m.metadata["gguf.metadata_count"] = std::to_string(f.keys().size());
    m.metadata["gguf.alignment"] = std::to_string(f.alignment());
    for (const std::string& key : f.keys()) {
        const GgufValue* v = f.find(key);
        if (key.rfind("tokenizer.ggml.", 0) == 0 && v->type == GgufType::Array) continue;
        // mobiscope.agent.* (the agent prompt format, LlmAgent reads it) in full.
        const bool agentKey = key.rfind("mobiscope.agent.", 0) == 0;
        m.metadata[key] = agentKey && v->type == GgufType::String ? v->str : v->toString();
    }
    m.validate();
    return m;
}

} // namespace mobi
