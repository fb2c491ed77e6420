// Policies, episode recording (JSON Lines), replay and the language-model
// action scorer, on a small counting environment written here and on
// stories260K. The scorer is checked against an independent full forward.
#include "TestData.h"

#include "agent/ActionScorer.h"
#include "agent/EpisodeLog.h"
#include "agent/EpisodeReplay.h"
#include "agent/EpisodeRunner.h"
#include "agent/ExpertAgent.h"
#include "agent/LlmAgent.h"
#include "agent/NearestCommand.h"
#include "agent/RandomAgent.h"
#include "agent/ReactPrompt.h"
#include "core/Error.h"
#include "env/Environment.h"
#include "io/ModelLoader.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <QTemporaryDir>

#include <cmath>
#include <fstream>

using namespace mobi;

namespace {

// Count from 0 to `target` with "up" / "down"; "look" repeats the state.
// "down" is admissible only above 0. Reward 1 on reaching the target.
class CountEnv : public Environment {
  public:
    explicit CountEnv(int target, int limit = 12) : target_(target), limit_(limit) {}
    std::string kind() const override { return "count"; }
    std::string episodeId() const override { return "count-" + std::to_string(target_); }
    std::string taskText() const override {
        return "Your task is to: count to " + std::to_string(target_) + ".";
    }
    std::string reset() override {
        n_ = 0;
        steps_ = 0;
        done_ = false;
        return "-= Counter =-\n\nYou see the number 0.\n\n" + taskText();
    }
    EnvStep step(const std::string& c) override {
        EnvStep s;
        if (done_) {
            s.done = true;
            s.observation = "The episode is over.";
            return s;
        }
        ++steps_;
        if (c == "up")
            ++n_;
        else if (c == "down" && n_ > 0)
            --n_;
        else if (c != "look")
            s.observation = "Nothing happens.";
        if (s.observation.empty()) s.observation = "You see the number " + std::to_string(n_) + ".";
        if (n_ == target_) s.reward = 1, s.done = s.won = true;
        if (steps_ >= limit_) s.done = true;
        done_ = s.done;
        return s;
    }
    std::vector<std::string> admissibleCommands() const override {
        std::vector<std::string> a{"look", "up"};
        if (n_ > 0) a.push_back("down");
        return a;
    }
    std::optional<std::string> expertCommand() const override {
        if (n_ < target_) return "up";
        if (n_ > target_) return "down";
        return std::nullopt;
    }
    int steps() const override { return steps_; }
    int maxSteps() const override { return limit_; }
    int value() const { return n_; }

  private:
    int target_, limit_, n_ = 0, steps_ = 0;
    bool done_ = false;
};

Json spec(int target) {
    Json j(Json::Object{});
    j.set("env", "count");
    j.set("target", target);
    return j;
}

double logSoftmaxAt(const float* l, int n, int id) {
    double mx = l[0];
    for (int i = 1; i < n; ++i)
        mx = std::max<double>(mx, l[i]);
    double s = 0;
    for (int i = 0; i < n; ++i)
        s += std::exp(double(l[i]) - mx);
    return double(l[id]) - mx - std::log(s);
}

Model loadStories() {
    LoadOptions lo;
    lo.tokenizerPath = testdata::stdPath("models/stories260K/tok512.bin");
    lo.requireTokenizer = true;
    return loadModel(testdata::stdPath("models/stories260K/stories260K.bin"), lo);
}

} // namespace

class TestAgentEpisode : public QObject {
    Q_OBJECT

  private slots:
    void expertWinsAndRecordsEveryStep() {
        CountEnv env(4);
        ExpertAgent expert;
        const EpisodeRecord r = runEpisode(env, expert, spec(4), Json(Json::Object{}));
        QCOMPARE(int(r.steps.size()), 4);
        QVERIFY(r.won && r.done);
        QCOMPARE(r.totalReward, 1.0);
        QCOMPARE(r.stopReason, std::string("won"));
        QCOMPARE(r.task, std::string("Your task is to: count to 4."));
        QCOMPARE(r.steps[0].admissible, (std::vector<std::string>{"look", "up"}));
        QCOMPARE(r.steps[1].admissible, (std::vector<std::string>{"look", "up", "down"}));
        QCOMPARE(r.steps[3].observation, std::string("You see the number 4."));
        QCOMPARE(r.steps[1].distribution, (std::vector<double>{0, 1, 0}));
        QVERIFY(!r.steps[2].done && r.steps[3].done);
    }

