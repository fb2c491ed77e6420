// The agent prompt format mobiscope-agent-v1 (AgentPrompt), training records
// (DemoPacker / recordDemoEpisode) and LlmAgent on that format (issue 13):
// exact text, a deterministic window that extends the previous prompt
// except when it drops the oldest half, loss spans that cover exactly the
// labelled commands at UTF-8 boundaries, DAgger records that end where the
// learner left the label, and an agent that scores total log-probabilities
// (checked against a fresh full forward) while running only new tokens.
#include "TestData.h"

#include "agent/AgentPrompt.h"
#include "agent/DemoRecorder.h"
#include "agent/LlmAgent.h"
#include "agent/SearchAgent.h"
#include "core/Error.h"
#include "env/AlfworldEnv.h"
#include "io/ModelLoader.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <QDirIterator>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace mobi;

namespace {

std::vector<std::string> trainGames() {
    std::vector<std::string> out;
    for (const QString& g : testdata::alfworldGameFiles(QStringLiteral("train")))
        out.push_back(g.toStdString());
    return out;
}

std::unique_ptr<AlfworldEnv> loadEnv(const std::string& game) {
    return std::make_unique<AlfworldEnv>(
        std::make_shared<const AlfworldGame>(AlfworldGame::load(game)));
}

bool utf8Boundary(const std::string& s, size_t i) {
    return i == s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

// A learner that copies the expert except at the given steps, where it looks.
class ScriptedLearner : public AgentPolicy {
  public:
    explicit ScriptedLearner(std::vector<int> deviate) : deviate_(std::move(deviate)) {}
    std::string name() const override { return "scripted"; }
    AgentDecision decide(const AgentView& v) override {
        AgentDecision d;
        const int step = int(v.history.size());
        d.command = std::count(deviate_.begin(), deviate_.end(), step)
                        ? std::string("look")
                        : expert_.command(v).value_or("look");
        return d;
    }

  private:
    std::vector<int> deviate_;
    SearchAgent expert_;
};

double logSoftmaxAt(const float* l, int n, int id) {
    double mx = l[0];
    for (int i = 1; i < n; ++i)
        mx = std::max<double>(mx, l[i]);
    double s = 0;
    for (int i = 0; i < n; ++i)
        s += std::exp(double(l[i]) - mx);
    return double(l[id]) - mx - std::log(s);
}

size_t commonPrefix(const std::vector<int>& a, const std::vector<int>& b) {
    size_t l = 0;
    while (l < a.size() && l < b.size() && a[l] == b[l])
        ++l;
    return l;
}

AgentPrompt::History longHistory(int steps) {
    AgentPrompt::History h;
    for (int i = 0; i < steps; ++i)
        h.push_back({"go to shelf " + std::to_string(i % 7 + 1),
                     "You arrive at shelf " + std::to_string(i % 7 + 1) + ". On it, you see " +
                         std::string(size_t(10 + (i * 37) % 90), 'x') + "."});
    return h;
}

} // namespace

class TestAgentPrompt : public QObject {
    Q_OBJECT

  private slots:
    void exactText() {
        const std::string intro = "-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle "
                                  "of a room. Looking quickly around you, you see a desk 1, and "
                                  "a shelf 1.\n\nYour task is to: put some mug on desk.";
        const AgentPrompt p(400);
        const AgentPrompt::History h = {
            {"go to shelf 1", "You arrive at shelf 1. On the shelf 1, you see a mug 1."},
            {"take mug 1 from shelf 1", "You pick up the mug 1\nfrom the shelf 1."}};
        const std::string want = "task: put some mug on desk.\n"
                                 "You are in the middle of a room. Looking quickly around you, "
                                 "you see a desk 1, and a shelf 1.\n"
                                 "> go to shelf 1\n"
                                 "You arrive at shelf 1. On the shelf 1, you see a mug 1.\n"
                                 "> take mug 1 from shelf 1\n"
                                 "You pick up the mug 1 from the shelf 1.\n"
                                 ">";
        QCOMPARE(
            QString::fromStdString(p.build("Your task is to: put some mug on desk.", intro, h)),
            QString::fromStdString(want));
        QCOMPARE(QString::fromStdString(AgentPrompt::continuation("go to desk 1")),
                 QStringLiteral(" go to desk 1\n"));
        QCOMPARE(QString::fromStdString(AgentPrompt::oneLine("  a \n\n b\t c  ")),
                 QStringLiteral("a b c"));
    }

