#include "io/HfLoader.h"

#include "core/Error.h"
#include "io/SafetensorsFile.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "util/Json.h"

#include <cmath>
#include <filesystem>
#include <map>

namespace mobi {

namespace fs = std::filesystem;

namespace {

struct ArchInfo {
    const char* hfClass;
    const char* modelType;
};

constexpr ArchInfo kArchs[] = {
    {"LlamaForCausalLM", "llama"},
    {"Qwen2ForCausalLM", "qwen2"},
    {"Qwen3ForCausalLM", "qwen3"},
};

// Reads an integer config field; absent -> def (or error when def < 0).
int configInt(const Json& cfg, const std::string& cfgPath, const char* key, int64_t def,
              int64_t maxValue) {
    const Json* v = cfg.find(key);
    if (!v || v->isNull()) {
        if (def < 0) throw FormatError(cfgPath, std::string("missing \"") + key + "\"");
        return static_cast<int>(def);
    }
    const double d = v->isNumber() ? v->asNumber() : -1;
    if (!v->isNumber() || !std::isfinite(d) || d != std::floor(d) || d < 1 ||
        d > static_cast<double>(maxValue))
        throw FormatError(cfgPath, std::string("\"") + key + "\" must be an integer in 1.." +
                                       std::to_string(maxValue) + ", got " + v->dump());
    return static_cast<int>(d);
}

float configFloat(const Json& cfg, const std::string& cfgPath, const char* key, double def) {
    const Json* v = cfg.find(key);
    if (!v || v->isNull()) return static_cast<float>(def);
    if (!v->isNumber() || !std::isfinite(v->asNumber()) || v->asNumber() <= 0 ||
        v->asNumber() > 1e30)
        throw FormatError(cfgPath, std::string("\"") + key + "\" must be a positive number, got " +
                                       v->dump());
    return static_cast<float>(v->asNumber());
}

// A shard name from the index must be a plain file inside the directory.
void checkShardName(const std::string& indexPath, const std::string& name) {
    const bool bad = name.empty() || name == "." || name == ".." ||
                     name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
                     name.find('\0') != std::string::npos;
    if (bad)
        throw FormatError(indexPath, "shard name '" + name +
                                         "' is not a plain file name inside the model directory");
}

// First token id of a config entry that may be a number or a list of numbers.
int specialId(const Json& cfg, const char* key, int vocab) {
    const Json* v = cfg.find(key);
    if (v && v->isArray() && !v->asArray().empty()) v = &v->asArray()[0];
    if (!v || !v->isNumber()) return -1;
    const double d = v->asNumber();
    if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d >= vocab) return -1;
    return static_cast<int>(d);
}

} // namespace