    void expertWithoutCommandGivesUp() {
        CountEnv env(0, 5); // already at the target: the expert has nothing to do
        ExpertAgent expert;
        const EpisodeRecord r = runEpisode(env, expert, spec(0), Json());
        QVERIFY(r.steps.empty());
        QVERIFY(r.stopReason.rfind("policy gave up", 0) == 0);
    }

    void randomIsSeededAndStopsAtTheLimit() {
        auto commands = [](uint64_t seed) {
            CountEnv env(50, 12);
            RandomAgent a(seed);
            std::vector<std::string> out;
            const EpisodeRecord r = runEpisode(env, a, spec(50), Json());
            for (const EpisodeStep& s : r.steps)
                out.push_back(s.command);
            return std::make_pair(out, r);
        };
        const auto [a, ra] = commands(7);
        const auto [b, rb] = commands(7);
        const auto [c, rc] = commands(8);
        QCOMPARE(a, b);
        QVERIFY(a != c);
        for (const EpisodeStep& s : ra.steps) // uniform over what was admissible
            for (double p : s.distribution)
                QCOMPARE(p, 1.0 / double(s.admissible.size()));
        QCOMPARE(int(ra.steps.size()), 12);
        QVERIFY(ra.done && !ra.won);
        QCOMPARE(ra.stopReason, std::string("step limit"));
    }

    void cancellationStopsBetweenSteps() {
        CountEnv env(9);
        ExpertAgent expert;
        int calls = 0;
        EpisodeRunOptions o;
        o.cancelled = [&] { return ++calls > 3; };
        const EpisodeRecord r = runEpisode(env, expert, spec(9), Json(), o);
        QCOMPARE(int(r.steps.size()), 3);
        QCOMPARE(r.stopReason, std::string("cancelled"));
    }

