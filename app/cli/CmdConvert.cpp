// `convert IN OUT`: re-save a model as GGUF or as a Hugging Face directory;
// a level of a sliced (or routed) model as a dense, standard model.
#include "CliCommon.h"
#include "ModelStorage.h"

#include "io/GgufWriter.h"
#include "io/HfWriter.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"

#include <cstdio>

namespace cli {

namespace {

mobi::DType parseType(const std::string& s) {
    if (s == "f32" || s == "F32") return mobi::DType::F32;
    if (s == "f16" || s == "F16") return mobi::DType::F16;
    if (s == "bf16" || s == "BF16") return mobi::DType::BF16;
    if (s == "q8_0" || s == "Q8_0") return mobi::DType::Q8_0;
    throw UsageError("--type: expected f32, f16, bf16 or q8_0, got '" + s + "'");
}

// The level to export densely (0: none). Every refusal comes before
// anything is written, so no file is left behind.
int exportLevel(const ArgParser& p, const mobi::Model& m, const std::string& to) {
    const std::string& in = m.path;
    if (p.has("budget")) {
        if (!m.routers)
            throw UsageError("--budget: " + in +
                             " has no routers, and convert writes uniform levels: use --level K "
                             "or --bits B (levels: " +
                             availableLevels(m) + ")");
        throw UsageError("--budget: a routed budget is a per-token precision (the routers pick "
                         "each token's level as the model runs), which no dense file can hold; "
                         "export one uniform level with --level K or --bits B (levels: " +
                         availableLevels(m) + "), or keep the routers with --keep-sliced");
    }
    const int level = levelOption(p, m);
    const bool keep = p.flagSet("keep-sliced");
    if (keep && level > 0)
        throw UsageError("give --level/--bits (a dense model) or --keep-sliced (a sliced copy), "
                         "not both");
    if (keep && !m.sliced) throw UsageError("--keep-sliced: " + in + " is not a sliced model");
    if (keep && to == "hf")
        throw UsageError("--keep-sliced: a Hugging Face directory has no place for bit-planes; "
                         "export a level with --level K");
    if (m.sliced && level == 0 && !keep)
        throw UsageError(
            in + " is " + (m.routers ? "a routed" : "a sliced") +
            " model: choose the level to write as a dense model with --level K or "
            "--bits B (levels: " +
            availableLevels(m) +
            "), or --keep-sliced to copy the bit-planes (a file only mobiscope reads)");
    return level;
}

void printReport(const ModelStorage& s, const mobi::Model& in, int level, bool json) {
    if (json) {
        mobi::Json j = s.json();
        if (level > 0) {
            j.set("level", level);
            j.set("bits", in.sliced->config.bitsForLevel(level));
        }
        std::printf("%s\n", j.dump(2).c_str());
        return;
    }
    std::string what = s.format + ", matrices " + s.matricesText();
    if (!s.sliceBits.empty()) {
        std::string bits;
        for (int b : s.sliceBits)
            bits += (bits.empty() ? "" : ",") + std::to_string(b);
        what += ", MoBiSlice levels kept (slices " + bits + ")";
    } else if (level > 0) {
        what += ", dense: level " + std::to_string(level) + " (" +
                std::to_string(in.sliced->config.bitsForLevel(level)) + " bits) of " + in.path;
    }
    if (s.routers) what += ", routers kept";
    what += s.tokenizer.empty() ? ", no tokenizer" : ", tokenizer " + s.tokenizer;
    std::fprintf(stderr, "wrote %s (%s)\n", s.path.c_str(), what.c_str());
    if (s.format == "gguf") std::fprintf(stderr, "  %s\n", s.runtimesText().c_str());
}

} // namespace

int runConvert(const std::vector<std::string>& args) {
    ArgParser p("convert",
                "Convert IN (any supported format) to OUT: a GGUF file when OUT ends in .gguf\n"
                "or --to gguf, otherwise a Hugging Face directory (config.json,\n"
                "model.safetensors, tokenizer.json). Norms and biases stay F32.\n"
                "A sliced (or routed) IN needs --level K or --bits B: OUT is then a dense model\n"
                "holding that level, with standard tensors and keys only (llama.cpp loads it);\n"
                "--keep-sliced copies the bit-planes (and routers) instead. What was written is\n"
                "read back from OUT and reported.");
    p.positional("IN", "model file or Hugging Face directory");
    p.positional("OUT", "output .gguf file or directory");
    p.option("to", "FORMAT", "gguf or hf (default: from OUT's name)");
    p.option("type", "T", "type of weight matrices: f32, f16, bf16, or q8_0 (GGUF only)", "f32");
    p.option("tokenizer", "FILE", "tokenizer file for formats that keep it apart (llama2.c)");
    p.option("level", "K", "sliced IN: write a dense model holding level K (1..levels)");
    p.option("bits", "B", "sliced IN: write a dense model holding the level with B bits");
    p.flag("keep-sliced", "sliced IN: copy the bit-planes (and routers) as they are");
    p.option("budget", "B",
             "refused: a routed budget picks a level per token, which has no dense equivalent "
             "(use --level)");
    p.flag("json", "print what was written (read back from OUT) as JSON");
    if (!p.parse(args)) return 0;
    const std::string out = p.get("OUT");
    std::string to = p.get("to");
    if (to.empty()) to = out.size() > 5 && out.substr(out.size() - 5) == ".gguf" ? "gguf" : "hf";
    if (to != "gguf" && to != "hf") throw UsageError("--to: expected gguf or hf, got '" + to + "'");
    const mobi::DType type = parseType(p.get("type"));
    if (type == mobi::DType::Q8_0 && to == "hf")
        throw UsageError("--type q8_0: safetensors has no Q8_0; write a .gguf or use f32/f16/bf16");

    mobi::LoadOptions lo;
    lo.tokenizerPath = p.get("tokenizer");
    const mobi::Model m = mobi::loadModel(p.get("IN"), lo);
    const int level = exportLevel(p, m, to);
    if (to == "gguf") {
        mobi::GgufWriteOptions o;
        o.matrixType = type;
        o.denseLevel = level;
        mobi::saveGguf(m, out, o);
    } else {
        mobi::HfWriteOptions o;
        o.matrixType = type;
        mobi::saveHfDirectory(level > 0 ? mobi::denseModelAtLevel(m, level) : m, out, o);
    }
    printReport(modelStorage(mobi::loadModel(out)), m, level, p.flagSet("json"));
    return 0;
}

} // namespace cli
