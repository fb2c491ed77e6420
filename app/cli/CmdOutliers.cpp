// `outliers MODEL --text FILE`: outlier migration (DESIGN.md "Outlier
// migration") of the nested MoBiSlice levels and of the bit-specific RTN
// baselines, plus per-channel activation magnitude outliers per layer.
#include "CliCommon.h"

#include "analysis/ChannelOutliers.h"
#include "analysis/OutlierSets.h"
#include "core/Error.h"
#include "core/ThreadPool.h"
#include "model/Model.h"
#include "quant/RtnQuantizer.h"
#include "quant/SlicedModel.h"
#include "route/BlockErrors.h"
#include "slicing/ModelSlicing.h"
#include "tokenizer/Tokenizer.h"
#include "util/Json.h"

#include <cmath>
#include <cstdio>
#include <memory>

namespace cli {

mobi::SliceConfig sliceConfigOptions(const ArgParser& p);
void addSliceOptions(ArgParser& p);

namespace {

// Dense copy of `src` with every block linear RTN-quantized at `bits` (same
// group size, own clipping search) and dequantized to F32, as in `sweep`.
mobi::Model rtnModel(const mobi::Model& src, int bits, int group, mobi::ThreadPool& pool) {
    mobi::Model m = src;
    m.sliced.reset();
    mobi::RtnQuantizer::Options o;
    o.bits = bits;
    o.groupSize = group;
    for (mobi::LayerWeights& L : m.weights.layers)
        for (mobi::Tensor* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown}) {
            const mobi::RtnQuantizer q = mobi::RtnQuantizer::quantize(*t, o, nullptr, &pool);
            *t = mobi::Tensor::fromF32(t->name, t->shape, q.dequantize());
        }
    return m;
}

mobi::BlockErrors measure(const mobi::Model& ref, const mobi::Model& cand,
                          const std::vector<int>& tokens, int ctx, int threads,
                          const std::string& what) {
    mobi::BlockErrorOptions o;
    o.ctx = ctx;
    o.bos = ref.tokenizer->bos();
    o.threads = threads;
    o.progress = [&](int done, int total) {
        std::fprintf(stderr, "\r%s: chunk %d/%d", what.c_str(), done, total);
        std::fflush(stderr);
    };
    mobi::BlockErrors e = mobi::measureBlockErrors(ref, cand, tokens, o);
    std::fprintf(stderr, "\n");
    return e;
}

mobi::Json numbers(const std::vector<double>& v) {
    mobi::Json a(mobi::Json::Array{});
    for (double x : v)
        a.push(std::isfinite(x) ? mobi::Json(x) : mobi::Json(nullptr));
    return a;
}

mobi::Json matrixJson(const mobi::MigrationMatrix& m) {
    mobi::Json rows(mobi::Json::Array{});
    for (int i = 0; i < m.n; ++i) {
        std::vector<double> r;
        for (int j = 0; j < m.n; ++j)
            r.push_back(m.at(i, j));
        rows.push(numbers(r));
    }
    return rows;
}

// Pairs of 0-based levels the tables show: adjacent ones, then lowest->highest.
std::vector<std::pair<int, int>> shownPairs(int K) {
    std::vector<std::pair<int, int>> p;
    for (int i = 0; i + 1 < K; ++i)
        p.push_back({i, i + 1});
    if (K > 2) p.push_back({0, K - 1});
    return p;
}

// Everything the outliers command reports, measured once.
struct OutlierStudy {
    std::string model, text;
    int ctx = 0;
    double q = 0, factor = 0;
    mobi::SliceConfig cfg;
    std::vector<int> bits;
    mobi::BlockErrors se;
    int L = 0, K = 0, T = 0, setSize = 0;
    std::vector<mobi::OutlierFamily> fams;
    std::vector<std::vector<mobi::MigrationMatrix>> mats;
    std::vector<std::vector<double>> cross; // [layer][level]: MoBiSlice vs RTN at the same bits
    std::vector<mobi::LayerChannelOutliers> chans;
};

OutlierStudy runStudy(const mobi::Model& m, const std::vector<int>& tokens,
                      const mobi::SliceConfig& cfg, int ctx, double q, double factor,
                      int threads) {
    OutlierStudy st;
    st.model = m.path;
    st.ctx = ctx;
    st.q = q;
    st.factor = factor;
    st.cfg = cfg;
    mobi::ThreadPool pool(threads);
    mobi::Model sm = m;
    sm.sliced = std::make_shared<mobi::SlicedModel>(
        mobi::sliceModel(m, cfg, nullptr, pool, [&](int l, int n) {
            std::fprintf(stderr, "\rslicing layer %d/%d", l, n);
            std::fflush(stderr);
        }));
    std::fprintf(stderr, "\n");
    st.se = measure(m, sm, tokens, ctx, threads, "MoBiSlice levels");
    const mobi::BlockErrors& se = st.se;
    const int L = se.nLayers, K = se.nLevels, T = se.nTokens;
    std::vector<int>& bits = st.bits;
    for (int k = 1; k <= K; ++k)
        bits.push_back(cfg.bitsForLevel(k));

    // RTN: one dense model per bit-width, each measured as a one-level candidate.
    std::vector<float> rtnSens(static_cast<size_t>(L) * K * T);
    for (int k = 1; k <= K; ++k) {
        const mobi::Model rm = rtnModel(m, bits[size_t(k - 1)], cfg.groupSize, pool);
        const mobi::BlockErrors re = measure(
            m, rm, tokens, ctx, threads, "RTN " + std::to_string(bits[size_t(k - 1)]) + " bits");
        if (re.nTokens != T)
            throw mobi::EngineError("outliers", "token counts differ between runs");
        for (int l = 0; l < L; ++l)
            for (int t = 0; t < T; ++t)
                rtnSens[(static_cast<size_t>(l) * K + k - 1) * T + t] = re.update(l, 1, t);
    }
    st.fams = {
        mobi::makeOutlierFamily("mobislice", bits, se.updateErr, L, T, q),
        mobi::makeOutlierFamily("rtn", bits, rtnSens, L, T, q)};
    for (const mobi::OutlierFamily& f : st.fams)
        st.mats.push_back(mobi::migrationMatrices(f));
    // Same bits, different quantizer: MoBiSlice level k vs RTN at its bits.
    st.cross.resize(static_cast<size_t>(L));
    for (int l = 0; l < L; ++l)
        for (int k = 1; k <= K; ++k)
            st.cross[size_t(l)].push_back(
                mobi::migration(st.fams[0].set(l, k), st.fams[1].set(l, k)));
    mobi::ChannelOutlierOptions co;
    co.factor = factor;
    st.chans = mobi::channelOutliers(se.channelMaxAbs, se.channelMeanAbs, L, se.dim, co);
    st.L = L, st.K = K, st.T = T;
    st.setSize = mobi::outlierCount(T, q);
    return st;
}


void printStudyJson(const OutlierStudy& st) {
    const int L = st.L, K = st.K, T = st.T, setSize = st.setSize, ctx = st.ctx;
    const double q = st.q, factor = st.factor;
    const mobi::SliceConfig& cfg = st.cfg;
    const std::vector<int>& bits = st.bits;
    const mobi::BlockErrors& se = st.se;
    const auto& fams = st.fams;
    const auto& mats = st.mats;
    const auto& cross = st.cross;
    const auto& chans = st.chans;
    mobi::Json j(mobi::Json::Object{});
    j.set("model", st.model);
    j.set("text", st.text);
    j.set("ctx", ctx);
    j.set("tokens", T);
    j.set("q", q);
    j.set("set_size", setSize);
    j.set("chance_migration", mobi::chanceMigration(T, setSize));
    j.set("slices", cfg.sliceBitsString());
    j.set("group_size", cfg.groupSize);
    j.set("mode", mobi::sliceModeName(cfg.mode));
    j.set("sensitivity", "||y_k - y|| / ||y - x|| per token and block");
    mobi::Json fa(mobi::Json::Array{});
    for (size_t fi = 0; fi < fams.size(); ++fi) {
        const mobi::OutlierFamily& f = fams[fi];
        mobi::Json fo(mobi::Json::Object{});
        fo.set("name", f.name);
        mobi::Json b(mobi::Json::Array{});
        for (int x : f.bits)
            b.push(x);
        fo.set("bits", b);
        mobi::Json layers(mobi::Json::Array{});
        for (int l = 0; l < L; ++l) {
            mobi::Json lo(mobi::Json::Object{});
            lo.set("layer", l);
            std::vector<double> means;
            mobi::Json sizes(mobi::Json::Array{}), sets(mobi::Json::Array{}),
                starts(mobi::Json::Array{});
            for (int k = 1; k <= K; ++k) {
                means.push_back(f.mean(l, k));
                sizes.push(static_cast<int>(f.set(l, k).size()));
                mobi::Json s(mobi::Json::Array{});
                int atStart = 0;
                for (int t : f.set(l, k)) {
                    s.push(t);
                    atStart += se.positions[size_t(t)] == 0;
                }
                sets.push(s);
                starts.push(atStart);
            }
            lo.set("mean_sensitivity", numbers(means));
            lo.set("set_sizes", sizes);
            lo.set("chunk_starts_in_set", starts);
            lo.set("migration", matrixJson(mats[fi][size_t(l)]));
            lo.set("outlier_tokens", sets);
            layers.push(lo);
        }
        fo.set("layers", layers);
        fo.set("mean_migration", matrixJson(mobi::meanMatrix(mats[fi])));
        fa.push(fo);
    }
    j.set("families", fa);
    mobi::Json cr(mobi::Json::Array{});
    for (int l = 0; l < L; ++l)
        cr.push(numbers(cross[size_t(l)]));
    j.set("same_bits_migration", cr);
    mobi::Json ch(mobi::Json::Array{});
    for (const mobi::LayerChannelOutliers& c : chans) {
        mobi::Json o(mobi::Json::Object{});
        o.set("layer", c.layer);
        o.set("median_max_abs", c.medianMax);
        o.set("threshold", c.threshold);
        o.set("peak_ratio", c.peakRatio);
        o.set("count", c.count());
        mobi::Json list(mobi::Json::Array{});
        for (const mobi::ChannelOutlier& x : c.channels) {
            mobi::Json xo(mobi::Json::Object{});
            xo.set("channel", x.channel);
            xo.set("max_abs", double(x.maxAbs));
            xo.set("mean_abs", double(x.meanAbs));
            list.push(xo);
        }
        o.set("channels", list);
        ch.push(o);
    }
    j.set("channel_factor", factor);
    j.set("channel_outliers", ch);
    std::printf("%s\n", j.dump(2).c_str());
}

void printStudyText(const OutlierStudy& st) {
    const int L = st.L, K = st.K, T = st.T, setSize = st.setSize, ctx = st.ctx;
    const double q = st.q, factor = st.factor;
    const std::vector<int>& bits = st.bits;
    const auto& fams = st.fams;
    const auto& mats = st.mats;
    const auto& cross = st.cross;
    const auto& chans = st.chans;
    const auto pairs = shownPairs(K);
    std::printf("Outlier migration (1 - Jaccard of the top %g%% token sets, %d of %d tokens, "
                "ctx %d)\n\n| layer | family |",
                q, setSize, T, ctx);
    for (auto [a, b] : pairs)
        std::printf(" %d->%d |", bits[size_t(a)], bits[size_t(b)]);
    std::printf("\n|---|---|");
    for (size_t i = 0; i < pairs.size(); ++i)
        std::printf("---|");
    std::printf("\n");
    auto row = [&](const std::string& layer, const std::string& fam,
                   const mobi::MigrationMatrix& mm) {
        std::printf("| %s | %s |", layer.c_str(), fam.c_str());
        for (auto [a, b] : pairs)
            std::printf(" %.3f |", mm.at(a, b));
        std::printf("\n");
    };
    for (int l = 0; l < L; ++l)
        for (size_t fi = 0; fi < fams.size(); ++fi)
            row(std::to_string(l), fams[fi].name, mats[fi][size_t(l)]);
    for (size_t fi = 0; fi < fams.size(); ++fi)
        row("mean", fams[fi].name, mobi::meanMatrix(mats[fi]));
    std::printf("\nTwo independent random sets of this size would migrate by %.3f on average.\n",
                mobi::chanceMigration(T, setSize));

    std::printf("\nMean sensitivity ||y_k - y|| / ||y - x|| (mean over layers)\n\n| family |");
    for (int b : bits)
        std::printf(" %d bits |", b);
    std::printf("\n|---|");
    for (int k = 0; k < K; ++k)
        std::printf("---|");
    std::printf("\n");
    for (const mobi::OutlierFamily& f : fams) {
        std::printf("| %s |", f.name.c_str());
        for (int k = 1; k <= K; ++k) {
            double s = 0;
            for (int l = 0; l < L; ++l)
                s += f.mean(l, k);
            std::printf(" %.4f |", s / L);
        }
        std::printf("\n");
    }
    std::printf("\nSame bits, different quantizer (MoBiSlice level vs RTN), mean over layers:");
    for (int k = 0; k < K; ++k) {
        double s = 0;
        for (int l = 0; l < L; ++l)
            s += cross[size_t(l)][size_t(k)];
        std::printf(" %d bits %.3f%s", bits[size_t(k)], s / L, k + 1 < K ? "," : "\n");
    }

    std::printf("\nChannel outliers of the normalized block input (max |x| > %g x median)\n\n"
                "| layer | median max |x| | peak / median | count | top channels (max / mean) |\n"
                "|---|---|---|---|---|\n",
                factor);
    for (const mobi::LayerChannelOutliers& c : chans) {
        std::printf("| %d | %.3f | %.1f | %d |", c.layer, c.medianMax, c.peakRatio, c.count());
        for (size_t i = 0; i < c.channels.size() && i < 4; ++i)
            std::printf(" %d (%.2f / %.3f)", c.channels[i].channel, c.channels[i].maxAbs,
                        c.channels[i].meanAbs);
        std::printf(" |\n");
    }
}

} // namespace

