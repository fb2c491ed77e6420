// `route calibrate SLICED --text FILE -o ROUTED.gguf` and
// `route eval ROUTED --text FILE --budgets ...`: MoBiRoute's routers.
#include "CliCommon.h"

#include "core/Error.h"
#include "eval/Perplexity.h"
#include "io/GgufWriter.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "route/BlockErrors.h"
#include "route/LinearErrors.h"
#include "route/OutputKl.h"
#include "route/RandomPolicy.h"
#include "route/RouterCalibration.h"
#include "route/RouterPolicy.h"
#include "route/RoutingStats.h"
#include "slicing/ModelSlicing.h"
#include "tokenizer/Tokenizer.h"
#include "util/Json.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <unistd.h>

namespace cli {

namespace {

std::vector<int> levelBitsOf(const mobi::Model& m) {
    std::vector<int> b;
    for (int k = 1; k <= m.sliced->levels(); ++k)
        b.push_back(m.sliced->config.bitsForLevel(k));
    return b;
}

void requireSliced(const mobi::Model& m) {
    if (!m.sliced)
        throw UsageError(m.path + " is not a sliced model (make one with `mobiscope-cli slice`)");
    if (m.sliced->levels() < 2)
        throw UsageError(m.path + " has a single level (slices " +
                         m.sliced->config.sliceBitsString() + "): nothing to route");
}

// Tokens of --text after --skip-tokens, at most --tokens of them.
std::vector<int> textTokens(const ArgParser& p, const mobi::Model& m) {
    std::vector<int> all = m.tokenizer->encode(readTextFile(p.get("text")), true);
    const int skip = p.getInt("skip-tokens", 0, 1 << 30);
    const int max = p.getInt("tokens", 1, 1 << 30);
    if (static_cast<size_t>(skip) >= all.size())
        throw mobi::EngineError(p.get("text"), "has " + std::to_string(all.size()) +
                                                   " tokens, --skip-tokens skips them all");
    std::vector<int> t(all.begin() + skip, all.end());
    if (static_cast<int>(t.size()) > max) t.resize(static_cast<size_t>(max));
    return t;
}

// The full-precision reference: --reference DENSE (checked against the
// slices' source hash), else the sliced model's top level.
std::unique_ptr<mobi::Model> referenceModel(const ArgParser& p, const mobi::Model& m) {
    if (!p.has("reference")) return nullptr;
    mobi::LoadOptions o;
    o.tokenizerPath = p.get("tokenizer");
    auto ref = std::make_unique<mobi::Model>(mobi::loadModel(p.get("reference"), o));
    if (ref->sliced) throw UsageError("--reference must be the dense model, not a sliced one");
    const std::string hash = mobi::sourceWeightHash(*ref);
    if (!m.sliced->sourceHash.empty() && hash != m.sliced->sourceHash)
        throw UsageError("--reference " + ref->path + " (weights " + hash +
                         ") is not the model these slices were made from (" + m.sliced->sourceHash +
                         ")");
    return ref;
}

mobi::ErrorMeasure errorMeasureOption(const ArgParser& p) {
    try {
        return mobi::parseErrorMeasure(p.get("error"), "--error");
    } catch (const mobi::EngineError& e) {
        throw UsageError("--error " + e.problem());
    }
}

void progressLine(const char* what, int done, int total) {
    if (!isatty(fileno(stderr))) return;
    std::fprintf(stderr, "\r%s %d/%d", what, done, total);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
}

mobi::RouterCalibrationOptions calibrationOptions(const ArgParser& p, int threads) {
    mobi::RouterCalibrationOptions co;
    co.train.hidden = p.getInt("hidden", 1, 4096);
    co.train.epochs = p.getInt("epochs", 1, 100000);
    co.train.batch = p.getInt("batch", 1, 1 << 20);
    co.train.lr = static_cast<float>(p.getDouble("lr", 1e-7, 1.0));
    co.train.seed = static_cast<uint64_t>(p.getInt64("seed", 0, INT64_MAX));
    co.tablePoints = p.getInt("table-points", 3, 1 << 16);
    co.measure = errorMeasureOption(p);
    co.power = p.getDouble("error-power", 0.01, 100);
    co.threads = threads;
    return co;
}

mobi::Json calibrationLayersJson(const mobi::RouterCalibrationReport& rep) {
    mobi::Json layers(mobi::Json::Array{});
    for (size_t l = 0; l < rep.layers.size(); ++l) {
        mobi::Json o(mobi::Json::Object{});
        o.set("validation_loss", rep.layers[l].validationLoss);
        o.set("baseline_loss", rep.layers[l].baselineLoss);
        o.set("rank_correlation", rep.rankCorrelation[l]);
        layers.push(o);
    }
    return layers;
}

// Writes the sliced model with its routers, keeping the sliced file's
// embeddings/classifier type (Q8_0 stays Q8_0).
void saveRouted(const mobi::Model& m, const std::string& out) {
    mobi::GgufWriteOptions wo;
    const mobi::DType et = m.weights.tokEmbeddings.dtype;
    wo.matrixType = et == mobi::DType::F32 || et == mobi::DType::BF16 || et == mobi::DType::Q8_0
                        ? et
                        : mobi::DType::F16;
    mobi::saveGguf(m, out, wo);
}

int runCalibrate(const std::vector<std::string>& args) {
    ArgParser p("route calibrate",
                "Calibrate MoBiRoute routers for a sliced model: per token, block and level,\n"
                "the block's output error against full precision on --text; one small MLP per\n"
                "block trained to predict the error each optional slice removes per bit; then\n"
                "the budget tables (global and per block) that turn any target average bits\n"
                "into thresholds. Writes the sliced model plus routers to -o.");
    p.positional("MODEL", "sliced GGUF (from `mobiscope-cli slice`)");
    p.option("text", "FILE", "calibration text (required)");
    p.option("output", "FILE", "routed GGUF to write (required)", "", "-o");
    p.option("tokens", "N", "calibration tokens", "4096");
    p.option("skip-tokens", "N", "skip the first N tokens of --text", "0");
    p.option("ctx", "N", "chunk length, 0 = the model's context (at most 2048)", "0", "-c");
    p.option("reference", "DENSE",
             "the dense model the slices came from (default: the top level stands in for it)");
    p.option("granularity", "G",
             "block: one router per block sets the level of all its linears; linear: one router "
             "per linear (q, k, v, o, gate, up, down) on that linear's input",
             "block");
    p.option("error", "E",
             "block error the routers predict: absolute (||dy||^2 over the block's mean ||y||^2), "
             "relative (over each token's own ||y||^2) or kl (next-token KL with that block "
             "alone at the level: one forward per block and level)",
             "absolute");
    p.option("error-power", "P", "gains are taken on error^P (P > 1 punishes large errors more)",
             "2");
    p.option("hidden", "H", "router hidden units", "32");
    p.option("epochs", "N", "training epochs", "60");
    p.option("batch", "N", "minibatch rows", "64");
    p.option("lr", "X", "Adam learning rate", "0.003");
    p.option("seed", "S", "training seed", "1");
    p.option("table-points", "N", "entries of each budget table", "257");
    p.flag("json", "print a JSON summary");
    addModelOptions(p);
    if (!p.parse(args)) return 0;
    if (!p.has("text")) throw UsageError("--text FILE is required");
    if (!p.has("output") || p.get("output").empty()) throw UsageError("-o ROUTED.gguf is required");
    const int threads = threadsOption(p);
    mobi::RouterCalibrationOptions co = calibrationOptions(p, threads);
    mobi::RouteGranularity granularity;
    try {
        granularity = mobi::parseRouteGranularity(p.get("granularity"), "--granularity");
    } catch (const mobi::EngineError& e) {
        throw UsageError("--granularity: " + e.problem());
    }
    const bool json = p.flagSet("json");

    mobi::Model m = loadModelArg(p, true);
    requireSliced(m);
    const std::unique_ptr<mobi::Model> ref = referenceModel(p, m);
    const std::vector<int> tokens = textTokens(p, m);
    const int ctxOpt = p.getInt("ctx", 0, 1 << 20);
    const int ctx = ctxOpt > 0            ? ctxOpt
                    : m.config.seqLen > 0 ? std::min(m.config.seqLen, 2048)
                                          : 2048;
    const auto t0 = std::chrono::steady_clock::now();
    mobi::BlockErrorOptions eo;
    eo.ctx = ctx;
    eo.bos = m.tokenizer->bos();
    eo.threads = threads;
    eo.keepRouterInputs = true;
    eo.progress = [](int d, int n) { progressLine("measuring chunk", d, n); };
    const std::vector<int> bits = levelBitsOf(m);
    mobi::RouterCalibrationReport rep;
    std::shared_ptr<mobi::RouterSet> rs;
    int measured = 0;
    auto t1 = t0;
    co.progress = [](int d, int n) { progressLine("training router", d, n); };
    if (granularity == mobi::RouteGranularity::Block) {
        const mobi::BlockErrors e = mobi::measureBlockErrors(ref ? *ref : m, m, tokens, eo);
        mobi::ErrorTable kl;
        if (co.measure == mobi::ErrorMeasure::Kl) {
            eo.progress = [](int d, int n) { progressLine("output KL: chunk", d, n); };
            kl = mobi::measureOutputKl(ref ? *ref : m, m, tokens, eo);
        }
        t1 = std::chrono::steady_clock::now();
        measured = e.nTokens;
        rs = std::make_shared<mobi::RouterSet>(mobi::calibrateRouters(
            e, bits, co, &rep, co.measure == mobi::ErrorMeasure::Kl ? &kl : nullptr));
    } else {
        const mobi::LinearErrors e = mobi::measureLinearErrors(ref ? *ref : m, m, tokens, eo);
        t1 = std::chrono::steady_clock::now();
        measured = e.nTokens;
        rs = std::make_shared<mobi::RouterSet>(
            mobi::calibrateLinearRouters(e, bits, mobi::linearParamShares(m.config), co, &rep));
    }
    const auto t2 = std::chrono::steady_clock::now();
    m.routers = rs;
    const std::string out = p.get("output");
    saveRouted(m, out);
    const double measureS = std::chrono::duration<double>(t1 - t0).count();
    const double trainS = std::chrono::duration<double>(t2 - t1).count();

    if (json) {
        mobi::Json j(mobi::Json::Object{});
        j.set("output", out);
        j.set("tokens", measured);
        j.set("granularity", mobi::routeGranularityName(rs->granularity));
        j.set("reference", ref ? ref->path : std::string("top level"));
        j.set("measure_seconds", measureS);
        j.set("train_seconds", trainS);
        j.set("layers", calibrationLayersJson(rep));
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("wrote %s (%.2f MB): %zu %s routers for %d blocks, levels of %s bits, %d "
                "calibration tokens (measured %.1f s, trained %.1f s)\n",
                out.c_str(), std::filesystem::file_size(out) / 1e6, rs->routers.size(),
                mobi::routeGranularityName(rs->granularity), m.config.nLayers,
                m.sliced->config.sliceBitsString().c_str(), measured, measureS, trainS);
    std::printf("router  val.loss/baseline  rank corr. (predicted vs true gain of slice 2)\n");
    for (size_t l = 0; l < rep.layers.size(); ++l)
        std::printf("%6zu  %17.3f  %10.3f\n", l,
                    rep.layers[l].baselineLoss > 0
                        ? rep.layers[l].validationLoss / rep.layers[l].baselineLoss
                        : 0.0,
                    rep.rankCorrelation[l]);
    return 0;
}

struct EvalRow {
    double budget = 0;
    double routerBits = 0, routerPpl = 0;
    double layerBits = 0, layerPpl = 0;
    double randomBits = 0, randomPpl = 0;
    double matchedBits = 0, matchedPpl = 0;
    double oracleBits = 0, oraclePpl = 0;
    double uniformPpl = NAN; // only when the budget is a level's bits
};

std::vector<double> parseBudgets(const std::string& s) {
    std::vector<double> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (item.empty() || !end || *end != '\0' || !std::isfinite(v))
            throw UsageError("--budgets: '" + item + "' is not a number");
        out.push_back(v);
    }
    if (out.empty()) throw UsageError("--budgets needs at least one value");
    return out;
}

// The true per-token gains of every unit (block, or block x linear as the
// routers route) on the evaluation text, and the budget table over them.
struct OracleGains {
    mobi::ErrorTable table;
    std::vector<float> scores;
    mobi::BudgetTable budgets;

