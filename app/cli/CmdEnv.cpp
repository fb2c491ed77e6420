// `env play|walkthrough|run|replay`: the agent environments (ALFWorld games,
// generated household problems, WebShop) from the terminal.
#include "CliCommon.h"
#include "EnvDataPaths.h"
#include "Precision.h"

#include "agent/AgentPrompt.h"
#include "agent/EnvFactory.h"
#include "agent/EpisodeLog.h"
#include "agent/EpisodeReplay.h"
#include "agent/EpisodeRunner.h"
#include "agent/ExpertAgent.h"
#include "agent/LlmAgent.h"
#include "agent/RandomAgent.h"
#include "agent/SearchAgent.h"
#include "env/AlfworldEnv.h"
#include "env/Environment.h"
#include "env/SearchExpert.h"
#include "io/EmbeddedModel.h"
#include "model/Transformer.h"
#include "quant/SlicedKernelMode.h"
#include "util/Json.h"

#ifdef MOBISCOPE_WITH_PROFILES
#include "ProfileStore.h"
#endif

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

namespace cli {

namespace {

std::atomic<bool> gInterrupted{false};

void addEnvOptions(ArgParser& p) {
    p.option("env", "KIND", "alfworld, household or webshop", "alfworld");
    p.option("data", "DIR", "shared data directory (default: $MOBISCOPE_DATA or ../shared/data)");
    p.option("games", "PATH",
             "ALFWorld: a game.tw-pddl file or a directory searched for them "
             "(default: DATA/alfworld/valid_seen)");
    p.option("template", "GAME",
             "household: the game whose domain and grammar are used (default: the first "
             "train game)");
    p.option("max-steps", "N", "step limit (default: 50 for ALFWorld/household, 15 for WebShop)");
}

mobi::EnvRunOptions envOptions(const ArgParser& p) {
    mobi::EnvRunOptions o;
    o.kind = p.get("env");
    if (o.kind != "alfworld" && o.kind != "household" && o.kind != "webshop")
        throw UsageError("--env: unknown environment '" + o.kind +
                         "' (expected alfworld, household or webshop)");
    o.dataDir = p.has("data") ? p.get("data") : envDataDir();
    if (p.has("games")) o.games = p.get("games");
    if (p.has("template")) o.templatePath = p.get("template");
    if (p.has("max-steps")) o.maxSteps = p.getInt("max-steps", 1, 100000);
    return o;
}

// WebShop lists its search box as "search[...]": policies fill in keywords.
// Ours search for the instruction, as WebShop's rule baseline does.
std::string concreteCommand(const std::string& command, const std::string& task) {
    if (command != "search[...]") return command;
    std::string q = task;
    for (char& c : q)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return "search[" + q + "]";
}

void printStep(const mobi::EpisodeStep& s) {
    std::printf("> %s\n%s\n", s.command.c_str(), s.observation.c_str());
    if (s.reward != 0 || s.done)
        std::printf("[reward %g%s]\n", s.reward, s.done ? (s.won ? ", won" : ", done") : "");
}

// ---- walkthrough --------------------------------------------------------

int runWalkthrough(const std::vector<std::string>& args) {
    ArgParser p("env walkthrough",
                "Play an ALFWorld game's expert walkthrough and report every step, the final "
                "reward and whether it is done.");
    p.positional("GAME", "a game.tw-pddl file");
    p.option("max-steps", "N", "step limit", "50");
    p.flag("json", "print JSON: steps (command, admissible, observation, reward, done), "
                   "reward, done, won");
    if (!p.parse(args)) return 0;
    auto game = std::make_shared<const mobi::AlfworldGame>(mobi::AlfworldGame::load(p.get("GAME")));
    mobi::AlfworldEnv env(game, p.getInt("max-steps", 1, 100000));
    const bool json = p.flagSet("json");
    const std::string intro = env.reset();
    if (!json) std::printf("%s\n", intro.c_str());
    mobi::Json steps(mobi::Json::Array{});
    mobi::EnvStep last;
    double total = 0;
    bool allAdmissible = true;
    for (const std::string& cmd : game->walkthrough()) {
        const std::vector<std::string> adm = env.admissibleCommands();
        const bool admissible = std::find(adm.begin(), adm.end(), cmd) != adm.end();
        allAdmissible = allAdmissible && admissible;
        last = env.step(cmd);
        total += last.reward;
        if (json) {
            mobi::Json s(mobi::Json::Object{});
            s.set("command", cmd);
            s.set("admissible", admissible);
            s.set("observation", last.observation);
            s.set("reward", last.reward);
            s.set("done", last.done);
            steps.push(std::move(s));
        } else {
            std::printf("> %s%s\n%s\n", cmd.c_str(), admissible ? "" : "   [NOT ADMISSIBLE]",
                        last.observation.c_str());
        }
        if (last.done) break;
    }
    if (json) {
        mobi::Json j(mobi::Json::Object{});
        j.set("game", p.get("GAME"));
        j.set("task", env.taskText());
        j.set("steps", steps);
        j.set("all_admissible", allAdmissible);
        j.set("reward", total);
        j.set("done", last.done);
        j.set("won", last.won);
        std::printf("%s\n", j.dump().c_str());
    } else {
        std::printf("\n%d steps, reward %g, %s%s\n", env.steps(), total,
                    last.won ? "won" : (last.done ? "done, not won" : "not done"),
                    allAdmissible ? "" : " (some steps were not admissible)");
    }
    return 0;
}

// ---- play ---------------------------------------------------------------

int runPlay(const std::vector<std::string>& args) {
    ArgParser p("env play",
                "Play an environment in the terminal: type commands; ':admissible' lists the "
                "admissible commands, ':expert' shows the expert's next command, ':quit' ends.");
    addEnvOptions(p);
    p.option("episode", "I",
             "which episode: ALFWorld game index, household seed, WebShop goal index", "0");
    if (!p.parse(args)) return 0;
    const mobi::EnvRunOptions o = envOptions(p);
    mobi::EnvFactory factory;
    const uint64_t episode = uint64_t(p.getInt64("episode", 0, INT64_MAX));
    const mobi::Json spec = factory.specs(o, episode, 1).front();
    std::unique_ptr<mobi::Environment> env = factory.create(spec);
    std::printf("%s\n", env->reset().c_str());
    double total = 0;
    std::string line;
    while (true) {
        std::printf("> ");
        std::fflush(stdout);
        if (!std::getline(std::cin, line)) break;
        if (line == ":quit" || line == ":q") break;
        if (line == ":admissible" || line == ":a") {
            for (const std::string& c : env->admissibleCommands())
                std::printf("  %s\n", c.c_str());
            continue;
        }
        if (line == ":expert" || line == ":e") {
            const auto c = env->expertCommand();
            std::printf("  %s\n", c ? c->c_str() : "(the expert has no command)");
            continue;
        }
        const mobi::EnvStep s = env->step(line);
        total += s.reward;
        std::printf("%s\n", s.observation.c_str());
        if (s.done) {
            std::printf("[%s after %d steps, reward %g]\n", s.won ? "won" : "done", env->steps(),
                        total);
            break;
        }
    }
    return 0;
}

// ---- run ----------------------------------------------------------------

struct Summary {
    int episodes = 0, won = 0, steps = 0, tokens = 0;
    double reward = 0, decideMs = 0, stepMs = 0;
    // ALFWorld task type ("pick_two_obj_and_place") -> episodes, won, steps.
    std::map<std::string, std::array<int, 3>> byTask;

