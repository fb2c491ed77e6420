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

} // namespace mobi
