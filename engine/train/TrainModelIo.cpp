#include "train/TrainModelIo.h"

#include "core/Error.h"
#include "io/GgufWriter.h"
#include "io/RopePermute.h"
#include "train/ParamLayout.h"

namespace mobi {

namespace {

std::string ggufPiece(const std::string& p) {
    if (p == "\n<s>\n") return "<s>";
    if (p == "\n</s>\n") return "</s>";
    std::string out;
    for (char ch : p)
        out += ch == ' ' ? std::string("\xE2\x96\x81") : std::string(1, ch);
    return out;
}

void copyInto(const Tensor& t, int64_t rows, int64_t cols, float* dst, const std::string& where) {
    if (t.empty()) throw EngineError(where, "weight " + t.name + " is missing (a sliced model?)");
    if (t.rows() != rows || t.cols() != cols)
        throw EngineError(where, "tensor " + t.name + " has shape " + t.shapeString());
    for (int64_t r = 0; r < rows; ++r)
        t.rowToF32(r, dst + r * cols);
}

} // namespace

std::shared_ptr<SentencePieceTokenizer> trainingTokenizer(const Tokenizer& tok) {
    const auto* spm = dynamic_cast<const SentencePieceTokenizer*>(&tok);
    if (!spm)
        throw UnsupportedError("tokenizer", std::string("the trainer needs a SentencePiece "
                                                        "(llama) vocabulary, not ") +
                                                tok.kind());
    SpmVocab v = spm->vocab();
    if (spm->flavor() == SentencePieceTokenizer::Flavor::Llama2c) {
        for (std::string& p : v.pieces)
            p = ggufPiece(p);
        v.types.clear(); // inferred from the pieces, as the GGUF writer does
    }
    if (v.types.size() != v.pieces.size()) {
        v.types.assign(v.pieces.size(), static_cast<int>(TokenType::Normal));
        for (size_t i = 0; i < v.pieces.size(); ++i) {
            const std::string& p = v.pieces[i];
            if (p.size() == 6 && p.compare(0, 3, "<0x") == 0 && p[5] == '>')
                v.types[i] = static_cast<int>(TokenType::Byte);
            else if (p == "<unk>")
                v.types[i] = static_cast<int>(TokenType::Unknown);
            else if (p == "<s>" || p == "</s>" || int(i) == tok.bos() || int(i) == tok.eos())
                v.types[i] = static_cast<int>(TokenType::Control);
        }
    }
    v.scores.resize(v.pieces.size(), 0.0f);
    return std::make_shared<SentencePieceTokenizer>(std::move(v), tok.bos(), tok.eos(),
                                                    SentencePieceTokenizer::Flavor::LlamaCpp,
                                                    spm->addSpacePrefix());
}

Model trainedModel(const TrainState& s) {
    const ParamLayout layout(s.config);
    if (s.weights.size() != layout.total())
        throw EngineError("export", "weights do not match the model shape");
    Model m;
    m.config = s.config;
    m.config.arch = "llama";
    m.config.ropeStyle = RopeStyle::Interleaved;
    m.format = "gguf";
    m.tokenizer = s.tokenizer;
    auto tensor = [&](size_t offset) {
        for (const ParamTensor& p : layout.tensors())
            if (p.offset == offset)
                return Tensor::fromF32(p.name, p.shape,
                                       std::vector<float>(s.weights.begin() + p.offset,
                                                          s.weights.begin() + p.offset + p.size));
        throw EngineError("export", "internal: no tensor at offset " + std::to_string(offset));
    };
    ModelWeights& w = m.weights;
    w.tokEmbeddings = tensor(layout.tokEmbeddings());
    for (int l = 0; l < s.config.nLayers; ++l) {
        const LayerParams& P = layout.layer(l);
        LayerWeights L;
        L.attnNorm = tensor(P.attnNorm);
        L.wq = tensor(P.wq), L.wk = tensor(P.wk), L.wv = tensor(P.wv), L.wo = tensor(P.wo);
        L.ffnNorm = tensor(P.ffnNorm);
        L.wGate = tensor(P.wGate), L.wUp = tensor(P.wUp), L.wDown = tensor(P.wDown);
        w.layers.push_back(std::move(L));
    }
    w.finalNorm = tensor(layout.finalNorm());
    if (!s.config.tiedEmbeddings) w.output = tensor(layout.classifier());
    auto name = s.metadata.find("general.name");
    m.metadata["general.name"] = name != s.metadata.end() ? name->second : "mobiscope-trained";
    m.validate();
    return m;
}

void exportTrainedGguf(const TrainState& s, const std::string& path, DType matrixType) {
    const Model m = trainedModel(s);
    GgufWriteOptions o;
    o.matrixType = matrixType;
    for (const auto& [k, v] : s.metadata)
        if (k != "general.name") o.extraStrings.emplace_back(k, v);
    saveGguf(m, path, o);
}

void importModel(const Model& model, int context, TrainState& s) {
    const std::string where = model.path.empty() ? "model" : model.path;
    if (model.sliced)
        throw UnsupportedError(where, "a sliced model cannot be trained; use the "
                                      "dense model it was sliced from");
    if (!model.tokenizer) throw EngineError(where, "model has no tokenizer");
    ModelConfig c = model.config;
    if (context > 0) c.seqLen = context;
    if (c.seqLen <= 0) c.seqLen = 2048;
    try {
        const ParamLayout check(c);
    } catch (const EngineError& e) {
        throw UnsupportedError(where, std::string("cannot train this model: ") + e.what());
    }
    c.tiedEmbeddings = model.weights.output.empty() || c.tiedEmbeddings;
    const ParamLayout layout(c);
    std::vector<float> w(layout.total());
    const ModelWeights& mw = model.weights;
    const int64_t dim = c.dim, hidden = c.hiddenDim, q = c.qDim(), kv = c.kvDim();
    const bool half = c.ropeStyle == RopeStyle::Half;
    auto qk = [&](const Tensor& t, int heads) {
        return half ? ropeHalfToInterleaved(t, heads) : t;
    };
    copyInto(mw.tokEmbeddings, c.vocabSize, dim, &w[layout.tokEmbeddings()], where);
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerWeights& L = mw.layers[size_t(l)];
        const LayerParams& P = layout.layer(l);
        copyInto(L.attnNorm, 1, dim, &w[P.attnNorm], where);
        copyInto(qk(L.wq, c.nHeads), q, dim, &w[P.wq], where);
        copyInto(qk(L.wk, c.nKvHeads), kv, dim, &w[P.wk], where);
        copyInto(L.wv, kv, dim, &w[P.wv], where);
        copyInto(L.wo, dim, q, &w[P.wo], where);
        copyInto(L.ffnNorm, 1, dim, &w[P.ffnNorm], where);
        copyInto(L.wGate, hidden, dim, &w[P.wGate], where);
        copyInto(L.wUp, hidden, dim, &w[P.wUp], where);
        copyInto(L.wDown, dim, hidden, &w[P.wDown], where);
    }
    copyInto(mw.finalNorm, 1, dim, &w[layout.finalNorm()], where);
    if (!c.tiedEmbeddings) copyInto(mw.output, c.vocabSize, dim, &w[layout.classifier()], where);
    c.arch = "llama";
    c.ropeStyle = RopeStyle::Interleaved;
    s.config = c;
    s.weights = std::move(w);
    s.m.assign(layout.total(), 0.0f);
    s.v.assign(layout.total(), 0.0f);
    s.step = 0;
    s.cursor = {};
    s.tokenizer = trainingTokenizer(*model.tokenizer);
    for (const auto& [k, v] : model.metadata)
        if (k.rfind("mobiscope.", 0) == 0 || k == "general.name") s.metadata[k] = v;
}

} // namespace mobi
