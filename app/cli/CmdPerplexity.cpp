// `perplexity MODEL --text FILE`: llama.cpp's llama-perplexity protocol.
#include "CliCommon.h"
#include "Precision.h"

#include "core/Error.h"
#include "eval/Perplexity.h"
#include "quant/SlicedModel.h"
#include "tokenizer/Tokenizer.h"
#include "util/Json.h"

#include <cstdio>
#include <unistd.h>

namespace cli {

int runPerplexity(const std::vector<std::string>& args) {
    ArgParser p("perplexity",
                "Perplexity of a text file with llama.cpp's protocol: non-overlapping chunks of\n"
                "--ctx tokens, BOS first in each, the second half of each chunk scored.");
    p.positional("MODEL", "model file or Hugging Face directory (default: the embedded agent model, resources/models/agent.gguf)", false);
    p.option("text", "FILE", "text file to score (required)");
    p.option("ctx", "N", "chunk length in tokens, 0 = the model's context", "0", "-c");
    p.option("chunks", "N", "score at most N chunks, 0 = all", "0");
    addModelOptions(p);
    addLevelOptions(p);
    addActOption(p);
    addBudgetOptions(p);
    p.flag("json", "print a JSON result");
    if (!p.parse(args)) return 0;
    if (!p.has("text")) throw UsageError("--text FILE is required");
    mobi::PerplexityOptions o;
    o.ctx = p.getInt("ctx", 0, 1 << 20);
    o.maxChunks = p.getInt("chunks", 0, 1 << 30);
    const int threads = threadsOption(p);
    const bool json = p.flagSet("json");
    const std::string text = readTextFile(p.get("text"));

    const mobi::Model m = loadModelArg(p, true);
    // Like llama.cpp's -c, an explicit --ctx may exceed the trained context.
    const Precision prec = precisionOption(p, m);
    mobi::Transformer t(m, threads, o.ctx);
    prec.apply(t);
    if (o.ctx == 0) o.ctx = t.maxContext();
    if (o.ctx < 4) throw UsageError("--ctx must be at least 4");
    o.bos = m.tokenizer->bos();
    const std::vector<int> tokens = m.tokenizer->encode(text, true);
    const bool progressTty = isatty(fileno(stderr));
    if (static_cast<int>(tokens.size()) < o.ctx)
        throw mobi::EngineError(p.get("text"), "has " + std::to_string(tokens.size()) +
                                                   " tokens, fewer than one chunk of --ctx " +
                                                   std::to_string(o.ctx));
    const mobi::PerplexityResult r = mobi::perplexity(t, tokens, o, [&](int done, int total) {
        if (!json && progressTty) std::fprintf(stderr, "\rchunk %d/%d", done, total);
    });
    if (json) {
        mobi::Json j(mobi::Json::Object{});
        j.set("perplexity", r.ppl);
        j.set("nll", r.nll);
        j.set("ctx", r.ctx);
        j.set("chunks", r.chunks);
        j.set("scored_tokens", mobi::Json(static_cast<int64_t>(r.scoredTokens)));
        j.set("text_tokens", static_cast<int>(tokens.size()));
        j.set("seconds", r.seconds);
        if (m.sliced && !prec.routed()) {
            j.set("level", t.level());
            j.set("bits", m.sliced->config.bitsForLevel(t.level()));
        }
        if (m.sliced) j.set("act", mobi::slicedKernelModeName(t.slicedKernelMode()));
        prec.addJson(j);
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    if (progressTty) std::fprintf(stderr, "\n");
    std::printf("perplexity %.4f over %d chunks of %d tokens (%lld scored, %.2f s)\n", r.ppl,
                r.chunks, r.ctx, static_cast<long long>(r.scoredTokens), r.seconds);
    if (prec.routed()) std::printf("%s\n", prec.summary().c_str());
    return 0;
}

} // namespace cli