    void windowIsDeterministicAndExtends() {
        const std::string task = "Your task is to: put some mug on desk.";
        const std::string intro = "You are in the middle of a room. Looking quickly around you, "
                                  "you see a desk 1, and a shelf 1.";
        const AgentPrompt::History all = longHistory(60);
        for (int budget : {300, 700, 1600}) {
            const AgentPrompt p(budget);
            size_t lastStart = 0, shifts = 0;
            std::string last = p.build(task, intro, {});
            for (size_t k = 1; k <= all.size(); ++k) {
                const AgentPrompt::History h(all.begin(), all.begin() + long(k));
                const std::string cur = p.build(task, intro, h);
                QCOMPARE(cur, AgentPrompt(budget).build(task, intro, h)); // deterministic
                QVERIFY(int(cur.size()) <= budget);
                QVERIFY(cur.back() == '>');
                const size_t start = p.windowStart(task, intro, h);
                QVERIFY(start >= lastStart);
                if (start == lastStart) {
                    // The previous prompt, its command and the new observation.
                    QCOMPARE(cur, last + AgentPrompt::continuation(h.back().first) +
                                      AgentPrompt::oneLine(h.back().second) + "\n>");
                } else {
                    ++shifts;
                    // The oldest half (at least) went; the newest step stays.
                    QVERIFY(start - lastStart >= (k - 1 - lastStart + 1) / 2);
                    QVERIFY(start < k);
                }
                lastStart = start;
                last = cur;
            }
            // Dropping half: after a shift the window holds about half its
            // room, so the next shift comes after about room / 2 bytes of
            // steps; allow 1.5x that rate.
            double bytes = 0;
            for (const auto& [c, o] : all)
                bytes += double(AgentPrompt::stepText(c, o).size());
            const double room = budget - double(AgentPrompt::header(task, intro).size()) - 1;
            const double bound = 1.5 * bytes / (room / 2) + 1;
            qInfo("budget %d: %zu window shifts over %zu steps (bound %.1f)", budget, shifts,
                  all.size(), bound);
            QVERIFY2(double(shifts) <= bound, qPrintable(QString::number(shifts)));
            if (budget >= 1600) QVERIFY(shifts * 4 <= all.size());
        }
    }

    void metadataSelectsTheFormat() {
        std::map<std::string, std::string> md;
        QVERIFY(!AgentPrompt::fromMetadata(md));
        md[AgentPrompt::kFormatKey] = AgentPrompt::kFormat;
        QCOMPARE(AgentPrompt::fromMetadata(md)->charBudget(), AgentPrompt::kDefaultChars);
        md[AgentPrompt::kCharsKey] = "900";
        QCOMPARE(AgentPrompt::fromMetadata(md)->charBudget(), 900);
        md[AgentPrompt::kCharsKey] = "9x";
        QVERIFY_THROWS_EXCEPTION(EngineError, AgentPrompt::fromMetadata(md));
        md[AgentPrompt::kCharsKey] = "10";
        QVERIFY_THROWS_EXCEPTION(EngineError, AgentPrompt::fromMetadata(md));
        md.erase(AgentPrompt::kCharsKey);
        md[AgentPrompt::kFormatKey] = "mobiscope-agent-v9";
        QVERIFY_THROWS_EXCEPTION(EngineError, AgentPrompt::fromMetadata(md));
    }

