// `env demos`: training records for agent models (format of DemoRecorder.h)
// from ALFWorld training games or generated household games: the searching
// expert's own rollouts (--policy search), or DAgger rollouts of a model
// (--policy llm) with every visited state labelled by the searching expert.
#include "CliCommon.h"
#include "EnvDataPaths.h"

#include "agent/DemoRecorder.h"
#include "agent/EnvFactory.h"
#include "agent/LlmAgent.h"
#include "core/Error.h"
#include "env/Environment.h"
#include "model/Transformer.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace cli {

namespace {

std::atomic<bool> gStop{false};

struct DemoTotals {
    int episodes = 0, won = 0, steps = 0, labels = 0, disagreements = 0, expertActed = 0;
    long records = 0, tokens = 0, bytes = 0;
};

void addDemosOptions(ArgParser& p) {
    p.option("env", "KIND", "alfworld or household", "alfworld");
    p.option("data", "DIR", "shared data directory (default: $MOBISCOPE_DATA or ../shared/data)");
    p.option("games", "PATH", "ALFWorld games (default: DATA/alfworld/train)");
    p.option("template", "GAME",
             "household: the game whose domain and grammar are used (default: the first "
             "training game)");
    p.option("episodes", "N", "episodes (default: every game once; household: 1000)");
    p.option("start", "I", "first episode (game index in path order, household seed)", "0");
    p.option("seed", "S", "seed of the --beta draws", "0");
    p.option("policy", "NAME", "search (expert rollouts) or llm (DAgger)", "search");
    p.option("model", "MODEL", "llm: the learner");
    p.option("beta", "P", "llm: probability of taking the expert's command at a step", "0");
    p.option("prompt-chars", "N",
             "prompt window in bytes (default: the model's mobiscope.agent.prompt_chars, "
             "else 1600)");
    p.option("max-steps", "N", "step limit", "50");
    p.option("out", "FILE", "records to write (JSON Lines)", "", "-o");
    addModelOptions(p);
}

// The episodes to play: training games only.
std::vector<mobi::Json> demoSpecs(const ArgParser& p, mobi::EnvFactory& factory) {
    mobi::EnvRunOptions o;
    o.kind = p.get("env");
    if (o.kind != "alfworld" && o.kind != "household")
        throw UsageError("--env: expected alfworld or household, got '" + o.kind + "'");
    o.dataDir = p.has("data") ? p.get("data") : envDataDir();
    o.maxSteps = p.getInt("max-steps", 1, 100000);
    const std::string trainDir = o.dataDir + "/alfworld/train";
    o.games = p.has("games") ? p.get("games") : trainDir;
    if (o.kind == "alfworld") refuseEvalGames(o.games, "env demos");
    if (o.kind == "household") {
        o.templatePath =
            p.has("template") ? p.get("template") : mobi::EnvFactory::findGames(trainDir).front();
        refuseEvalGames(o.templatePath, "env demos");
    }
    const size_t available = factory.available(o);
    const int episodes = p.has("episodes") ? p.getInt("episodes", 1, 10000000)
                                           : (o.kind == "household" ? 1000 : int(available));
    const uint64_t start = uint64_t(p.getInt64("start", 0, INT64_MAX));
    return factory.specs(o, start, size_t(episodes));
}

void printDemoSummary(const ArgParser& p, const DemoTotals& t, double secs, bool dagger) {
    const double n = std::max(1, t.episodes);
    std::printf("%s / %s: %d episodes, %d won (%.1f%%), mean steps %.1f, %d labels, %ld records "
                "(%.1f MB), %.1f episodes/s",
                p.get("env").c_str(), p.get("policy").c_str(), t.episodes, t.won, 100.0 * t.won / n,
                t.steps / n, t.labels, t.records, t.bytes / 1e6, t.episodes / std::max(secs, 1e-9));
    if (dagger)
        std::printf(", learner != label at %d of %d states it acted in, expert took %d steps, "
                    "%ld model tokens",
                    t.disagreements, t.labels - t.expertActed, t.expertActed, t.tokens);
    std::printf("%s -> %s\n", gStop ? " (interrupted)" : "", p.get("out").c_str());
}

} // namespace

