// `slice MODEL -o OUT.gguf`: MoBiSlice every block linear into one sliced GGUF.
#include "CliCommon.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "io/GgufWriter.h"
#include "model/Model.h"
#include "quant/SlicedModel.h"
#include "slicing/ModelSlicing.h"
#include "tokenizer/Tokenizer.h"

#include <cstdio>
#include <filesystem>
#include <memory>

namespace cli {

// Shared with `sweep`: --slices/--group/--mode into a validated SliceConfig.
mobi::SliceConfig sliceConfigOptions(const ArgParser& p) {
    mobi::SliceConfig cfg;
    cfg.sliceBits = mobi::SliceConfig::parseSliceBits(p.get("slices"), "--slices");
    cfg.groupSize = p.getInt("group", -(1 << 30), 1 << 30);
    cfg.mode = mobi::parseSliceMode(p.get("mode"), "--mode");
    const std::string clip = p.get("clip");
    if (clip == "all")
        cfg.clipObjective = mobi::SliceConfig::ClipObjective::AllLevels;
    else if (clip == "level1")
        cfg.clipObjective = mobi::SliceConfig::ClipObjective::Level1;
    else
        throw UsageError("--clip must be all or level1, not '" + clip + "'");
    cfg.validate("--slices/--group");
    return cfg;
}

void addSliceOptions(ArgParser& p) {
    p.option("slices", "B1,B2,..", "slice widths; level k uses the first k", "2,1,1,1");
    p.option("group", "G", "input columns per scale group (multiple of 16)", "128");
    p.option("mode", "M", "nested (no new scales) or residual (scales per slice)", "nested");
    p.option("clip", "OBJ",
             "nested slice 1 clipping minimises the error of all levels (all) or of level 1 "
             "(level1)",
             "all");
}

int runSlice(const std::vector<std::string>& args) {
    ArgParser p("slice",
                "Decompose every block linear of MODEL (attention q/k/v/o, MLP gate/up/down)\n"
                "into MoBiSlice bit-slices and write one self-contained sliced GGUF: bit-planes,\n"
                "scales, tokenizer, embeddings and `mobiquant.*` metadata.");
    p.positional("MODEL", "model file or Hugging Face directory");
    p.option("output", "FILE", "sliced GGUF to write (required)", "", "-o");
    addSliceOptions(p);
    p.option("calib", "FILE", "text whose activations weight the clipping search");
    p.option("calib-tokens", "N", "tokens of --calib to use", "4096");
    p.option("matrix-type", "T",
             "type of the embeddings/classifier: F32, F16 or Q8_0 (8.5 bits; with --act int8 "
             "the classifier then runs on int8 activations too)",
             "F16");
    addModelOptions(p);
    if (!p.parse(args)) return 0;
    if (!p.has("output") || p.get("output").empty()) throw UsageError("-o OUT.gguf is required");
    const mobi::SliceConfig cfg = sliceConfigOptions(p);
    const int calibTokens = p.getInt("calib-tokens", 1, 1 << 24);
    const std::string mt = p.get("matrix-type");
    if (mt != "F32" && mt != "F16" && mt != "Q8_0")
        throw UsageError("--matrix-type must be F32, F16 or Q8_0, not '" + mt + "'");
    const int threads = threadsOption(p);

    mobi::Model m = loadModelArg(p, p.has("calib"));
    if (m.sliced)
        throw mobi::EngineError(m.path, "is already sliced (slices " +
                                            m.sliced->config.sliceBitsString() + ")");
    std::unique_ptr<mobi::CalibrationStats> calib;
    if (p.has("calib")) {
        std::vector<int> tokens = m.tokenizer->encode(readTextFile(p.get("calib")), true);
        if (static_cast<int>(tokens.size()) > calibTokens) tokens.resize(calibTokens);
        const int ctx = m.config.seqLen > 0 ? std::min(m.config.seqLen, 2048) : 2048;
        std::fprintf(stderr, "calibrating on %zu tokens of %s\n", tokens.size(),
                     p.get("calib").c_str());
        calib = std::make_unique<mobi::CalibrationStats>(
            mobi::collectCalibration(m, tokens, ctx, threads));
    }
    mobi::ThreadPool pool(threads);
    m.sliced = std::make_shared<mobi::SlicedModel>(
        mobi::sliceModel(m, cfg, calib.get(), pool, [](int layer, int n) {
            std::fprintf(stderr, "\rslicing layer %d/%d", layer, n);
            std::fflush(stderr);
        }));
    std::fprintf(stderr, "\n");
    mobi::GgufWriteOptions wo;
    wo.matrixType = mt == "F32"    ? mobi::DType::F32
                    : mt == "Q8_0" ? mobi::DType::Q8_0
                                   : mobi::DType::F16;
    const std::string out = p.get("output");
    mobi::saveGguf(m, out, wo);
    const mobi::SlicedModel& s = *m.sliced;
    std::printf("wrote %s (%.2f MB): slices %s, group %d, %s mode, source %s\n", out.c_str(),
                std::filesystem::file_size(out) / 1e6, cfg.sliceBitsString().c_str(), cfg.groupSize,
                mobi::sliceModeName(cfg.mode), s.sourceHash.c_str());
    for (int k = 1; k <= s.levels(); ++k)
        std::printf("  level %d: %d bits, %.3f effective bits/weight, mean rel. error %.4f\n", k,
                    cfg.bitsForLevel(k), s.effectiveBits(k), s.meanReconstructionError(k));
    return 0;
}

} // namespace cli
