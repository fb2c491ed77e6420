// `sweep MODEL --text FILE`: quality of every MoBiSlice level (nested and
// residual) against full precision and the bit-specific RTN baseline.
#include "CliCommon.h"
#include "Precision.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "eval/Perplexity.h"
#include "model/Model.h"
#include "quant/RtnQuantizer.h"
#include "quant/SlicedModel.h"
#include "route/RoutingStats.h"
#include "slicing/ModelSlicing.h"
#include "tokenizer/Tokenizer.h"
#include "util/Json.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

namespace cli {

mobi::SliceConfig sliceConfigOptions(const ArgParser& p);
void addSliceOptions(ArgParser& p);

namespace {

struct Row {
    std::string method; // fp, nested, residual, rtn
    int level = 0;      // 0 for fp / rtn
    int bits = 0;       // 0 for fp
    double effBits = 0;
    double ppl = 0;
    double meanError = 0;
    std::vector<double> layerError; // mean over the block's 7 linears
    double budget = NAN;            // routed rows: requested average bits
    double achievedBits = NAN;      // routed rows: achieved average bits
    std::vector<double> layerBits;  // routed rows: average bits per block
};

double perplexityOf(const mobi::Model& m, int level, const std::vector<int>& tokens, int ctx,
                    int threads) {
    mobi::Transformer t(m, threads, ctx);
    mobi::applyPrecision(t, mobi::Precision::uniform(level));
    mobi::PerplexityOptions o;
    o.ctx = ctx;
    o.bos = m.tokenizer->bos();
    return mobi::perplexity(t, tokens, o).ppl;
}

// The RTN baseline at `bits`: every block linear quantized at that width
// (same group size and clipping search), dequantized to F32 in a model copy.
Row rtnRow(const mobi::Model& src, int bits, int group, mobi::ThreadPool& pool,
           const std::vector<int>& tokens, int ctx, int threads) {
    mobi::Model m = src;
    m.sliced.reset();
    m.routers.reset();
    mobi::RtnQuantizer::Options o;
    o.bits = bits;
    o.groupSize = group;
    Row r;
    r.method = "rtn";
    r.bits = bits;
    double bitsSum = 0, params = 0, errSum = 0;
    int nMat = 0;
    for (mobi::LayerWeights& L : m.weights.layers) {
        double layerErr = 0;
        for (mobi::Tensor* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown}) {
            const mobi::RtnQuantizer q = mobi::RtnQuantizer::quantize(*t, o, nullptr, &pool);
            const double n = static_cast<double>(q.rows() * q.cols());
            bitsSum += q.effectiveBits() * n;
            params += n;
            errSum += q.reconstructionError();
            layerErr += q.reconstructionError();
            ++nMat;
            *t = mobi::Tensor::fromF32(t->name, t->shape, q.dequantize());
        }
        r.layerError.push_back(layerErr / 7);
    }
    r.effBits = bitsSum / params;
    r.meanError = errSum / nMat;
    r.ppl = perplexityOf(m, 0, tokens, ctx, threads);
    return r;
}

std::vector<Row> slicedRows(const mobi::Model& m, const std::vector<int>& tokens, int ctx,
                            int threads) {
    std::vector<Row> rows;
    const mobi::SlicedModel& s = *m.sliced;
    for (int k = 1; k <= s.levels(); ++k) {
        Row r;
        r.method = mobi::sliceModeName(s.config.mode);
        r.level = k;
        r.bits = s.config.bitsForLevel(k);
        r.effBits = s.effectiveBits(k);
        r.meanError = s.meanReconstructionError(k);
        for (const mobi::SlicedLayer& L : s.layers) {
            double e = 0;
            for (const mobi::SlicedMatrix* x : L.all())
                e += x->reconstructionError(k);
            r.layerError.push_back(e / 7);
        }
        r.ppl = perplexityOf(m, k, tokens, ctx, threads);
        rows.push_back(std::move(r));
        std::fprintf(stderr, "\r%s level %d/%d done", rows.back().method.c_str(), k, s.levels());
        std::fflush(stderr);
    }
    std::fprintf(stderr, "\n");
    return rows;
}

} // namespace

