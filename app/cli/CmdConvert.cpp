// `convert IN OUT`: re-save a model as GGUF or as a Hugging Face directory.
#include "CliCommon.h"

#include "io/GgufWriter.h"
#include "io/HfWriter.h"

#include <cstdio>

namespace cli {

namespace {

mobi::DType parseType(const std::string& s) {
    if (s == "f32" || s == "F32") return mobi::DType::F32;
    if (s == "f16" || s == "F16") return mobi::DType::F16;
    if (s == "bf16" || s == "BF16") return mobi::DType::BF16;
    throw UsageError("--type: expected f32, f16 or bf16, got '" + s + "'");
}

} // namespace

int runConvert(const std::vector<std::string>& args) {
    ArgParser p("convert",
                "Convert IN (any supported format) to OUT: a GGUF file when OUT ends in .gguf\n"
                "or --to gguf, otherwise a Hugging Face directory (config.json,\n"
                "model.safetensors, tokenizer.json). Norms and biases stay F32.");
    p.positional("IN", "model file or Hugging Face directory");
    p.positional("OUT", "output .gguf file or directory");
    p.option("to", "FORMAT", "gguf or hf (default: from OUT's name)");
    p.option("type", "T", "type of weight matrices: f32, f16 or bf16", "f32");
    p.option("tokenizer", "FILE", "tokenizer file for formats that keep it apart (llama2.c)");
    if (!p.parse(args)) return 0;
    const std::string out = p.get("OUT");
    std::string to = p.get("to");
    if (to.empty()) to = out.size() > 5 && out.substr(out.size() - 5) == ".gguf" ? "gguf" : "hf";
    if (to != "gguf" && to != "hf") throw UsageError("--to: expected gguf or hf, got '" + to + "'");
    const mobi::DType type = parseType(p.get("type"));

    mobi::LoadOptions lo;
    lo.tokenizerPath = p.get("tokenizer");
    const mobi::Model m = mobi::loadModel(p.get("IN"), lo);
    if (to == "gguf") {
        mobi::GgufWriteOptions o;
        o.matrixType = type;
        mobi::saveGguf(m, out, o);
    } else {
        mobi::HfWriteOptions o;
        o.matrixType = type;
        mobi::saveHfDirectory(m, out, o);
    }
    std::fprintf(stderr, "wrote %s (%s, matrices %s%s)\n", out.c_str(), to.c_str(),
                 mobi::dtypeName(type), m.tokenizer ? ", with tokenizer" : ", no tokenizer");
    return 0;
}

} // namespace cli