Model loadHfDirectory(const std::string& dir, const LoadOptions& options) {
    std::error_code ec;
    const fs::path root(dir);
    const fs::path cfgFile = root / "config.json";
    if (!fs::is_regular_file(cfgFile, ec))
        throw EngineError(dir, "no config.json (not a Hugging Face model directory)");
    const std::string cfgPath = cfgFile.string();
    const Json cfg = Json::parseFile(cfgPath);
    if (!cfg.isObject()) throw FormatError(cfgPath, "not a JSON object");

    Model m;
    m.path = dir;
    m.format = "safetensors";
    ModelConfig& c = m.config;

    // Architecture: architectures[0], else model_type.
    std::string hfClass, modelType = cfg.string("model_type", "");
    if (const Json* a = cfg.find("architectures");
        a && a->isArray() && !a->asArray().empty() && a->asArray()[0].isString())
        hfClass = a->asArray()[0].asString();
    const ArchInfo* arch = nullptr;
    for (const ArchInfo& ai : kArchs)
        if (hfClass.empty() ? modelType == ai.modelType : hfClass == ai.hfClass) arch = &ai;
    if (!arch)
        throw UnsupportedError(cfgPath, "architecture '" + (hfClass.empty() ? modelType : hfClass) +
                                            "' is not supported (LlamaForCausalLM, "
                                            "Qwen2ForCausalLM, Qwen3ForCausalLM)");
    c.arch = arch->modelType;
    c.qkvBias = c.arch == "qwen2";
    c.qkNorm = c.arch == "qwen3";
    if (cfg.boolean("attention_bias", false) && c.arch != "qwen2")
        throw UnsupportedError(cfgPath, "attention_bias (bias on q/k/v/o projections) is not "
                                        "supported for " +
                                            c.arch);
    if (cfg.boolean("mlp_bias", false))
        throw UnsupportedError(cfgPath, "mlp_bias is not supported");
    const std::string act = cfg.string("hidden_act", "silu");
    if (act != "silu")
        throw UnsupportedError(cfgPath, "hidden_act '" + act + "' is not supported (silu)");

    constexpr int64_t kMaxDim = 1 << 24, kMaxCount = 1 << 16;
    c.dim = configInt(cfg, cfgPath, "hidden_size", -1, kMaxDim);
    c.hiddenDim = configInt(cfg, cfgPath, "intermediate_size", -1, kMaxDim);
    c.nLayers = configInt(cfg, cfgPath, "num_hidden_layers", -1, kMaxCount);
    c.nHeads = configInt(cfg, cfgPath, "num_attention_heads", -1, kMaxCount);
    c.nKvHeads = configInt(cfg, cfgPath, "num_key_value_heads", c.nHeads, kMaxCount);
    if (!cfg.find("head_dim") || cfg.find("head_dim")->isNull()) {
        if (c.dim % c.nHeads != 0)
            throw FormatError(cfgPath, "hidden_size " + std::to_string(c.dim) +
                                           " is not a multiple of num_attention_heads " +
                                           std::to_string(c.nHeads) + " and head_dim is absent");
    }
    c.headDim = configInt(cfg, cfgPath, "head_dim", c.dim / c.nHeads, kMaxDim);
    if (static_cast<int64_t>(c.headDim) * c.nHeads > kMaxDim)
        throw FormatError(cfgPath, "num_attention_heads * head_dim is too large");
    c.vocabSize = configInt(cfg, cfgPath, "vocab_size", -1, kMaxDim);
    c.seqLen = configInt(cfg, cfgPath, "max_position_embeddings", 2048, 1 << 30);
    c.rmsEps = configFloat(cfg, cfgPath, "rms_norm_eps", 1e-6);
    c.ropeTheta = configFloat(cfg, cfgPath, "rope_theta", 10000.0);
    c.ropeStyle = RopeStyle::Half; // HF rotate_half
    c.ropeScale = 1.0f;
    if (const Json* rs = cfg.find("rope_scaling"); rs && !rs->isNull()) {
        if (!rs->isObject()) throw FormatError(cfgPath, "rope_scaling is not an object");
        std::string type = rs->string("rope_type", rs->string("type", ""));
        if (type == "linear") {
            c.ropeScale = configFloat(*rs, cfgPath, "factor", 1.0);
        } else if (type != "default") {
            throw UnsupportedError(cfgPath,
                                   "rope_scaling type '" + type + "' is not supported (linear)");
        }
    }
    const bool tiedInConfig = cfg.boolean("tie_word_embeddings", false);
    m.metadata["hf.architecture"] = hfClass.empty() ? modelType : hfClass;
    if (const Json* td = cfg.find("torch_dtype"); td && td->isString())
        m.metadata["hf.torch_dtype"] = td->asString();

    // Weights: one file, or an index mapping tensor names to shard files.
    std::map<std::string, const Tensor*> byName;
    std::vector<std::shared_ptr<SafetensorsFile>> files;
    const fs::path single = root / "model.safetensors";
    const fs::path indexFile = root / "model.safetensors.index.json";
    if (fs::exists(single, ec)) {
        files.push_back(std::make_shared<SafetensorsFile>(SafetensorsFile::open(single.string())));
        for (const Tensor& t : files.back()->tensors())
            byName[t.name] = &t;
    } else if (fs::exists(indexFile, ec)) {
        const std::string indexPath = indexFile.string();
        const Json index = Json::parseFile(indexPath);
        const Json* wm = index.find("weight_map");
        if (!wm || !wm->isObject()) throw FormatError(indexPath, "missing object \"weight_map\"");
        std::map<std::string, std::shared_ptr<SafetensorsFile>> shards;
        for (const auto& [tensor, shardJson] : wm->asObject()) {
            if (!shardJson.isString())
                throw FormatError(indexPath,
                                  "weight_map entry for '" + tensor + "' is not a string");
            const std::string& shard = shardJson.asString();
            checkShardName(indexPath, shard);
            auto it = shards.find(shard);
            if (it == shards.end()) {
                const fs::path sp = root / shard;
                if (!fs::is_regular_file(sp, ec))
                    throw FormatError(indexPath, "shard '" + shard + "' (for '" + tensor +
                                                     "') does not exist");
                auto sf = std::make_shared<SafetensorsFile>(SafetensorsFile::open(sp.string()));
                files.push_back(sf);
                it = shards.emplace(shard, sf).first;
            }
            const Tensor* t = it->second->find(tensor);
            if (!t)
                throw FormatError(it->second->path(),
                                  "tensor '" + tensor + "' listed in " + indexPath + " is missing");
            byName[tensor] = t;
        }
    } else {
        throw EngineError(dir, "no model.safetensors or model.safetensors.index.json");
    }
    m.metadata["safetensors.files"] = std::to_string(files.size());
    for (const auto& f : files)
        for (const auto& [k, v] : f->metadata())
            m.metadata["safetensors." + k] = v;

    const std::string where = files.size() == 1 ? files[0]->path() : dir;
    auto get = [&](const std::string& name, bool required) -> Tensor {
        auto it = byName.find(name);
        if (it == byName.end()) {
            if (required) throw FormatError(where, "missing tensor '" + name + "'");
            return Tensor();
        }
        return *it->second;
    };

    ModelWeights& w = m.weights;
    w.tokEmbeddings = get("model.embed_tokens.weight", true);
    w.finalNorm = get("model.norm.weight", true);
    if (!tiedInConfig) w.output = get("lm_head.weight", false);
    c.tiedEmbeddings = w.output.empty();
    w.layers.resize(static_cast<size_t>(c.nLayers));
    for (int i = 0; i < c.nLayers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        LayerWeights& L = w.layers[static_cast<size_t>(i)];
        L.attnNorm = get(p + "input_layernorm.weight", true);
        L.wq = get(p + "self_attn.q_proj.weight", true);
        L.wk = get(p + "self_attn.k_proj.weight", true);
        L.wv = get(p + "self_attn.v_proj.weight", true);
        L.wo = get(p + "self_attn.o_proj.weight", true);
        if (c.qkvBias) {
            L.bq = get(p + "self_attn.q_proj.bias", true);
            L.bk = get(p + "self_attn.k_proj.bias", true);
            L.bv = get(p + "self_attn.v_proj.bias", true);
        }
        if (c.qkNorm) {
            L.qNorm = get(p + "self_attn.q_norm.weight", true);
            L.kNorm = get(p + "self_attn.k_norm.weight", true);
        }
        L.ffnNorm = get(p + "post_attention_layernorm.weight", true);
        L.wGate = get(p + "mlp.gate_proj.weight", true);
        L.wUp = get(p + "mlp.up_proj.weight", true);
        L.wDown = get(p + "mlp.down_proj.weight", true);
    }

    // Tokenizer: tokenizer.json here, else the one the caller named.
    const fs::path tokJson = root / "tokenizer.json";
    if (fs::is_regular_file(tokJson, ec)) {
        m.tokenizer = BpeTokenizer::fromTokenizerJson(tokJson.string());
    } else if (!options.tokenizerPath.empty()) {
        // A tokenizer.json, or a llama2.c tokenizer.bin for converted llama2.c models.
        const std::string& tp = options.tokenizerPath;
        if (fs::path(tp).extension() == ".json")
            m.tokenizer = BpeTokenizer::fromTokenizerJson(tp);
        else
            m.tokenizer = SentencePieceTokenizer::loadLlama2cFile(tp, c.vocabSize);
    }
    if (m.tokenizer) {
        // config.json's ids are what HF generation uses; keep the tokenizer's
        // own where config.json says nothing usable.
        const int bos = specialId(cfg, "bos_token_id", m.tokenizer->vocabSize());
        const int eos = specialId(cfg, "eos_token_id", m.tokenizer->vocabSize());
        m.tokenizer->setSpecial(bos >= 0 ? bos : m.tokenizer->bos(),
                                eos >= 0 ? eos : m.tokenizer->eos());
    }

    m.validate();
    return m;
}

} // namespace mobi
