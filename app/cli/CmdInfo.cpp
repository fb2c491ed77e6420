// `info MODEL`: format, architecture, shapes, tokenizer; --tensors lists them.
#include "CliCommon.h"
#include "ModelStorage.h"

#include "quant/SlicedModel.h"
#include "tokenizer/Tokenizer.h"
#include "util/Json.h"

#include <cstdio>

namespace cli {

namespace {

void addTensor(mobi::Json& arr, const mobi::Tensor& t) {
    if (t.empty()) return;
    mobi::Json::Array shape;
    for (int64_t d : t.shape)
        shape.push_back(mobi::Json(d));
    mobi::Json o(mobi::Json::Object{});
    o.set("name", t.name);
    o.set("dtype", mobi::dtypeName(t.dtype));
    o.set("shape", mobi::Json(shape));
    o.set("bytes", mobi::Json(static_cast<int64_t>(t.nbytes)));
    arr.push(o);
}

mobi::Json slicedJson(const mobi::SlicedModel& s) {
    mobi::Json sj(mobi::Json::Object{});
    mobi::Json widths(mobi::Json::Array{});
    for (int b : s.config.sliceBits)
        widths.push(b);
    sj.set("slice_bits", widths);
    sj.set("group_size", s.config.groupSize);
    sj.set("mode", mobi::sliceModeName(s.config.mode));
    sj.set("source_hash", s.sourceHash);
    mobi::Json levels(mobi::Json::Array{});
    for (int k = 1; k <= s.levels(); ++k) {
        mobi::Json l(mobi::Json::Object{});
        l.set("level", k);
        l.set("bits", s.config.bitsForLevel(k));
        l.set("effective_bits", s.effectiveBits(k));
        l.set("bytes", mobi::Json(static_cast<int64_t>(s.levelBytes(k))));
        levels.push(l);
    }
    sj.set("levels", levels);
    return sj;
}

} // namespace

int runInfo(const std::vector<std::string>& args) {
    ArgParser p("info", "Show a model's format, architecture, hyper-parameters and tokenizer.");
    p.positional("MODEL", "model file or Hugging Face directory (default: the embedded agent model, resources/models/agent.gguf)", false);
    p.option("tokenizer", "FILE", "tokenizer file for formats that keep it apart (llama2.c)");
    p.flag("tensors", "also list every tensor with dtype and shape");
    p.flag("json", "print JSON instead of text");
    if (!p.parse(args)) return 0;
    const mobi::Model m = loadModelArg(p, false);
    const mobi::ModelConfig& c = m.config;

    mobi::Json j(mobi::Json::Object{});
    j.set("path", m.path);
    j.set("format", m.format);
    j.set("arch", c.arch);
    j.set("dim", c.dim);
    j.set("hidden_dim", c.hiddenDim);
    j.set("n_layers", c.nLayers);
    j.set("n_heads", c.nHeads);
    j.set("n_kv_heads", c.nKvHeads);
    j.set("head_dim", c.headDim);
    j.set("vocab_size", c.vocabSize);
    j.set("context_length", c.seqLen);
    j.set("rms_eps", static_cast<double>(c.rmsEps));
    j.set("rope_theta", static_cast<double>(c.ropeTheta));
    j.set("rope_scale", static_cast<double>(c.ropeScale));
    j.set("rope_style", c.ropeStyle == mobi::RopeStyle::Interleaved ? "interleaved" : "half");
    j.set("tied_embeddings", c.tiedEmbeddings);
    j.set("qkv_bias", c.qkvBias);
    j.set("qk_norm", c.qkNorm);
    j.set("parameters", mobi::Json(static_cast<int64_t>(m.parameterCount())));
    j.set("weight_bytes", mobi::Json(static_cast<int64_t>(m.weightBytes())));
    j.set("matrix_dtype", m.sliced ? "sliced" : mobi::dtypeName(m.weights.layers.front().wq.dtype));
    // Whether other GGUF runtimes load the file or it needs mobiscope.
    const ModelStorage storage = modelStorage(m);
    j.set("runtimes", storage.runtimesJson());
    if (m.sliced) j.set("sliced", slicedJson(*m.sliced));
    if (m.tokenizer) {
        mobi::Json t(mobi::Json::Object{});
        t.set("kind", m.tokenizer->kind());
        t.set("vocab_size", m.tokenizer->vocabSize());
        t.set("bos", m.tokenizer->bos());
        t.set("eos", m.tokenizer->eos());
        j.set("tokenizer", t);
    } else {
        j.set("tokenizer", nullptr);
    }
    mobi::Json meta(mobi::Json::Object{});
    for (const auto& [k, v] : m.metadata)
        meta.set(k, v);
    j.set("metadata", meta);
    if (p.flagSet("tensors")) {
        mobi::Json arr(mobi::Json::Array{});
        addTensor(arr, m.weights.tokEmbeddings);
        for (const mobi::LayerWeights& L : m.weights.layers)
            for (const mobi::Tensor* t :
                 {&L.attnNorm, &L.wq, &L.wk, &L.wv, &L.wo, &L.bq, &L.bk, &L.bv, &L.qNorm, &L.kNorm,
                  &L.ffnNorm, &L.wGate, &L.wUp, &L.wDown})
                addTensor(arr, *t);
        addTensor(arr, m.weights.finalNorm);
        addTensor(arr, m.weights.output);
        j.set("tensors", arr);
    }

    if (p.flagSet("json")) {
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("model        %s\n", m.path.c_str());
    std::printf("format       %s\n", m.format.c_str());
    std::printf("arch         %s\n", c.arch.c_str());
    std::printf("dim          %d (head dim %d)\n", c.dim, c.headDim);
    std::printf("hidden       %d\n", c.hiddenDim);
    std::printf("layers       %d\n", c.nLayers);
    std::printf("heads        %d (kv %d)\n", c.nHeads, c.nKvHeads);
    std::printf("vocab        %d\n", c.vocabSize);
    std::printf("context      %d\n", c.seqLen);
    std::printf("rope         theta %g, scale %g, %s pairs\n", c.ropeTheta, c.ropeScale,
                c.ropeStyle == mobi::RopeStyle::Interleaved ? "interleaved" : "half-split");
    std::printf("options      tied embeddings %s, qkv bias %s, q/k norm %s\n",
                c.tiedEmbeddings ? "yes" : "no", c.qkvBias ? "yes" : "no", c.qkNorm ? "yes" : "no");
    std::printf("parameters   %llu (%.2f MB of weights, matrices %s)\n",
                static_cast<unsigned long long>(m.parameterCount()), m.weightBytes() / 1e6,
                m.sliced ? "sliced" : mobi::dtypeName(m.weights.layers.front().wq.dtype));
    std::printf("runtimes     %s\n", storage.runtimesText().c_str());
    if (m.sliced) {
        const mobi::SlicedModel& s = *m.sliced;
        std::printf("sliced       slices %s, group %d, %s mode, source %s\n",
                    s.config.sliceBitsString().c_str(), s.config.groupSize,
                    mobi::sliceModeName(s.config.mode), s.sourceHash.c_str());
        for (int k = 1; k <= s.levels(); ++k)
            std::printf("  level %d    %d bits, %.3f effective bits/weight, %.2f MB of planes\n", k,
                        s.config.bitsForLevel(k), s.effectiveBits(k), s.levelBytes(k) / 1e6);
    }
    if (m.tokenizer)
        std::printf("tokenizer    %s, %d tokens, bos %d, eos %d\n", m.tokenizer->kind(),
                    m.tokenizer->vocabSize(), m.tokenizer->bos(), m.tokenizer->eos());
    else
        std::printf("tokenizer    none found (pass --tokenizer FILE)\n");
    for (const auto& [k, v] : m.metadata)
        std::printf("  %-24s %s\n", k.c_str(), v.c_str());
    if (p.flagSet("tensors"))
        for (const mobi::Json& t : j.find("tensors")->asArray())
            std::printf("  %-36s %-5s %s\n", t.string("name", "").c_str(),
                        t.string("dtype", "").c_str(), t.find("shape")->dump().c_str());
    return 0;
}

} // namespace cli