// The routers at the --budget of a routed model, as one row.
Row routedRow(const mobi::Model& m, const Precision& prec, const std::vector<int>& tokens, int ctx,
              int threads) {
    mobi::Transformer t(m, threads, ctx);
    prec.apply(t);
    mobi::PerplexityOptions o;
    o.ctx = ctx;
    o.bos = m.tokenizer->bos();
    Row r;
    r.method = "routed";
    r.ppl = mobi::perplexity(t, tokens, o).ppl;
    r.budget = prec.budget;
    r.achievedBits = prec.stats->averageBits();
    for (int l = 0; l < prec.stats->layers(); ++l)
        r.layerBits.push_back(prec.stats->layerAverageBits(l));
    // Effective bits: the levels' scale overhead at the achieved mix.
    const mobi::SlicedModel& s = *m.sliced;
    double eff = 0;
    for (int k = 1; k <= s.levels(); ++k)
        eff += s.effectiveBits(k) * prec.stats->levelShare(k);
    r.effBits = eff;
    r.meanError = NAN;
    return r;
}

// Full precision, every level sliced in both modes, and RTN at each level's bits.
std::vector<Row> denseRows(const mobi::Model& m, const mobi::SliceConfig& base,
                           const std::vector<int>& tokens, int ctx, int threads,
                           mobi::ThreadPool& pool) {
    std::vector<Row> rows;
    Row fp;
    fp.method = "fp";
    fp.bits = 0;
    fp.ppl = perplexityOf(m, 0, tokens, ctx, threads);
    fp.effBits = 8.0 * mobi::dtypeBytes(m.weights.layers[0].wq.dtype, 1024) / 1024;
    rows.push_back(fp);
    for (mobi::SliceMode mode : {mobi::SliceMode::Nested, mobi::SliceMode::Residual}) {
        mobi::SliceConfig cfg = base;
        cfg.mode = mode;
        mobi::Model sm = m;
        sm.sliced = std::make_shared<mobi::SlicedModel>(
            mobi::sliceModel(m, cfg, nullptr, pool, [&](int l, int n) {
                std::fprintf(stderr, "\rslicing %s layer %d/%d", mobi::sliceModeName(mode), l,
                             n);
            }));
        std::fprintf(stderr, "\n");
        for (Row& r : slicedRows(sm, tokens, ctx, threads))
            rows.push_back(std::move(r));
    }
    std::set<int> bits;
    for (int k = 1; k <= base.levels(); ++k)
        bits.insert(base.bitsForLevel(k));
    for (int b : bits) {
        if (b > 8) continue; // RTN codes are bytes
        rows.push_back(rtnRow(m, b, base.groupSize, pool, tokens, ctx, threads));
        std::fprintf(stderr, "rtn %d bits done\n", b);
    }
    return rows;
}

