#include "ModelStorage.h"

#include "io/GgufFile.h"
#include "io/GgufPortability.h"
#include "quant/SlicedModel.h"
#include "tokenizer/Tokenizer.h"

namespace cli {

namespace {

void countMatrix(std::vector<std::pair<std::string, int>>& counts, const std::string& type) {
    for (auto& [name, n] : counts)
        if (name == type) {
            ++n;
            return;
        }
    counts.emplace_back(type, 1);
}

std::string joined(const std::vector<std::string>& parts) {
    std::string s;
    for (const std::string& p : parts)
        s += (s.empty() ? "" : ", ") + p;
    return s;
}

mobi::Json stringArray(const std::vector<std::string>& v) {
    mobi::Json a(mobi::Json::Array{});
    for (const std::string& s : v)
        a.push(s);
    return a;
}

} // namespace

ModelStorage modelStorage(const mobi::Model& m) {
    ModelStorage s;
    s.path = m.path;
    s.format = m.format;
    const mobi::ModelWeights& w = m.weights;
    auto matrix = [&](const mobi::Tensor& t) {
        if (!t.empty()) countMatrix(s.matrices, mobi::dtypeName(t.dtype));
    };
    matrix(w.tokEmbeddings);
    if (!m.config.tiedEmbeddings) matrix(w.output);
    for (const mobi::LayerWeights& L : w.layers)
        for (const mobi::Tensor* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown}) {
            if (m.sliced)
                countMatrix(s.matrices, "bit-planes");
            else
                matrix(*t);
        }
    if (m.sliced) s.sliceBits = m.sliced->config.sliceBits;
    s.routers = m.routers != nullptr;
    if (m.tokenizer)
        s.tokenizer = std::string(m.tokenizer->kind()) + ", " +
                      std::to_string(m.tokenizer->vocabSize()) + " tokens";
    if (m.format == "gguf") {
        const mobi::GgufPortability p = mobi::checkGgufPortability(mobi::GgufFile::open(m.path));
        s.standardGguf = p.standard();
        s.needsMobiscope = p.needsMobiscope;
        s.problems = p.problems;
    }
    return s;
}

std::string ModelStorage::matricesText() const {
    std::string t;
    for (const auto& [type, n] : matrices)
        t += (t.empty() ? "" : ", ") + type + " x " + std::to_string(n);
    return t;
}

std::string ModelStorage::runtimesText() const {
    if (format != "gguf")
        return "not a GGUF file (" + format +
               "); `mobiscope-cli convert MODEL OUT.gguf` writes one that llama.cpp and other "
               "GGUF runtimes load";
    if (standardGguf) return "standard GGUF: loads in llama.cpp and other GGUF runtimes";
    std::string t;
    if (!needsMobiscope.empty()) {
        t = "needs mobiscope (" + joined(needsMobiscope) + ")";
        if (!sliceBits.empty())
            t += "; `mobiscope-cli convert MODEL OUT.gguf --level K` exports a level as a standard "
                 "GGUF";
    }
    if (!problems.empty())
        t += (t.empty() ? "not loadable by other GGUF runtimes: " : "; also ") + joined(problems);
    return t;
}

mobi::Json ModelStorage::runtimesJson() const {
    mobi::Json j(mobi::Json::Object{});
    j.set("standard_gguf", standardGguf);
    j.set("needs_mobiscope", stringArray(needsMobiscope));
    j.set("problems", stringArray(problems));
    j.set("summary", runtimesText());
    return j;
}

mobi::Json ModelStorage::json() const {
    mobi::Json j(mobi::Json::Object{});
    j.set("path", path);
    j.set("format", format);
    mobi::Json mats(mobi::Json::Object{});
    for (const auto& [type, n] : matrices)
        mats.set(type, n);
    j.set("matrices", mats);
    if (sliceBits.empty()) {
        j.set("slice_bits", nullptr);
    } else {
        mobi::Json bits(mobi::Json::Array{});
        for (int b : sliceBits)
            bits.push(b);
        j.set("slice_bits", bits);
    }
    j.set("routers", routers);
    if (tokenizer.empty())
        j.set("tokenizer", nullptr);
    else
        j.set("tokenizer", tokenizer);
    j.set("runtimes", runtimesJson());
    return j;
}

} // namespace cli
