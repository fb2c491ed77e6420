// `make-random-model --shape NAME -o OUT.gguf`: real shapes, random weights.
#include "CliCommon.h"

#include "core/Error.h"
#include "io/GgufWriter.h"
#include "model/RandomModel.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace cli {

namespace {

std::string defaultVocab() {
    const char* env = std::getenv("MOBISCOPE_DATA");
    const std::string base = env && *env ? env : "../shared/data";
    return base + "/models/llama2-tokenizer32k/tokenizer.bin";
}

std::shared_ptr<mobi::Tokenizer> loadVocab(const std::string& path, int vocabSize) {
    if (!std::filesystem::exists(path))
        throw mobi::EngineError(path, "vocabulary not found; pass --vocab FILE (a llama2.c "
                                      "tokenizer.bin or a model with a tokenizer)");
    const mobi::ModelFormat f = mobi::detectModelFormat(path);
    if (f == mobi::ModelFormat::Gguf || f == mobi::ModelFormat::HfDirectory) {
        mobi::LoadOptions o;
        o.requireTokenizer = true;
        return mobi::loadModel(path, o).tokenizer;
    }
    return mobi::SentencePieceTokenizer::loadLlama2cFile(path, vocabSize);
}

} // namespace

int runMakeRandomModel(const std::vector<std::string>& args) {
    std::string shapes;
    for (const mobi::ModelShape& s : mobi::knownModelShapes())
        shapes += (shapes.empty() ? "" : ", ") + s.name;
    ArgParser p("make-random-model",
                "Write a LLaMA-shaped GGUF with random weights (std 0.02) and a real vocabulary,\n"
                "for benchmarks at real sizes. Shapes: " +
                    shapes + ".");
    p.option("shape", "NAME", "model shape", "tinyllama-1.1b");
    p.option("output", "OUT.gguf", "output file (required)", "", "-o");
    p.option("vocab", "FILE",
             "vocabulary: llama2.c tokenizer.bin or a model with a tokenizer "
             "(default: $MOBISCOPE_DATA/models/llama2-tokenizer32k/tokenizer.bin)");
    p.option("type", "T", "matrix type: f16, bf16 or f32", "f16");
    p.option("seed", "S", "random seed", "1");
    p.option("threads", "N", "CPU threads, 0 = all cores", "0", "-t");
    if (!p.parse(args)) return 0;
    if (!p.has("output")) throw UsageError("-o OUT.gguf is required");
    const mobi::ModelShape& shape = mobi::findModelShape(p.get("shape"));
    const std::string t = p.get("type");
    mobi::DType type;
    if (t == "f16")
        type = mobi::DType::F16;
    else if (t == "bf16")
        type = mobi::DType::BF16;
    else if (t == "f32")
        type = mobi::DType::F32;
    else
        throw UsageError("--type: expected f16, bf16 or f32, got '" + t + "'");
    const uint64_t seed = static_cast<uint64_t>(p.getInt64("seed", 0, INT64_MAX));
    const int threads = threadsOption(p);
    const std::string vocabPath = p.has("vocab") ? p.get("vocab") : defaultVocab();

    const auto t0 = std::chrono::steady_clock::now();
    auto tok = loadVocab(vocabPath, shape.config.vocabSize);
    std::fprintf(stderr, "generating %s (%s, %d layers, dim %d) ...\n", shape.name.c_str(),
                 t.c_str(), shape.config.nLayers, shape.config.dim);
    const mobi::Model m = mobi::makeRandomModel(shape, tok, seed, type, threads);
    mobi::GgufWriteOptions o;
    o.matrixType = type;
    mobi::saveGguf(m, p.get("output"), o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "wrote %s: %.1fM parameters, %.2f GB, %.1f s\n", p.get("output").c_str(),
                 m.parameterCount() / 1e6, m.weightBytes() / 1e9, s);
    return 0;
}

} // namespace cli