int runEnvDemos(const std::vector<std::string>& args) {
    ArgParser p("env demos",
                "Write agent training records (JSON Lines: text, loss byte spans) in the "
                "mobiscope-agent-v1 prompt format: the searching expert's episodes, or with "
                "--policy llm DAgger episodes of a model labelled by the searching expert. "
                "Only training games: ALFWorld evaluation splits (valid_*) are refused.");
    addDemosOptions(p);
    if (!p.parse(args)) return 0;
    if (!p.has("out")) throw UsageError("--out FILE is required");
    const std::string policyName = p.get("policy");
    if (policyName != "search" && policyName != "llm")
        throw UsageError("--policy: unknown policy '" + policyName + "' (expected search or llm)");
    if (policyName == "llm" && !p.has("model")) throw UsageError("--policy llm needs --model");
    if (policyName != "llm" && p.has("model")) throw UsageError("--model is for --policy llm");
    const double beta = p.getDouble("beta", 0.0, 1.0);
    if (policyName != "llm" && beta != 0.0) throw UsageError("--beta is for --policy llm");
    mobi::EnvFactory factory;
    const std::vector<mobi::Json> specs = demoSpecs(p, factory);
    // The learner (DAgger) and the prompt window.
    std::unique_ptr<mobi::Model> model;
    std::unique_ptr<mobi::Transformer> transformer;
    std::unique_ptr<mobi::LlmAgent> learner;
    int chars = mobi::AgentPrompt::kDefaultChars;
    if (policyName == "llm") {
        mobi::LoadOptions lo;
        lo.tokenizerPath = p.get("tokenizer");
        lo.requireTokenizer = true;
        model = std::make_unique<mobi::Model>(mobi::loadModel(p.get("model"), lo));
        if (auto declared = mobi::AgentPrompt::fromMetadata(model->metadata))
            chars = declared->charBudget();
    }
    if (p.has("prompt-chars"))
        chars = p.getInt("prompt-chars", mobi::AgentPrompt::kMinChars, 1000000);
    const mobi::AgentPrompt prompt(chars);
    if (model) {
        transformer = std::make_unique<mobi::Transformer>(*model, threadsOption(p));
        learner = std::make_unique<mobi::LlmAgent>(*transformer, *model->tokenizer, prompt,
                                                   mobi::LlmAgentOptions{});
    }
    const mobi::SearchAgent expert;

    // Written to a temporary file, renamed into place at the end (also
    // after Ctrl-C, which stops after the current episode).
    const std::string out = p.get("out"), tmp = out + ".partial";
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) throw mobi::EngineError(tmp, "cannot write");
    DemoTotals t;
    mobi::DemoPacker packer([&](mobi::DemoRecord&& r) {
        const std::string line = r.toJson().dump() + "\n";
        file << line;
        ++t.records;
        t.bytes += long(line.size());
    });
    mobi::SplitMix64 rng{uint64_t(p.getInt64("seed", 0, INT64_MAX)) ^ 0x64656D6F73ull};
    gStop = false;
    auto oldHandler = std::signal(SIGINT, [](int) { gStop = true; });
    const auto t0 = std::chrono::steady_clock::now();
    auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    try { // a failed episode (a broken game, a prompt past the context) leaves no file
        for (const mobi::Json& spec : specs) {
            std::unique_ptr<mobi::Environment> env = factory.create(spec);
            const mobi::DemoEpisodeStats s =
                mobi::recordDemoEpisode(*env, expert, learner.get(), beta, rng, prompt, packer);
            ++t.episodes;
            t.won += s.won;
            t.steps += s.steps;
            t.labels += s.labels;
            t.disagreements += s.disagreements;
            t.expertActed += s.expertActed;
            t.tokens += s.tokens;
            if (t.episodes % 50 == 0 || t.episodes == int(specs.size()))
                std::fprintf(stderr,
                             "\rdemos: %d/%zu episodes, %d won, %ld records, %.1f episodes/s",
                             t.episodes, specs.size(), t.won, t.records, t.episodes / seconds());
            if (gStop) break;
        }
    } catch (...) {
        std::signal(SIGINT, oldHandler);
        file.close();
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    std::fprintf(stderr, "\n");
    std::signal(SIGINT, oldHandler);
    file.close();
    if (!file) throw mobi::EngineError(tmp, "write failed");
    std::error_code ec;
    std::filesystem::rename(tmp, out, ec);
    if (ec) throw mobi::EngineError(out, "cannot rename " + tmp + " into place: " + ec.message());
    printDemoSummary(p, t, seconds(), learner != nullptr);
    return gStop ? 130 : 0;
}

} // namespace cli
