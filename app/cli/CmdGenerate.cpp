// `generate MODEL`: text generation on the CPU with run.c's semantics.
#include "CliCommon.h"
#include "Precision.h"
#include "SamplingOptions.h"

#include "eval/Generator.h"
#include "model/LayerRecorder.h"
#include "model/ScopedObserver.h"
#include "util/Json.h"

#include <cstdio>
#include <optional>
#include <vector>

namespace cli {

int runGenerate(const std::vector<std::string>& args) {
    ArgParser p("generate",
                "Generate text from MODEL. Like llama2.c's run.c: -n counts positions including\n"
                "the prompt and BOS, generation stops at BOS/EOS, the prompt is echoed.");
    p.positional("MODEL", "model file or Hugging Face directory (default: the embedded agent model, resources/models/agent.gguf)", false);
    p.option("prompt", "S", "prompt text (empty: start from BOS only)", "", "-p");
    p.option("steps", "N", "positions to run, prompt included", "256", "-n");
    addSamplingOptions(p, runcSamplingDefaults());
    addModelOptions(p);
    addLevelOptions(p);
    addActOption(p);
    addBudgetOptions(p);
    p.flag("no-prefill", "feed the prompt token by token instead of one batch");
    p.flag("json", "print a JSON result (text, ids, timings, a sliced model's levels per position and block) instead of streaming");
    if (!p.parse(args)) return 0;

    mobi::GenerateOptions o;
    o.prompt = p.get("prompt");
    o.steps = p.getInt("steps", 1, 1 << 24);
    o.sampler = samplingOption(p);
    o.prefill = !p.flagSet("no-prefill");
    const int threads = threadsOption(p);
    const bool json = p.flagSet("json");

    const mobi::Model m = loadModelArg(p, true);
    const Precision prec = precisionOption(p, m);
    mobi::Transformer t(m, threads);
    prec.apply(t);
    if (o.steps > t.maxContext()) o.steps = t.maxContext();
    // --json on a sliced model: the level of every forwarded position in
    // every block, as the level recorder saw them.
    mobi::LayerRecorder recorder(m.config.nLayers);
    std::optional<mobi::ScopedObserver> recording;
    std::vector<std::vector<int>> levels;
    if (json && m.sliced) {
        recording.emplace(t, [&recorder](const mobi::LayerEvent& e) { recorder.observe(e); });
        o.onStep = [&](const mobi::GenerateStep& st) {
            for (int i = 0; i < st.n && i < recorder.rows(); ++i) {
                if (levels.size() <= size_t(st.pos0 + i)) levels.resize(size_t(st.pos0 + i) + 1);
                levels[size_t(st.pos0 + i)] = recorder.levels()[size_t(i)];
            }
            return true;
        };
    }

    const mobi::GenerateResult r =
        mobi::generate(t, *m.tokenizer, o, [&](const std::string& piece) {
            if (!json) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
            }
            return true;
        });
    const double prefillTps = r.prefillSeconds > 0 ? r.promptTokens / r.prefillSeconds : 0;
    const double decodeTps = r.decodeSeconds > 0 ? r.generatedTokens / r.decodeSeconds : 0;
    if (json) {
        mobi::Json j(mobi::Json::Object{});
        j.set("text", r.text);
        mobi::Json ids(mobi::Json::Array{});
        for (int id : r.tokens)
            ids.push(id);
        j.set("tokens", ids);
        j.set("prompt_tokens", r.promptTokens);
        j.set("generated_tokens", r.generatedTokens);
        j.set("prefill_tokens_per_s", prefillTps);
        j.set("decode_tokens_per_s", decodeTps);
        j.set("threads", threads);
        prec.addJson(j);
        if (m.sliced) {
            mobi::Json rows(mobi::Json::Array{});
            for (const auto& row : levels) {
                mobi::Json r(mobi::Json::Array{});
                for (int k : row)
                    r.push(k);
                rows.push(r);
            }
            j.set("token_levels", rows);
        }
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("\n");
    std::fprintf(stderr, "prompt %d tokens, generated %d tokens, decode %.1f tok/s\n",
                 r.promptTokens, r.generatedTokens, decodeTps);
    if (prec.routed()) std::fprintf(stderr, "%s\n", prec.summary().c_str());
    return 0;
}

} // namespace cli