    void packerSpansAtUtf8Boundaries() {
        std::vector<DemoRecord> out;
        {
            DemoPacker pk([&](DemoRecord&& r) { out.push_back(std::move(r)); });
            pk.setEpisode("e");
            const std::string p0 = "task: café\nvous êtes là\n>";
            pk.add(p0, "prendre café 1", 0);
            const std::string p1 = p0 + " prendre café 1\nvoilà ☕\n>";
            pk.add(p1, "aller à table 1", 1);
            pk.add("task: other\n>", "x", 2); // does not extend: a new record
        }
        QCOMPARE(int(out.size()), 2);
        const DemoRecord& r = out[0];
        QCOMPARE(int(r.loss.size()), 2);
        QCOMPARE(r.firstStep, 0);
        QCOMPARE(r.lastStep, 1);
        for (const auto& [b, e] : r.loss) {
            QVERIFY(b < e && e <= r.text.size());
            QVERIFY(utf8Boundary(r.text, b) && utf8Boundary(r.text, e));
        }
        QCOMPARE(r.text.substr(r.loss[0].first, r.loss[0].second - r.loss[0].first),
                 std::string(" prendre café 1\n"));
        QCOMPARE(r.text.substr(r.loss[1].first), std::string(" aller à table 1\n"));
        QCOMPARE(out[1].text, std::string("task: other\n> x\n"));
        // JSON carries the same numbers.
        const Json j = Json::parse(r.toJson().dump());
        QCOMPARE(j.find("text")->asString(), r.text);
        QCOMPARE(int(j.find("loss")->asArray()[1].asArray()[0].asNumber()), int(r.loss[1].first));
    }

    void expertRecordsCoverExactlyTheCommands() {
        REQUIRE_DATA("alfworld/train");
        const std::vector<std::string> games = trainGames();
        const AgentPrompt prompt(700);
        const SearchAgent expert;
        for (size_t g = 0; g < games.size(); g += 293) {
            std::vector<DemoRecord> recs;
            DemoPacker pk([&](DemoRecord&& r) { recs.push_back(std::move(r)); });
            auto env = loadEnv(games[g]);
            SplitMix64 rng{1};
            const DemoEpisodeStats st =
                recordDemoEpisode(*env, expert, nullptr, 0, rng, prompt, pk);
            QVERIFY(st.won);
            QCOMPARE(st.labels, st.steps);
            // Independent replay: the history and the prompt of every state.
            const std::vector<std::string>& cmds = env->history();
            QCOMPARE(int(cmds.size()), st.steps);
            auto env2 = loadEnv(games[g]);
            AgentPrompt::History h;
            const std::string first = env2->reset();
            std::vector<std::string> prompts;
            for (const std::string& c : cmds) {
                prompts.push_back(prompt.build(env2->taskText(), first, h));
                h.push_back({c, env2->step(c).observation});
            }
            size_t next = 0; // the next step a span must label
            for (const DemoRecord& r : recs) {
                QCOMPARE(size_t(r.firstStep), next);
                QVERIFY(!r.loss.empty());
                for (size_t i = 0; i < r.loss.size(); ++i) {
                    const auto [b, e] = r.loss[i];
                    QVERIFY(utf8Boundary(r.text, b) && utf8Boundary(r.text, e));
                    QVERIFY(i == 0 || b > r.loss[i - 1].second);
                    QCOMPARE(r.text.substr(b, e - b), AgentPrompt::continuation(cmds[next]));
                    // What precedes the span is that state's prompt.
                    QCOMPARE(r.text.substr(0, b), prompts[next]);
                    ++next;
                }
                QCOMPARE(r.loss.back().second, r.text.size());
            }
            QCOMPARE(next, cmds.size());
        }
    }

    void daggerRecordEndsWhereTheLearnerLeftTheLabel() {
        REQUIRE_DATA("alfworld/train");
        const std::vector<std::string> games = trainGames();
        std::vector<DemoRecord> recs;
        DemoPacker pk([&](DemoRecord&& r) { recs.push_back(std::move(r)); });
        auto env = loadEnv(games[400]);
        ScriptedLearner learner({1, 3});
        SplitMix64 rng{7};
        const DemoEpisodeStats st =
            recordDemoEpisode(*env, SearchAgent(), &learner, 0.0, rng, AgentPrompt(4000), pk);
        QVERIFY(st.steps >= 5);
        QCOMPARE(st.disagreements, 2);
        QCOMPARE(int(recs.size()), 3);
        QCOMPARE(recs[0].firstStep, 0);
        QCOMPARE(recs[0].lastStep, 1);
        QCOMPARE(recs[1].firstStep, 2);
        QCOMPARE(recs[1].lastStep, 3);
        QCOMPARE(recs[2].firstStep, 4);
        // The learner's "look" is in the history, never under a loss span.
        for (const DemoRecord& r : recs)
            for (const auto& [b, e] : r.loss)
                QVERIFY(r.text.substr(b, e - b) != " look\n");
        QVERIFY(recs[1].text.find("> look\n") != std::string::npos);
        // beta = 1: the expert acts everywhere; one record, no disagreement.
        recs.clear();
        auto env2 = loadEnv(games[400]);
        const DemoEpisodeStats all =
            recordDemoEpisode(*env2, SearchAgent(), &learner, 1.0, rng, AgentPrompt(4000), pk);
        pk.flush();
        QVERIFY(all.won);
        QCOMPARE(all.expertActed, all.steps);
        QCOMPARE(int(recs.size()), 1);
    }