    void addTask(const mobi::EpisodeRecord& r) {
        const auto t = mobi::SearchExpert::parseTask(r.task);
        if (!t) return;
        std::array<int, 3>& c = byTask[std::string(mobi::householdTaskName(t->type))];
        c[0] += 1;
        c[1] += r.won;
        c[2] += int(r.steps.size());
    }
    mobi::Json byTaskJson() const {
        mobi::Json j(mobi::Json::Object{});
        for (const auto& [name, c] : byTask) {
            mobi::Json t(mobi::Json::Object{});
            t.set("episodes", c[0]);
            t.set("won", c[1]);
            t.set("mean_steps", double(c[2]) / c[0]);
            j.set(name, t);
        }
        return j;
    }
};

int runRun(const std::vector<std::string>& args) {
    ArgParser p("env run",
                "Play episodes with a policy and record every step into a JSON Lines file "
                "(replay it with `env replay`).");
    addEnvOptions(p);
    p.option("policy", "NAME",
             "expert (the planner), search (the searching expert: sees only what a player "
             "sees), random or llm",
             "expert");
    p.option("episodes", "N", "how many episodes", "1");
    p.option("start", "I", "first episode (ALFWorld game index, household seed, WebShop goal)",
             "0");
    p.option("seed", "S", "seed of the random policy and of llm sampling", "0");
    p.option("out", "FILE", "episode file to write (JSON Lines)", "", "-o");
    p.option("model", "MODEL", "llm: the model file or directory (default: the embedded agent model)");
    addModelOptions(p);
    addLevelOptions(p);
    addBudgetOptions(p);
    addActOption(p);
    p.option("llm-mode", "MODE",
             "llm: score (rank admissible commands by mean log-prob) or generate (free text "
             "mapped to the nearest admissible command)",
             "score");
    p.option("prompt-style", "STYLE", "llm, ALFWorld: react (with think: lines) or act", "react");
    p.option("prompts", "FILE",
             "llm, ALFWorld: few-shot transcripts (default: DATA/alfworld/alfworld_3prompts.json)");
    p.option("temp", "T", "llm: 0 takes the best command, > 0 samples softmax(score / T)", "0");
#ifdef MOBISCOPE_WITH_PROFILES
    p.option("profile-db", "FILE", "also record the episodes' steps into this SQLite profile");
#endif
    p.flag("quiet", "do not print the episodes' steps");
    p.flag("json", "print a JSON summary");
    if (!p.parse(args)) return 0;
    if (!p.has("out")) throw UsageError("--out FILE is required");
    const mobi::EnvRunOptions o = envOptions(p);
    const std::string policyName = p.get("policy");
    if (policyName != "expert" && policyName != "search" && policyName != "random" &&
        policyName != "llm")
        throw UsageError("--policy: unknown policy '" + policyName +
                         "' (expected expert, search, random or llm)");
    if (policyName == "search" && o.kind == "webshop")
        throw UsageError("--policy search plays ALFWorld and household games, not WebShop");
    const int episodes = p.getInt("episodes", 1, 1000000);
    const uint64_t start = uint64_t(p.getInt64("start", 0, INT64_MAX));
    const uint64_t seed = uint64_t(p.getInt64("seed", 0, INT64_MAX));
    const std::string mode = p.get("llm-mode");
    if (mode != "score" && mode != "generate")
        throw UsageError("--llm-mode: expected score or generate, got '" + mode + "'");
    const std::string style = p.get("prompt-style");
    if (style != "react" && style != "act")
        throw UsageError("--prompt-style: expected react or act, got '" + style + "'");
    if (policyName != "llm" && p.has("model")) throw UsageError("--model is for --policy llm");

    mobi::EnvFactory factory;
    const std::vector<mobi::Json> specs = factory.specs(o, start, size_t(episodes));

    // The policy (and, for llm, the model it runs on).
    std::unique_ptr<mobi::Model> model;
    std::unique_ptr<mobi::Transformer> transformer;
    Precision prec;
    std::unique_ptr<mobi::AgentPolicy> policy;
    mobi::Json policyInfo(mobi::Json::Object{});
    policyInfo.set("seed", double(seed));
    if (policyName == "expert") {
        policy = std::make_unique<mobi::ExpertAgent>();
    } else if (policyName == "search") {
        policy = std::make_unique<mobi::SearchAgent>();
    } else if (policyName == "random") {
        policy = std::make_unique<mobi::RandomAgent>(seed);
    } else {
        mobi::LoadOptions lo0;
        lo0.tokenizerPath = p.get("tokenizer");
        lo0.requireTokenizer = true;
        model = std::make_unique<mobi::Model>(mobi::loadModel(p.has("model") ? p.get("model") : mobi::findEmbeddedModel(), lo0));
        prec = precisionOption(p, *model);
        transformer = std::make_unique<mobi::Transformer>(*model, threadsOption(p));
        prec.apply(*transformer);
        mobi::LlmAgentOptions lo;
        lo.mode = mode == "score" ? mobi::LlmAgentOptions::Mode::Score
                                  : mobi::LlmAgentOptions::Mode::Generate;
        lo.temperature = p.getDouble("temp", 0.0, 100.0);
        lo.seed = seed;
        const std::optional<mobi::AgentPrompt> agentFormat =
            mobi::AgentPrompt::fromMetadata(model->metadata);
        if (agentFormat && lo.mode != mobi::LlmAgentOptions::Mode::Score)
            throw UsageError(std::string("--llm-mode generate: the model declares the ") +
                             mobi::AgentPrompt::kFormat + " format, which scores commands");
        mobi::ReactPrompt prompt =
            agentFormat ? mobi::ReactPrompt()
            : o.kind == "webshop"
                ? mobi::ReactPrompt::zeroShot(
                      "Shop on WebShop: search, open products, choose options and buy the "
                      "product the instruction asks for.")
                : mobi::ReactPrompt::alfworld(p.has("prompts")
                                                  ? p.get("prompts")
                                                  : o.dataDir + "/alfworld/alfworld_3prompts.json",
                                              style == "react" ? mobi::ReactPrompt::Style::React
                                                               : mobi::ReactPrompt::Style::Act);
        if (agentFormat)
            policy =
                std::make_unique<mobi::LlmAgent>(*transformer, *model->tokenizer, *agentFormat, lo);
        else
            policy = std::make_unique<mobi::LlmAgent>(*transformer, *model->tokenizer,
                                                      std::move(prompt), lo);
        policyInfo.set("model", model->path);
        policyInfo.set("mode", mode);
        policyInfo.set("prompt_style", agentFormat           ? mobi::AgentPrompt::kFormat
                                       : o.kind == "webshop" ? "zero-shot"
                                                             : style);
        if (agentFormat) policyInfo.set("prompt_chars", agentFormat->charBudget());
        policyInfo.set("temperature", lo.temperature);
        policyInfo.set("context", transformer->maxContext());
        policyInfo.set("level", transformer->levels() ? transformer->level() : 0);
        if (transformer->levels())
            policyInfo.set("act", mobi::slicedKernelModeName(transformer->slicedKernelMode()));
        prec.addJson(policyInfo);
    }

#ifdef MOBISCOPE_WITH_PROFILES
    std::unique_ptr<mobi::ProfileStore> store;
    int64_t runId = 0;
    if (p.has("profile-db")) {
        store = std::make_unique<mobi::ProfileStore>(p.get("profile-db"),
                                                     mobi::ProfileStore::Mode::Write);
        mobi::RunInfo info;
        info.modelPath = model ? model->path : std::string();
        mobi::Json settings(mobi::Json::Object{});
        settings.set("command", "env run");
        settings.set("env", o.kind);
        settings.set("policy", policyName);
        settings.set("policy_info", policyInfo);
        info.settingsJson = settings.dump();
        info.startedNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        runId = store->beginRun(info);
    }
#endif

    mobi::EpisodeWriter writer(p.get("out"));
    gInterrupted = false;
    auto oldHandler = std::signal(SIGINT, [](int) { gInterrupted = true; });
    const bool quiet = p.flagSet("quiet");
    Summary sum;
    for (const mobi::Json& spec : specs) {
        std::unique_ptr<mobi::Environment> env = factory.create(spec);
        mobi::EpisodeRunOptions ro;
        ro.cancelled = [] { return gInterrupted.load(); };
        ro.concretize = [&](const std::string& c) { return concreteCommand(c, env->taskText()); };
        mobi::EpisodeRecord header;
        bool begun = false;
#ifdef MOBISCOPE_WITH_PROFILES
        int64_t storeEpisode = 0;
#endif
        ro.onStart = [&](const mobi::EpisodeRecord& r) {
            header = r;
            writer.beginEpisode(r);
            begun = true;
            if (!quiet)
                std::printf("=== episode %d: %s (%s)\n%s\n", sum.episodes, r.episodeId.c_str(),
                            r.kind.c_str(), r.firstObservation.c_str());
#ifdef MOBISCOPE_WITH_PROFILES
            if (store)
                storeEpisode =
                    store->beginEpisode(runId, r.episodeId, r.headerJson(sum.episodes).dump());
#endif
        };
        ro.onStep = [&](const mobi::EpisodeStep& s) {
            writer.addStep(s);
            if (!quiet) printStep(s);
#ifdef MOBISCOPE_WITH_PROFILES
            if (store) {
                mobi::StepRecord rec;
                rec.episodeId = storeEpisode;
                rec.step = s.index;
                mobi::Json ob(mobi::Json::Object{});
                ob.set("observation", s.observation);
                ob.set("admissible", double(s.admissible.size()));
                ob.set("tokens", s.tokens);
                rec.observationJson = ob.dump();
                rec.action = s.command;
                rec.reward = s.reward;
                rec.precisionBits = prec.routed() ? prec.budget : 0;
                rec.decideNs = int64_t(s.decideMs * 1e6);
                rec.stepNs = int64_t(s.stepMs * 1e6);
                store->addStep(rec);
            }
#endif
        };
        const mobi::EpisodeRecord r = mobi::runEpisode(*env, *policy, spec, policyInfo, ro);
        if (begun) writer.endEpisode(r);
        ++sum.episodes;
        sum.won += r.won;
        sum.reward += r.totalReward;
        sum.steps += int(r.steps.size());
        sum.addTask(r);
        for (const mobi::EpisodeStep& s : r.steps) {
            sum.tokens += s.tokens;
            sum.decideMs += s.decideMs;
            sum.stepMs += s.stepMs;
        }
        if (!quiet)
            std::printf("=== %s, reward %g, %zu steps (%s)\n\n", r.won ? "won" : "not won",
                        r.totalReward, r.steps.size(), r.stopReason.c_str());
        if (gInterrupted) break;
    }
    std::signal(SIGINT, oldHandler);
#ifdef MOBISCOPE_WITH_PROFILES
    if (store) store->flush();
#endif
    const double n = std::max(1, sum.episodes);
    if (p.flagSet("json")) {
        mobi::Json j(mobi::Json::Object{});
        j.set("env", o.kind);
        j.set("policy", policyName);
        j.set("policy_info", policyInfo);
        j.set("episodes", sum.episodes);
        j.set("won", sum.won);
        j.set("success_rate", sum.won / n);
        j.set("mean_reward", sum.reward / n);
        j.set("mean_steps", sum.steps / n);
        j.set("tokens", sum.tokens);
        j.set("decide_ms", sum.decideMs);
        j.set("env_ms", sum.stepMs);
        if (!sum.byTask.empty()) j.set("by_task", sum.byTaskJson());
        j.set("interrupted", gInterrupted.load());
        j.set("out", p.get("out"));
        std::printf("%s\n", j.dump().c_str());
    } else {
        std::printf("%s / %s: %d episodes, %d won (%.1f%%), mean reward %.4f, mean steps %.1f, "
                    "policy %.0f ms, environment %.1f ms%s -> %s\n",
                    o.kind.c_str(), policyName.c_str(), sum.episodes, sum.won, 100.0 * sum.won / n,
                    sum.reward / n, sum.steps / n, sum.decideMs, sum.stepMs,
                    gInterrupted ? " (interrupted)" : "", p.get("out").c_str());
        for (const auto& [name, c] : sum.byTask)
            std::printf("  %-31s %4d episodes, %4d won (%.1f%%), mean steps %.1f\n", name.c_str(),
                        c[0], c[1], 100.0 * c[1] / c[0], double(c[2]) / c[0]);
    }
    return gInterrupted ? 130 : 0;
}

// ---- replay -------------------------------------------------------------

int runReplay(const std::vector<std::string>& args) {
    ArgParser p("env replay",
                "Step through recorded episodes; --verify replays their commands in freshly "
                "created environments and reports any difference.");
    p.positional("FILE", "episode file written by `env run` (JSON Lines)");
    p.option("episode", "N", "only this episode (0-based)");
    p.flag("verify", "recreate each environment and check that it replays identically "
                     "(exit 1 when it does not)");
    p.flag("json", "print JSON: per episode its id, steps, reward, won and differences");
    if (!p.parse(args)) return 0;
    const std::vector<mobi::EpisodeRecord> all = mobi::EpisodeLog::read(p.get("FILE"));
    int only = -1;
    if (p.has("episode")) {
        only = p.getInt("episode", 0, 1 << 30);
        if (only >= int(all.size()))
            throw UsageError("--episode " + std::to_string(only) + ": the file has " +
                             std::to_string(all.size()) + " episodes");
    }
    const bool json = p.flagSet("json"), verify = p.flagSet("verify");
    mobi::EnvFactory factory;
    mobi::Json out(mobi::Json::Array{});
    int differing = 0;
    for (size_t e = 0; e < all.size(); ++e) {
        if (only >= 0 && int(e) != only) continue;
        const mobi::EpisodeRecord& r = all[e];
        std::vector<std::string> diffs;
        if (verify) {
            std::unique_ptr<mobi::Environment> env = factory.create(r.envSpec);
            diffs = mobi::EpisodeReplay::verify(r, *env);
            differing += !diffs.empty();
        }
        if (json) {
            mobi::Json j(mobi::Json::Object{});
            j.set("episode", int(e));
            j.set("kind", r.kind);
            j.set("id", r.episodeId);
            j.set("policy", r.policy);
            j.set("steps", int(r.steps.size()));
            j.set("reward", r.totalReward);
            j.set("won", r.won);
            j.set("stop", r.stopReason);
            if (verify) {
                mobi::Json d(mobi::Json::Array{});
                for (const std::string& s : diffs)
                    d.push(s);
                j.set("identical", diffs.empty());
                j.set("differences", d);
            }
            out.push(std::move(j));
            continue;
        }
        std::printf("=== episode %zu: %s (%s, policy %s)\n%s\n", e, r.episodeId.c_str(),
                    r.kind.c_str(), r.policy.c_str(), r.firstObservation.c_str());
        mobi::EpisodeReplay replay(r);
        while (!replay.atEnd())
            printStep(replay.next());
        std::printf("=== %s, reward %g, %zu steps (%s)\n", r.won ? "won" : "not won", r.totalReward,
                    r.steps.size(), r.stopReason.c_str());
        if (verify) {
            if (diffs.empty()) std::printf("replay: identical\n");
            for (const std::string& d : diffs)
                std::printf("replay: %s\n", d.c_str());
        }
        std::printf("\n");
    }
    if (json) std::printf("%s\n", out.dump().c_str());
    return differing ? 1 : 0;
}

} // namespace

int runEnvDemos(const std::vector<std::string>& args);
int runEnvPrior(const std::vector<std::string>& args);

int runEnv(const std::vector<std::string>& args) {
    const std::string usage =
        "usage: mobiscope-cli env play [--env KIND] [--episode I] [options]\n"
        "       mobiscope-cli env walkthrough GAME [--json]\n"
        "       mobiscope-cli env run --env alfworld|household|webshop --policy "
        "expert|search|random|llm [--model M] [--episodes N] [--seed S] --out FILE\n"
        "       mobiscope-cli env demos [--env alfworld|household] [--games DIR] [--policy "
        "search|llm --model M] [--beta P] --out DEMOS.jsonl\n"
        "       mobiscope-cli env prior [--games DIR] [--cpp]\n"
        "       mobiscope-cli env replay FILE [--verify] [--json]\n"
        "Each subcommand takes --help.";
    return runSubcommand("env", args, usage,
                         {{"play", runPlay},
                          {"walkthrough", runWalkthrough},
                          {"run", runRun},
                          {"replay", runReplay},
                          {"demos", runEnvDemos},
                          {"prior", runEnvPrior}});
}

} // namespace cli