int runSweep(const std::vector<std::string>& args) {
    ArgParser p("sweep",
                "Perplexity, bits per weight (scale overhead included) and mean per-layer\n"
                "relative reconstruction error of full precision, every level of MODEL sliced\n"
                "in nested and residual mode, and the bit-specific RTN baseline at each level's\n"
                "bits (same group size). A sliced MODEL reports its own levels only; a routed\n"
                "one, with --budget B, also the routers at that budget (achieved bits).");
    p.positional("MODEL", "model file or Hugging Face directory");
    p.option("text", "FILE", "text file to score (required)");
    p.option("ctx", "N", "perplexity chunk length, 0 = the model's context", "0", "-c");
    addSliceOptions(p);
    addModelOptions(p);
    addBudgetOptions(p);
    p.flag("json", "print JSON");
    if (!p.parse(args)) return 0;
    if (!p.has("text")) throw UsageError("--text FILE is required");
    const mobi::SliceConfig base = sliceConfigOptions(p);
    int ctx = p.getInt("ctx", 0, 1 << 20);
    const int threads = threadsOption(p);
    const bool json = p.flagSet("json");
    const std::string text = readTextFile(p.get("text"));
    const mobi::Model m = loadModelArg(p, true);
    if (ctx == 0) ctx = m.config.seqLen > 0 ? m.config.seqLen : 2048;
    if (ctx < 4) throw UsageError("--ctx must be at least 4");
    const std::vector<int> tokens = m.tokenizer->encode(text, true);
    if (static_cast<int>(tokens.size()) < ctx)
        throw mobi::EngineError(p.get("text"), "has " + std::to_string(tokens.size()) +
                                                   " tokens, fewer than one chunk of --ctx " +
                                                   std::to_string(ctx));

    std::vector<Row> rows;
    mobi::ThreadPool pool(threads);
    const Precision prec = precisionOption(p, m); // --budget: a routed MODEL only
    if (m.sliced) {
        rows = slicedRows(m, tokens, ctx, threads);
        if (prec.routed()) rows.push_back(routedRow(m, prec, tokens, ctx, threads));
    } else {
        rows = denseRows(m, base, tokens, ctx, threads, pool);
    }

    const double fpPpl = rows.front().method == "fp" ? rows.front().ppl : NAN;
    if (json) {
        mobi::Json j(mobi::Json::Object{});
        j.set("model", m.path);
        j.set("text", p.get("text"));
        j.set("ctx", ctx);
        j.set("text_tokens", static_cast<int>(tokens.size()));
        j.set("slices", (m.sliced ? m.sliced->config : base).sliceBitsString());
        j.set("group_size", (m.sliced ? m.sliced->config : base).groupSize);
        mobi::Json arr(mobi::Json::Array{});
        for (const Row& r : rows) {
            mobi::Json o(mobi::Json::Object{});
            o.set("method", r.method);
            if (r.level > 0) o.set("level", r.level);
            o.set("bits", r.bits);
            o.set("effective_bits", r.effBits);
            o.set("perplexity", r.ppl);
            if (!std::isnan(fpPpl)) o.set("ppl_vs_fp", r.ppl / fpPpl);
            if (r.method == "routed") {
                o.set("budget", r.budget);
                o.set("allocation", mobi::budgetAllocationName(prec.allocation));
                o.set("achieved_bits", r.achievedBits);
                mobi::Json lb(mobi::Json::Array{});
                for (double b : r.layerBits)
                    lb.push(mobi::Json(b));
                o.set("layer_bits", lb);
            } else if (r.method != "fp") {
                if (std::isfinite(r.meanError)) o.set("mean_rel_error", r.meanError);
                mobi::Json le(mobi::Json::Array{});
                for (double e : r.layerError)
                    le.push(std::isfinite(e) ? mobi::Json(e) : mobi::Json(nullptr));
                o.set("layer_rel_error", le);
            }
            arr.push(o);
        }
        j.set("rows", arr);
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf(
        "| method | level | bits | bits/weight (with scales) | perplexity | vs FP | mean rel. "
        "error |\n|---|---|---|---|---|---|---|\n");
    for (const Row& r : rows) {
        const std::string lvl = r.level > 0 ? std::to_string(r.level) : "-";
        char routedBits[48] = "";
        if (r.method == "routed")
            std::snprintf(routedBits, sizeof routedBits, "%.3f (budget %g)", r.achievedBits,
                          r.budget);
        const std::string bits = r.bits > 0             ? std::to_string(r.bits)
                                 : r.method == "routed" ? std::string(routedBits)
                                                        : "-";
        char vs[32] = "-", err[32] = "-";
        if (!std::isnan(fpPpl)) std::snprintf(vs, sizeof vs, "%+.2f%%", 100 * (r.ppl / fpPpl - 1));
        if (r.method != "fp" && std::isfinite(r.meanError))
            std::snprintf(err, sizeof err, "%.4f", r.meanError);
        std::printf("| %s | %s | %s | %.3f | %.4f | %s | %s |\n", r.method.c_str(), lvl.c_str(),
                    bits.c_str(), r.effBits, r.ppl, vs, err);
    }
    return 0;
}

} // namespace cli