    void jsonLinesRoundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("ep.jsonl").toStdString();
        std::vector<EpisodeRecord> written;
        {
            EpisodeWriter w(path);
            for (int target : {2, 3}) {
                CountEnv env(target);
                RandomAgent a{uint64_t(target)};
                EpisodeRecord r = runEpisode(env, a, spec(target), Json(Json::Object{}));
                // Text that needs escaping survives.
                r.steps[0].observation = "quote \" backslash \\ newline \n tab \t caf\xc3\xa9";
                r.steps[0].scores = {-1.25, -0.5};
                r.steps[0].generated = "go up";
                w.beginEpisode(r);
                for (const EpisodeStep& s : r.steps)
                    w.addStep(s);
                w.endEpisode(r);
                written.push_back(r);
            }
        }
        const std::vector<EpisodeRecord> back = EpisodeLog::read(path);
        QCOMPARE(back.size(), written.size());
        for (size_t e = 0; e < back.size(); ++e) {
            const EpisodeRecord &x = written[e], &y = back[e];
            QCOMPARE(y.envSpec.dump(), x.envSpec.dump());
            QCOMPARE(y.kind, x.kind);
            QCOMPARE(y.task, x.task);
            QCOMPARE(y.firstObservation, x.firstObservation);
            QCOMPARE(y.firstAdmissible, x.firstAdmissible);
            QCOMPARE(y.stopReason, x.stopReason);
            QCOMPARE(y.won, x.won);
            QCOMPARE(y.totalReward, x.totalReward);
            QCOMPARE(y.steps.size(), x.steps.size());
            for (size_t i = 0; i < x.steps.size(); ++i) {
                QCOMPARE(y.steps[i].command, x.steps[i].command);
                QCOMPARE(y.steps[i].observation, x.steps[i].observation);
                QCOMPARE(y.steps[i].admissible, x.steps[i].admissible);
                QCOMPARE(y.steps[i].distribution, x.steps[i].distribution);
                QCOMPARE(y.steps[i].scores, x.steps[i].scores);
                QCOMPARE(y.steps[i].generated, x.steps[i].generated);
                QCOMPARE(y.steps[i].reward, x.steps[i].reward);
                QCOMPARE(y.steps[i].done, x.steps[i].done);
            }
        }
    }

    void badLogsAreRefused() {
        CountEnv env(2);
        ExpertAgent expert;
        const EpisodeRecord r = runEpisode(env, expert, spec(2), Json());
        const std::string head = r.headerJson(0).dump();
        const std::string step0 = r.steps[0].toJson(0).dump();
        const std::string step1 = r.steps[1].toJson(0).dump();
        const std::string end = r.endJson(0).dump();
        const std::string good = head + "\n" + step0 + "\n" + step1 + "\n" + end + "\n";
        QCOMPARE(EpisodeLog::parse(good, "g").size(), size_t(1));
        // A run cut short keeps its whole lines.
        const auto cut = EpisodeLog::parse(head + "\n" + step0 + "\n", "c");
        QCOMPARE(cut.size(), size_t(1));
        QCOMPARE(cut[0].stopReason, std::string("incomplete"));
        QCOMPARE(int(cut[0].steps.size()), 1);
        const std::vector<std::string> bad = {
            step0 + "\n",                                    // step before its episode
            head + "\n" + step1 + "\n",                      // steps out of order
            head + "\n" + step0.substr(0, step0.size() / 2), // truncated line
            head + "\n" + step0 + "\n" + end + "\n",         // end count differs
            "[1,2]\n",                                       // not an object
            "{\"type\":\"episode\"}\n",                      // no episode number
            head + "\n{\"type\":\"warp\",\"episode\":0}\n",  // unknown type
            head + "\n" + head + "\n",                       // episode 0 twice
        };
        for (const std::string& text : bad)
            QVERIFY_THROWS_EXCEPTION(FormatError, EpisodeLog::parse(text, "bad"));
        QVERIFY_THROWS_EXCEPTION(EngineError, EpisodeLog::read("/nonexistent/ep.jsonl"));
    }

    void replayIsIdenticalAndDetectsChanges() {
        CountEnv env(3);
        RandomAgent a(11);
        const EpisodeRecord r = runEpisode(env, a, spec(3), Json());
        CountEnv fresh(3);
        QVERIFY(EpisodeReplay::verify(r, fresh).empty());
        EpisodeRecord changed = r;
        changed.steps[1].observation = "You see the number 42.";
        const auto diffs = EpisodeReplay::verify(changed, fresh);
        QCOMPARE(diffs.size(), size_t(1));
        QVERIFY(diffs[0].rfind("step 1: observation differs", 0) == 0);
        CountEnv other(5); // a different task
        QVERIFY(!EpisodeReplay::verify(r, other).empty());

        EpisodeReplay rp(r);
        QCOMPARE(rp.observationBefore(0), r.firstObservation);
        int n = 0;
        while (!rp.atEnd()) {
            const EpisodeStep& s = rp.next();
            QCOMPARE(s.index, n);
            QCOMPARE(rp.observationBefore(n + 1), s.observation);
            ++n;
        }
        QCOMPARE(n, int(r.steps.size()));
        QVERIFY_THROWS_EXCEPTION(EngineError, rp.next());
        rp.seek(1);
        QCOMPARE(rp.next().index, 1);
        QVERIFY_THROWS_EXCEPTION(EngineError, rp.seek(-1));
    }

    void nearestCommandMapsFreeText() {
        QCOMPARE(editDistance("kitten", "sitting"), 3);
        QCOMPARE(editDistance("", "abc"), 3);
        QCOMPARE(editDistance("same", "same"), 0);
        const std::vector<std::string> adm = {"go to desk 1", "go to drawer 1", "open drawer 1",
                                              "look"};
        QCOMPARE(nearestCommand("  Open drawer 1 ", adm), 2);
        QCOMPARE(nearestCommand("go to drawr 1", adm), 1);
        QCOMPARE(nearestCommand("go to desk", adm), 0);
        QCOMPARE(nearestCommand("anything", {}), -1);
    }

    void promptShedsExamplesThenSteps() {
        REQUIRE_DATA("alfworld/alfworld_3prompts.json");
        const ReactPrompt p = ReactPrompt::alfworld(
            testdata::stdPath("alfworld/alfworld_3prompts.json"), ReactPrompt::Style::React);
        QCOMPARE(ReactPrompt::taskKey("Your task is to: put two cellphone in sofa."),
                 std::string("puttwo"));
        QCOMPARE(ReactPrompt::taskKey("Your task is to: put a clean lettuce in diningtable."),
                 std::string("clean"));
        QCOMPARE(ReactPrompt::taskKey("Your task is to: heat some egg and put it in garbagecan."),
                 std::string("heat"));
        QCOMPARE(ReactPrompt::taskKey("Your task is to: cool some pan and put it in stoveburner."),
                 std::string("cool"));
        QCOMPARE(ReactPrompt::taskKey("Your task is to: look at bowl under the desklamp."),
                 std::string("examine"));
        QCOMPARE(ReactPrompt::taskKey("Your task is to: put some spraybottle on toilet."),
                 std::string("put"));
        AgentView v;
        v.task = "Your task is to: put some spraybottle on toilet.";
        v.firstObservation = "-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a "
                             "room.\n\n" +
                             v.task;
        for (int i = 0; i < 30; ++i)
            v.history.emplace_back("go to cabinet " + std::to_string(i + 1),
                                   "The cabinet " + std::to_string(i + 1) + " is closed.");
        auto words = [](const std::string& s) { // a stand-in token count
            int n = 0;
            for (size_t i = 0; i < s.size(); ++i)
                n += s[i] == ' ' || s[i] == '\n';
            return n + 1;
        };
        const BuiltPrompt full = p.build(v, 1 << 20, words);
        QCOMPARE(full.examples, 2);
        QCOMPARE(full.droppedSteps, 0);
        QVERIFY(full.text.rfind("Interact with a household to solve a task. Here are two "
                                "examples.\nYou are in the middle of a room.",
                                0) == 0);
        // The banner is gone, the task follows the first observation, and the
        // prompt ends where the model writes " command".
        QVERIFY(full.text.find("\nHere is the task.\nYou are in the middle of a room.\nYour task "
                               "is to: put some spraybottle on toilet.\n> go to cabinet 1\n") !=
                std::string::npos);
        QVERIFY(full.text.find("-= Welcome") == std::string::npos);
        QVERIFY(full.text.size() > 2 && full.text.substr(full.text.size() - 2) == "\n>");
        const BuiltPrompt one = p.build(v, words(full.text) - 1, words);
        QCOMPARE(one.examples, 1);
        QVERIFY(one.text.find("Here is an example.\n") != std::string::npos);
        const BuiltPrompt none = p.build(v, words(one.text) - 1, words);
        QCOMPARE(none.examples, 0);
        QCOMPARE(none.droppedSteps, 0);
        const int noShots = words(none.text);
        const BuiltPrompt tight = p.build(v, noShots - 5, words);
        QCOMPARE(tight.examples, 0);
        QVERIFY(tight.droppedSteps > 0);
        QVERIFY(words(tight.text) <= noShots - 5);
        QVERIFY(tight.text.find("go to cabinet 30\n") != std::string::npos); // newest kept
        const BuiltPrompt tiny = p.build(v, 20, words);
        QVERIFY(tiny.truncated);
        QVERIFY(words(tiny.text) <= 20);
        QVERIFY_THROWS_EXCEPTION(EngineError, p.build(v, 2, words));
        QVERIFY_THROWS_EXCEPTION(
            EngineError, ReactPrompt::alfworld("/nonexistent.json", ReactPrompt::Style::Act));
    }

    void scorerMatchesAFullForward() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = loadStories();
        Transformer t(m, 2);
        ActionScorer scorer(t, *m.tokenizer);
        const std::string prompt = "Once upon a time, there was a little girl named Lily. She";
        const std::vector<std::string> conts = {" liked to play.", " went to the park", " was sad",
                                                " liked to play outside."};
        const int vocab = m.config.vocabSize;
        for (int round = 0; round < 2; ++round)
            for (const std::string& c : conts) {
                const ContinuationScore s = scorer.score(prompt, c);
                // Independent: a fresh transformer runs the whole text once.
                const std::vector<int> ctx = m.tokenizer->encode(prompt, true);
                const std::vector<int> all = m.tokenizer->encode(prompt + c, true);
                size_t l = 0;
                while (l < ctx.size() && ctx[l] == all[l])
                    ++l;
                Transformer fresh(m, 1);
                const std::vector<float>& logits =
                    fresh.forward(all.data(), int(all.size()), 0, true);
                double want = 0;
                for (size_t i = l; i < all.size(); ++i)
                    want += logSoftmaxAt(logits.data() + (i - 1) * size_t(vocab), vocab, all[i]);
                QCOMPARE(s.tokens, int(all.size() - l));
                QVERIFY2(std::abs(s.logProb - want) < 1e-3,
                         qPrintable(QString("%1 vs %2").arg(s.logProb).arg(want)));
            }
        // Prefix reuse: only the new tokens of a grown prompt run.
        scorer.takeTokensRun();
        scorer.score(prompt, " ran");
        const int first = scorer.takeTokensRun();
        scorer.score(prompt + " ran home.", " She");
        const int second = scorer.takeTokensRun();
        QVERIFY2(second < first + 6, qPrintable(QString("%1 then %2").arg(first).arg(second)));
        // Greedy generation stops at the stop string.
        const std::string g = scorer.generate(prompt, 40, ".");
        QVERIFY(!g.empty() && g.find('.') == std::string::npos);
        // Past the context: a clear error.
        std::string huge;
        for (int i = 0; i < 400; ++i)
            huge += " the dog and the cat";
        QVERIFY_THROWS_EXCEPTION(EngineError, scorer.score(huge, " x"));
    }

    void llmAgentPlaysAndIsDeterministic() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        const Model m = loadStories();
        auto play = [&](LlmAgentOptions::Mode mode) {
            Transformer t(m, 2);
            LlmAgentOptions o;
            o.mode = mode;
            LlmAgent agent(t, *m.tokenizer, ReactPrompt::zeroShot("Count up to the number."), o);
            CountEnv env(3, 6);
            return runEpisode(env, agent, spec(3), Json());
        };
        for (auto mode : {LlmAgentOptions::Mode::Score, LlmAgentOptions::Mode::Generate}) {
            const EpisodeRecord a = play(mode), b = play(mode);
            QVERIFY(!a.steps.empty());
            QCOMPARE(a.steps.size(), b.steps.size());
            for (size_t i = 0; i < a.steps.size(); ++i) {
                const EpisodeStep& s = a.steps[i];
                QCOMPARE(s.command, b.steps[i].command);
                QVERIFY(std::find(s.admissible.begin(), s.admissible.end(), s.command) !=
                        s.admissible.end());
                QCOMPARE(s.distribution.size(), s.admissible.size());
                double sum = 0;
                for (double p : s.distribution)
                    sum += p;
                QVERIFY(std::abs(sum - 1) < 1e-9);
                QVERIFY(s.tokens > 0);
                if (mode == LlmAgentOptions::Mode::Score) {
                    QCOMPARE(s.scores.size(), s.admissible.size());
                    QCOMPARE(s.scores, b.steps[i].scores);
                    // The best-scored command is taken.
                    const size_t best = size_t(std::max_element(s.scores.begin(), s.scores.end()) -
                                               s.scores.begin());
                    QCOMPARE(s.command, s.admissible[best]);
                }
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestAgentEpisode)
#include "tst_agent_episode.moc"