int runOutliers(const std::vector<std::string>& args) {
    ArgParser p("outliers",
                "Outlier migration: per layer and level, each token's sensitivity\n"
                "||y_k - y|| / ||y - x|| (relative error of the block's update at level k on\n"
                "the full-precision input), the top-q% token set, and migration = 1 - Jaccard\n"
                "between the sets of two levels; for the nested MoBiSlice levels of MODEL and\n"
                "for RTN baselines quantized separately at each level's bits. Also the channels\n"
                "of each block's normalized input whose max |x| exceeds F x the median.\n"
                "MODEL must be dense (full-precision weights).");
    p.positional("MODEL", "dense model file or Hugging Face directory");
    p.option("text", "FILE", "text file whose tokens are measured (required)");
    p.option("tokens", "N", "tokens of --text to measure", "4096");
    p.option("ctx", "N", "chunk length, 0 = the model's context", "0", "-c");
    p.option("q", "PCT", "outlier set = top PCT% of tokens, in (0, 100]", "5");
    p.option("channel-factor", "F", "channel outlier: max |x| > F x median channel max", "6");
    addSliceOptions(p);
    addModelOptions(p);
    p.flag("json", "print JSON");
    if (!p.parse(args)) return 0;
    if (!p.has("text")) throw UsageError("--text FILE is required");
    const double q = p.getDouble("q", -1e300, 1e300);
    if (!(q > 0 && q <= 100)) throw UsageError("--q must be in (0, 100], not " + p.get("q"));
    const double factor = p.getDouble("channel-factor", -1e300, 1e300);
    if (!(factor > 0)) throw UsageError("--channel-factor must be positive");
    const int maxTokens = p.getInt("tokens", 2, 1 << 24);
    int ctx = p.getInt("ctx", 0, 1 << 20);
    const mobi::SliceConfig cfg = sliceConfigOptions(p);
    if (cfg.mode != mobi::SliceMode::Nested)
        throw UsageError("--mode must be nested: outlier migration compares nested levels");
    for (int k = 1; k <= cfg.levels(); ++k)
        if (cfg.bitsForLevel(k) > 8)
            throw UsageError("level " + std::to_string(k) + " has " +
                             std::to_string(cfg.bitsForLevel(k)) +
                             " bits; the RTN baselines go up to 8");
    const int threads = threadsOption(p);
    const bool json = p.flagSet("json");
    const std::string text = readTextFile(p.get("text"));
    const mobi::Model m = loadModelArg(p, true);
    if (m.sliced)
        throw mobi::EngineError(m.path, "is a sliced model without full-precision weights; "
                                        "outliers needs the dense model it was sliced from");
    if (ctx == 0) ctx = m.config.seqLen > 0 ? m.config.seqLen : 2048;
    if (ctx < 4) throw UsageError("--ctx must be at least 4");
    std::vector<int> tokens = m.tokenizer->encode(text, true);
    if (tokens.size() < 2)
        throw mobi::EngineError(p.get("text"), "has no text to measure (fewer than 2 tokens)");
    if (static_cast<int>(tokens.size()) > maxTokens) tokens.resize(static_cast<size_t>(maxTokens));

    OutlierStudy st = runStudy(m, tokens, cfg, ctx, q, factor, threads);
    st.text = p.get("text");
    if (json)
        printStudyJson(st);
    else
        printStudyText(st);
    return 0;
}

} // namespace cli