    void llmAgentScoresTotalsAndRunsOnlyNewTokens() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        REQUIRE_DATA("alfworld/train");
        LoadOptions lo;
        lo.tokenizerPath = testdata::stdPath("models/stories260K/tok512.bin");
        lo.requireTokenizer = true;
        Model m = loadModel(testdata::stdPath("models/stories260K/stories260K.bin"), lo);
        m.metadata[AgentPrompt::kFormatKey] = AgentPrompt::kFormat;
        m.metadata[AgentPrompt::kCharsKey] = "700";
        const std::optional<AgentPrompt> fmt = AgentPrompt::fromMetadata(m.metadata);
        QVERIFY(fmt);
        Transformer t(m, 2);
        LlmAgent agent(t, *m.tokenizer, *fmt, LlmAgentOptions{});
        // The smallest room among some training games keeps the header short.
        const std::vector<std::string> games = trainGames();
        std::string game;
        size_t best = SIZE_MAX;
        for (size_t g = 0; g < games.size(); g += 50) {
            auto e = loadEnv(games[g]);
            const size_t n = e->reset().size();
            if (n < best) best = n, game = games[g];
        }
        auto env = loadEnv(game);
        const SearchAgent expert;
        AgentView v;
        v.firstObservation = env->reset();
        v.task = env->taskText();
        v.admissible = env->admissibleCommands();
        const Tokenizer& tok = *m.tokenizer;
        const int vocab = m.config.vocabSize;
        std::vector<int> prevIds;
        int checkedSteps = 0;
        for (int step = 0; step < 6 && !env->done(); ++step) {
            const AgentDecision d = agent.decide(v);
            const std::string prompt = fmt->build(v.task, v.firstObservation, v.history);
            QCOMPARE(agent.lastPrompt().text, prompt);
            const std::vector<int> ids = tok.encode(prompt, true);
            size_t contTokens = 0;
            for (size_t i = 0; i < v.admissible.size(); ++i) {
                const std::vector<int> all =
                    tok.encode(prompt + AgentPrompt::continuation(v.admissible[i]), true);
                const size_t l = commonPrefix(ids, all);
                contTokens += all.size() - l;
                if (i % 7 != 0) continue; // a sample against a fresh full forward
                Transformer fresh(m, 1);
                const std::vector<float>& logits =
                    fresh.forward(all.data(), int(all.size()), 0, true);
                double want = 0;
                for (size_t k = l; k < all.size(); ++k)
                    want += logSoftmaxAt(logits.data() + (k - 1) * size_t(vocab), vocab, all[k]);
                QVERIFY2(std::abs(d.scores[i] - want) < 2e-3,
                         qPrintable(QString("%1 vs %2").arg(d.scores[i]).arg(want)));
            }
            const size_t fresh = ids.size() - commonPrefix(prevIds, ids);
            qInfo("step %d: prompt %zu tokens, %zu new, %zu command tokens, ran %d", step,
                  ids.size(), fresh, contTokens, d.tokens);
            QVERIFY(size_t(d.tokens) <= fresh + contTokens);
            if (step > 0 && fmt->windowStart(v.task, v.firstObservation, v.history) == 0) {
                QVERIFY(size_t(d.tokens) < ids.size() + contTokens - ids.size() / 2);
                ++checkedSteps;
            }
            prevIds = ids;
            const std::string cmd = expert.command(v).value_or(v.admissible.front());
            v.history.push_back({cmd, env->step(cmd).observation});
            v.admissible = env->admissibleCommands();
        }
        QVERIFY(checkedSteps >= 2);
    }
};

QTEST_GUILESS_MAIN(TestAgentPrompt)
#include "tst_agent_prompt.moc"
