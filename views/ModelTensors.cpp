#include "ModelTensors.h"

namespace mobi {

std::vector<NamedTensor> namedTensors(const Model& model) {
    std::vector<NamedTensor> out;
    const auto add = [&out](std::string key, std::string label, int layer, const Tensor& t) {
        if (!t.empty()) out.push_back({std::move(key), std::move(label), layer, &t});
    };
    const ModelWeights& w = model.weights;
    add("tok_embeddings", "tok_embeddings", -1, w.tokEmbeddings);
    for (size_t l = 0; l < w.layers.size(); ++l) {
        const LayerWeights& L = w.layers[l];
        const int li = static_cast<int>(l);
        const std::string p = "layers." + std::to_string(l) + ".";
        add(p + "attention_norm", "attention_norm", li, L.attnNorm);
        add(p + "attention.wq", "wq", li, L.wq);
        add(p + "attention.wk", "wk", li, L.wk);
        add(p + "attention.wv", "wv", li, L.wv);
        add(p + "attention.bq", "bq", li, L.bq);
        add(p + "attention.bk", "bk", li, L.bk);
        add(p + "attention.bv", "bv", li, L.bv);
        add(p + "attention.q_norm", "q_norm", li, L.qNorm);
        add(p + "attention.k_norm", "k_norm", li, L.kNorm);
        add(p + "attention.wo", "wo", li, L.wo);
        add(p + "ffn_norm", "ffn_norm", li, L.ffnNorm);
        add(p + "feed_forward.w1", "w1 (gate)", li, L.wGate);
        add(p + "feed_forward.w3", "w3 (up)", li, L.wUp);
        add(p + "feed_forward.w2", "w2 (down)", li, L.wDown);
    }
    add("norm", "norm", -1, w.finalNorm);
    add("output", "output", -1, w.output);
    return out;
}

const Tensor* findTensor(const Model& model, const std::string& key) {
    for (const NamedTensor& t : namedTensors(model))
        if (t.key == key) return t.tensor;
    return nullptr;
}

std::string tensorKeyForName(const std::string& name) {
    std::string n = name;
    const std::string weight = ".weight", bias = ".bias";
    bool isBias = false;
    if (n.size() > weight.size() && n.compare(n.size() - weight.size(), weight.size(), weight) == 0)
        n.resize(n.size() - weight.size());
    else if (n.size() > bias.size() && n.compare(n.size() - bias.size(), bias.size(), bias) == 0) {
        n.resize(n.size() - bias.size());
        isBias = true;
    }
    if (!isBias) {
        if (n == "token_embd") return "tok_embeddings";
        if (n == "output_norm") return "norm";
        if (n == "output") return "output";
    }
    if (n.rfind("blk.", 0) != 0) return name;
    const size_t dot = n.find('.', 4);
    if (dot == std::string::npos || dot == 4) return name;
    const std::string layer = n.substr(4, dot - 4);
    if (layer.size() > 6 || layer.find_first_not_of("0123456789") != std::string::npos) return name;
    const std::string part = n.substr(dot + 1);
    static const std::pair<const char*, const char*> weights[] = {
        {"attn_norm", "attention_norm"},     {"attn_q", "attention.wq"},
        {"attn_k", "attention.wk"},          {"attn_v", "attention.wv"},
        {"attn_output", "attention.wo"},     {"attn_q_norm", "attention.q_norm"},
        {"attn_k_norm", "attention.k_norm"}, {"ffn_norm", "ffn_norm"},
        {"ffn_gate", "feed_forward.w1"},     {"ffn_up", "feed_forward.w3"},
        {"ffn_down", "feed_forward.w2"}};
    static const std::pair<const char*, const char*> biases[] = {
        {"attn_q", "attention.bq"}, {"attn_k", "attention.bk"}, {"attn_v", "attention.bv"}};
    const std::string prefix = "layers." + std::to_string(std::stoi(layer)) + ".";
    if (isBias) {
        for (const auto& [g, k] : biases)
            if (part == g) return prefix + k;
    } else {
        for (const auto& [g, k] : weights)
            if (part == g) return prefix + k;
    }
    return name;
}

} // namespace mobi