    // Each (chunk, unit, position)'s level at the threshold meeting `bits` here.
    std::vector<int> levels(double bits, int K, int ctx) const {
        const float thr = budgets.threshold(bits);
        const int T = table.tokens, chunks = T / ctx;
        std::vector<int> out(static_cast<size_t>(chunks) * table.units * ctx);
        for (int u = 0; u < table.units; ++u)
            for (int tok = 0; tok < T; ++tok) {
                const int c = tok / ctx, pos = tok % ctx;
                out[(size_t(c) * table.units + size_t(u)) * ctx + pos] =
                    mobi::BudgetTable::levelFor(&scores[(size_t(u) * T + tok) * (K - 1)], K, thr);
            }
        return out;
    }
};

// Perplexity and achieved bits of one level policy over the evaluation text.
struct PolicyRunner {
    const mobi::Model& m;
    const std::vector<int>& tokens;
    mobi::PerplexityOptions po;
    std::vector<int> bits;
    std::vector<double> shares;
    int threads, ctx;

    // policy null: the uniform `level`. layerLevels: per router, its level histogram.
    double run(std::shared_ptr<mobi::LevelPolicy> policy, int level, double* achieved,
               std::vector<std::vector<double>>* layerLevels) const {
        const int L = m.config.nLayers, K = m.sliced->levels();
        const int per = m.routers->routersPerBlock();
        mobi::Transformer t(m, threads, ctx);
        mobi::RoutingStats stats(bits, L, false, shares);
        if (policy)
            t.setLevelPolicy(policy);
        else
            t.setLevel(level);
        t.setObserver([&](const mobi::LayerEvent& e) { stats.observe(e); });
        const double ppl = mobi::perplexity(t, tokens, po).ppl;
        if (achieved) *achieved = stats.averageBits();
        if (layerLevels) {
            layerLevels->assign(size_t(L * per), std::vector<double>(size_t(K)));
            for (int u = 0; u < L * per; ++u)
                for (int k = 1; k <= K; ++k)
                    (*layerLevels)[size_t(u)][size_t(k - 1)] =
                        static_cast<double>(per == 1 ? stats.layerLevelCount(u, k)
                                                     : stats.unitLevelCount(u / per, u % per, k));
        }
        return ppl;
    }
};

void checkBudgets(const std::vector<double>& budgets, const std::vector<int>& bits) {
    for (double b : budgets)
        if (b < bits.front() || b > bits.back()) {
            char buf[160];
            std::snprintf(buf, sizeof buf,
                          "--budgets: %g is outside the levels of this model (%d..%d bits)", b,
                          bits.front(), bits.back());
            throw UsageError(buf);
        }
}

OracleGains oracleGains(const ArgParser& p, const mobi::Model& ref, const mobi::Model& m,
                        const std::vector<int>& tokens, int ctx, int threads,
                        const std::vector<double>& shares) {
    const std::vector<int> bits = levelBitsOf(m);
    const int per = m.routers->routersPerBlock();
    mobi::BlockErrorOptions eo;
    eo.ctx = ctx;
    eo.bos = m.tokenizer->bos();
    eo.threads = threads;
    eo.progress = [](int d, int n) { progressLine("oracle: measuring chunk", d, n); };
    OracleGains g;
    if (per == 1 && errorMeasureOption(p) == mobi::ErrorMeasure::Kl)
        g.table = mobi::measureOutputKl(ref, m, tokens, eo);
    else if (per == 1)
        g.table = mobi::blockErrorTable(mobi::measureBlockErrors(ref, m, tokens, eo),
                                        errorMeasureOption(p));
    else
        g.table = mobi::measureLinearErrors(ref, m, tokens, eo).errors;
    const int T = g.table.tokens;
    std::vector<double> unitWeights;
    for (int u = 0; u < g.table.units; ++u) {
        const std::vector<float> s =
            mobi::gainScores(g.table, bits, u, p.getDouble("error-power", 0.01, 100));
        g.scores.insert(g.scores.end(), s.begin(), s.end());
        unitWeights.insert(unitWeights.end(), size_t(T), per == 1 ? 1.0 : shares[size_t(u % per)]);
    }
    g.budgets = mobi::BudgetTable::build(bits, g.scores.data(),
                                         static_cast<int64_t>(g.table.units) * T, 1025,
                                         unitWeights.data());
    return g;
}

// What an eval ran on, for its report.
struct EvalMeta {
    std::string model, text;
    int skipTokens = 0, tokens = 0, ctx = 0, chunks = 0, randomSeeds = 0;
};

void printEvalJson(const EvalMeta& meta, const std::vector<EvalRow>& rows) {
    mobi::Json j(mobi::Json::Object{});
    j.set("model", meta.model);
    j.set("text", meta.text);
    j.set("skip_tokens", meta.skipTokens);
    j.set("tokens", meta.tokens);
    j.set("ctx", meta.ctx);
    j.set("chunks", meta.chunks);
    j.set("random_seeds", meta.randomSeeds);
    mobi::Json arr(mobi::Json::Array{});
    for (const EvalRow& r : rows) {
        mobi::Json o(mobi::Json::Object{});
        o.set("budget", r.budget);
        auto pair = [&](const char* name, double b, double ppl) {
            mobi::Json x(mobi::Json::Object{});
            x.set("achieved_bits", b);
            x.set("perplexity", ppl);
            o.set(name, x);
        };
        pair("router", r.routerBits, r.routerPpl);
        pair("router_per_layer", r.layerBits, r.layerPpl);
        pair("random", r.randomBits, r.randomPpl);
        pair("random_matched", r.matchedBits, r.matchedPpl);
        pair("oracle", r.oracleBits, r.oraclePpl);
        if (std::isfinite(r.uniformPpl))
            pair("uniform", r.budget, r.uniformPpl);
        else
            o.set("uniform", mobi::Json(nullptr));
        arr.push(o);
    }
    j.set("rows", arr);
    std::printf("%s\n", j.dump(2).c_str());
}

void printEvalText(const EvalMeta& meta, const std::vector<EvalRow>& rows) {
    std::printf("%s on %d held-out tokens (%d chunks of %d)\n", meta.model.c_str(), meta.tokens,
                meta.chunks, meta.ctx);
    std::printf("random: the two levels around the router's achieved bits; matched: the router's\n"
                "level mix per block, on random tokens (both: mean over %d seeds)\n",
                meta.randomSeeds);
    std::printf("budget | router bits  ppl    | per-layer bits  ppl  | random bits  ppl    | "
                "matched bits  ppl   | oracle bits  ppl    | uniform ppl\n");
    for (const EvalRow& r : rows) {
        char uni[32] = "-";
        if (std::isfinite(r.uniformPpl)) std::snprintf(uni, sizeof uni, "%.4f", r.uniformPpl);
        std::printf("%6.2f | %6.3f  %9.4f | %6.3f  %9.4f | %6.3f  %9.4f | %6.3f  %9.4f | %6.3f  "
                    "%9.4f | %s\n",
                    r.budget, r.routerBits, r.routerPpl, r.layerBits, r.layerPpl, r.randomBits,
                    r.randomPpl, r.matchedBits, r.matchedPpl, r.oracleBits, r.oraclePpl, uni);
    }
}

int runEval(const std::vector<std::string>& args) {
    ArgParser p("route eval",
                "Perplexity against achieved average bits of a routed model on held-out text,\n"
                "for every budget: the routers (global and per-block allocation), random\n"
                "routing at the routers' achieved bits, an oracle that knows every token's\n"
                "block errors (thresholds on the true gains, chosen on this text), and the\n"
                "uniform level where the budget is a level's bits.");
    p.positional("MODEL", "routed GGUF (from `mobiscope-cli route calibrate`)");
    p.option("text", "FILE", "evaluation text (required; not the calibration text)");
    p.option("budgets", "LIST", "target average bits", "2,2.5,3,3.5,4,4.5,5");
    p.option("skip-tokens", "N", "skip the first N tokens of --text (e.g. the calibration part)",
             "0");
    p.option("tokens", "N", "evaluate at most N tokens", "1000000000");
    p.option("ctx", "N", "perplexity chunk length, 0 = the model's context", "0", "-c");
    p.option("reference", "DENSE", "dense model for the oracle's errors (default: top level)");
    p.option("seed", "S", "random routing seed", "1");
    p.option("error", "E", "block error the oracle ranks by: absolute, relative or kl", "absolute");
    p.option("error-power", "P", "the oracle's gains are taken on error^P", "2");
    p.option("random-seeds", "N", "random routing runs averaged per budget", "3");
    p.flag("json", "print JSON");
    addModelOptions(p);
    if (!p.parse(args)) return 0;
    if (!p.has("text")) throw UsageError("--text FILE is required");
    const std::vector<double> budgets = parseBudgets(p.get("budgets"));
    const int threads = threadsOption(p);
    const bool json = p.flagSet("json");
    const uint64_t seed = static_cast<uint64_t>(p.getInt64("seed", 0, INT64_MAX));
    const int randomSeeds = p.getInt("random-seeds", 1, 1000);

    const mobi::Model m = loadModelArg(p, true);
    requireSliced(m);
    if (!m.routers)
        throw UsageError(m.path + " has no routers (calibrate them with `mobiscope-cli route "
                                  "calibrate`)");
    const std::vector<int> bits = levelBitsOf(m);
    checkBudgets(budgets, bits);
    const std::unique_ptr<mobi::Model> ref = referenceModel(p, m);
    std::vector<int> tokens = textTokens(p, m);
    const int ctxOpt = p.getInt("ctx", 0, 1 << 20);
    const int ctx = ctxOpt > 0 ? ctxOpt : m.config.seqLen > 0 ? m.config.seqLen : 2048;
    if (ctx < 4) throw UsageError("--ctx must be at least 4");
    const int chunks = static_cast<int>(tokens.size() / static_cast<size_t>(ctx));
    if (chunks < 1)
        throw mobi::EngineError(p.get("text"), "has " + std::to_string(tokens.size()) +
                                                   " tokens after --skip-tokens, fewer than one "
                                                   "chunk of " +
                                                   std::to_string(ctx));
    tokens.resize(static_cast<size_t>(chunks) * ctx);
    const int L = m.config.nLayers, K = m.sliced->levels();

    mobi::PerplexityOptions po;
    po.ctx = ctx;
    po.bos = m.tokenizer->bos();
    const int per = m.routers->routersPerBlock();
    const auto shareArray = mobi::linearParamShares(m.config);
    const std::vector<double> shares(shareArray.begin(), shareArray.end());
    const PolicyRunner runner{m, tokens, po, bits, shares, threads, ctx};
    auto run = [&runner](std::shared_ptr<mobi::LevelPolicy> policy, int level, double* achieved,
                         std::vector<std::vector<double>>* layerLevels = nullptr) {
        return runner.run(std::move(policy), level, achieved, layerLevels);
    };

    // The oracle's true gains on this text.
    const OracleGains oracle = oracleGains(p, ref ? *ref : m, m, tokens, ctx, threads, shares);

    std::map<int, double> uniform;
    std::vector<EvalRow> rows;
    for (size_t bi = 0; bi < budgets.size(); ++bi) {
        const double B = budgets[bi];
        if (!json && isatty(fileno(stderr)))
            std::fprintf(stderr, "\rbudget %g (%zu/%zu)   ", B, bi + 1, budgets.size());
        EvalRow r;
        r.budget = B;
        std::vector<std::vector<double>> routerLevels;
        r.routerPpl =
            run(std::make_shared<mobi::RouterPolicy>(m.routers, B, mobi::BudgetAllocation::Global),
                0, &r.routerBits, &routerLevels);
        for (int rs = 0; rs < randomSeeds; ++rs) {
            double b = 0;
            r.matchedPpl +=
                run(std::make_shared<mobi::RandomPolicy>(routerLevels, seed + rs, per > 1), 0, &b) /
                randomSeeds;
            r.matchedBits += b / randomSeeds;
        }
        r.layerPpl = run(
            std::make_shared<mobi::RouterPolicy>(m.routers, B, mobi::BudgetAllocation::PerLayer), 0,
            &r.layerBits);
        for (int rs = 0; rs < randomSeeds; ++rs) {
            double b = 0;
            r.randomPpl +=
                run(std::make_shared<mobi::RandomPolicy>(bits, r.routerBits, seed + rs), 0, &b) /
                randomSeeds;
            r.randomBits += b / randomSeeds;
        }
        // Oracle: levels from the true gains at the threshold meeting B here.
        r.oraclePpl = run(std::make_shared<mobi::TablePolicy>(chunks, L, ctx,
                                                              oracle.levels(B, K, ctx), per),
                          0, &r.oracleBits);
        for (int k = 1; k <= K; ++k)
            if (std::fabs(B - bits[size_t(k - 1)]) < 1e-9) {
                if (!uniform.count(k)) uniform[k] = run(nullptr, k, nullptr);
                r.uniformPpl = uniform[k];
            }
        rows.push_back(r);
    }
    if (!json && isatty(fileno(stderr))) std::fprintf(stderr, "\n");

    const EvalMeta meta{m.path, p.get("text"), p.getInt("skip-tokens", 0, 1 << 30),
                        static_cast<int>(tokens.size()), ctx, chunks, randomSeeds};
    if (json)
        printEvalJson(meta, rows);
    else
        printEvalText(meta, rows);
    return 0;
}

} // namespace

int runRoute(const std::vector<std::string>& args) {
    const std::string usage =
        "usage: mobiscope-cli route calibrate SLICED --text FILE -o ROUTED.gguf [options]\n"
        "       mobiscope-cli route eval ROUTED --text FILE [--budgets LIST] [options]\n"
        "Each subcommand takes --help.";
    return runSubcommand("route", args, usage, {{"calibrate", runCalibrate}, {"eval", runEval}});
}

} // namespace cli
