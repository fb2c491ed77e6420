// Household generator and expert (issue 6, acceptance 3): seeds 0..999 give
// games that load, start unsolved, and that the expert plays through
// AlfworldEnv to reward 1 within the 50-step limit using only admissible
// commands; task types are balanced; seeds reproduce; the expert also solves
// the 140 valid_seen games and recovers from random play. Bad templates give
// FormatError. Issue 19: the generator's tables and template come from the
// train split only, and the checked-in tables are exactly what the learner
// writes from it.
#include "TestData.h"

#include "core/Error.h"
#include "env/AlfworldEnv.h"
#include "env/AlfworldExpert.h"
#include "env/HouseholdGenerator.h"
#include "env/HouseholdTableLearner.h"
#include "util/Json.h"

#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace mobi;

namespace {

constexpr int kSeeds = 1000;

std::vector<QString> gameFiles() {
    return testdata::alfworldGameFiles();
}

const HouseholdGenerator& generator() {
    static const HouseholdGenerator g(
        HouseholdGenerator::defaultTemplatePath(testdata::dir().toStdString()));
    return g;
}

// FNV-1a: a hash defined by the standard of nobody's library, for golden values.
uint64_t fnv1a(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

// Plays env to the end with the expert asked through env.expertCommand();
// every command must be admissible. Returns the total reward.
double playWithExpert(AlfworldEnv& env, QString& failure) {
    double reward = 0;
    while (!env.done()) {
        const std::optional<std::string> cmd = env.expertCommand();
        if (!cmd) {
            failure = QStringLiteral("expert gave no command at step %1").arg(env.steps());
            return reward;
        }
        const std::vector<std::string> adm = env.admissibleCommands();
        if (std::find(adm.begin(), adm.end(), *cmd) == adm.end()) {
            failure = QStringLiteral("inadmissible: %1").arg(QString::fromStdString(*cmd));
            return reward;
        }
        reward += env.step(*cmd).reward;
    }
    return reward;
}

void expectFormatError(const std::function<void()>& fn, const QString& needle) {
    try {
        fn();
    } catch (const FormatError& e) {
        QVERIFY2(QString::fromStdString(e.what()).contains(needle), e.what());
        return;
    }
    QFAIL(qPrintable(QStringLiteral("no FormatError (expected one about: %1)").arg(needle)));
}

void writeFile(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << text;
}

std::string readFile(const QString& path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

class TestHousehold : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        REQUIRE_DATA("alfworld/valid_seen");
        REQUIRE_DATA("alfworld/train");
    }

    // Provenance: HouseholdTablesData.inc is byte for byte what the learner
    // writes from the 1,465 train games (scripts/household_tables.sh); the
    // learner refuses evaluation splits, and the default template is a train
    // game.
    void tablesLearnedFromTrainOnly() {
        HouseholdTableLearner learner;
        QCOMPARE(learner.addDirectory(testdata::stdPath(QStringLiteral("alfworld/train"))), 1465);
        QCOMPARE(learner.scenes(), 108);
        const std::string checkedIn =
            readFile(QStringLiteral(MOBISCOPE_SOURCE_DIR "/engine/env/HouseholdTablesData.inc"));
        QVERIFY2(learner.renderSource() == checkedIn,
                 "engine/env/HouseholdTablesData.inc differs from what the learner writes from "
                 "alfworld/train: run scripts/household_tables.sh");
        expectFormatError(
            [] {
                HouseholdTableLearner l;
                l.addDirectory(testdata::stdPath(QStringLiteral("alfworld/valid_seen")));
            },
            QStringLiteral("evaluation split"));
        const std::string templ = generator().templatePath();
        QVERIFY2(templ.find("/alfworld/train/") != std::string::npos, templ.c_str());
        QVERIFY2(templ.find("valid_seen") == std::string::npos, templ.c_str());
    }

    // The task read back from every valid_seen goal matches the game's
    // directory name (type-Object-None-Receptacle-scene), and one of the two
    // wordings reproduces the game's own task line.
    void taskFromGoalMatchesValidSeen() {
        int n = 0;
        for (const QString& path : gameFiles()) {
            const AlfworldGame game = AlfworldGame::load(path.toStdString());
            const std::optional<HouseholdTask> t = HouseholdTask::fromGoal(game.problem().goal);
            QVERIFY2(t, qPrintable(path));
            // .../valid_seen/<type>-<Object>-None-<Receptacle>-<scene>/<trial>/game.tw-pddl
            const QStringList parts = path.section(QLatin1Char('/'), -3, -3).split('-');
            QCOMPARE(parts.size(), 5);
            QCOMPARE(QString::fromUtf8(householdTaskName(t->type).data()), parts[0]);
            QCOMPARE(QString::fromStdString(t->object), parts[1]);
            QCOMPARE(QString::fromStdString(t->receptacle), parts[3]);
            const std::string line = game.taskText();
            QVERIFY2(line == "Your task is to: " + t->sentence(0) ||
                         line == "Your task is to: " + t->sentence(1),
                     line.c_str());
            ++n;
        }
        QCOMPARE(n, 140);
    }

    // Acceptance 3: seeds 0..999, all solved by the expert through the
    // environment, types balanced.
    void thousandSeedsSolvedByExpert() {
        std::array<int, kHouseholdTaskTypes> perType{};
        std::set<std::pair<int, bool>> phrasings; // (type, second wording)
        int maxSteps = 0, won = 0;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const HouseholdProblem p = generator().generate(uint64_t(seed));
            const AlfworldGame game =
                AlfworldGame::parse(p.gameText, HouseholdGenerator::sourceName(uint64_t(seed)));
            QCOMPARE(game.taskText(), p.taskText);
            // The task the game states, read from its PDDL goal (not the
            // generator's own record), is the one reported.
            const std::optional<HouseholdTask> t = HouseholdTask::fromGoal(game.problem().goal);
            QVERIFY(t);
            QVERIFY(t->type == p.task.type);
            QCOMPARE(t->object, p.task.object);
            QCOMPARE(t->receptacle, p.task.receptacle);
            QVERIFY(p.taskText == "Your task is to: " + t->sentence(0) ||
                    p.taskText == "Your task is to: " + t->sentence(1));
            ++perType[size_t(t->type)];
            phrasings.insert({int(t->type), p.taskText == "Your task is to: " + t->sentence(1)});

            AlfworldEnv env(game);
            QCOMPARE(env.maxSteps(), 50);
            AlfworldExpert::install(env);
            env.reset();
            QVERIFY2(!env.state().goalReached(), "generated problem starts solved");
            QString failure;
            const double reward = playWithExpert(env, failure);
            QVERIFY2(failure.isEmpty(),
                     qPrintable(QStringLiteral("seed %1: %2").arg(seed).arg(failure)));
            QVERIFY2(env.won() && reward == 1.0,
                     qPrintable(QStringLiteral("seed %1 not won in %2 steps: %3")
                                    .arg(seed)
                                    .arg(env.steps())
                                    .arg(QString::fromStdString(p.taskText))));
            QVERIFY(env.steps() <= 50);
            maxSteps = std::max(maxSteps, env.steps());
            ++won;
        }
        QCOMPARE(won, kSeeds);
        const double expected = kSeeds / double(kHouseholdTaskTypes);
        for (int i = 0; i < kHouseholdTaskTypes; ++i) {
            qInfo("%s: %d", householdTaskName(HouseholdTaskType(i)).data(), perType[size_t(i)]);
            QVERIFY(std::abs(perType[size_t(i)] - expected) <= 0.1 * expected);
        }
        QCOMPARE(int(phrasings.size()), 2 * kHouseholdTaskTypes); // both wordings of each type
        qInfo("expert: %d/%d won, longest episode %d steps", won, kSeeds, maxSteps);
    }

    // Same seed, same text (also from a second generator); all 1000 differ.
    // The golden hashes pin the text across compilers and standard libraries.
    void seedsReproduce() {
        const HouseholdGenerator other(generator().templatePath());
        std::vector<uint64_t> bySeed;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const HouseholdProblem a = generator().generate(uint64_t(seed));
            if (seed < 50) QCOMPARE(a.gameText, other.generate(uint64_t(seed)).gameText);
            bySeed.push_back(fnv1a(a.gameText));
        }
        QCOMPARE(int(std::set<uint64_t>(bySeed.begin(), bySeed.end()).size()), kSeeds);
        // No state carries over between calls: the second generator, asked
        // in the reverse order, gives the same text for every seed.
        for (int seed = kSeeds - 1; seed >= 0; --seed)
            QCOMPARE(fnv1a(other.generate(uint64_t(seed)).gameText), bySeed[size_t(seed)]);
        QCOMPARE(fnv1a(generator().generate(0).problemText), uint64_t(kGolden0));
        QCOMPARE(fnv1a(generator().generate(1).problemText), uint64_t(kGolden1));
    }

    // The expert works from any state: after 15 random admissible commands
    // (which may pick things up, open and close receptacles, toggle lamps) it
    // still reaches the goal.
    void expertFromRandomStates() {
        uint64_t x = 12345;
        int played = 0;
        for (int seed = 0; seed < 300; ++seed) {
            AlfworldEnv env(generator().game(uint64_t(seed)), 200);
            env.reset();
            for (int k = 0; k < 15 && !env.done(); ++k) {
                const std::vector<std::string> adm = env.admissibleCommands();
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                env.step(adm[(x >> 33) % adm.size()]);
            }
            if (env.done()) continue; // random play happened to win
            ++played;
            const int start = env.steps();
            while (!env.done()) {
                const std::optional<std::string> cmd = AlfworldExpert::nextCommand(env);
                QVERIFY2(cmd, qPrintable(QStringLiteral("seed %1: stuck").arg(seed)));
                env.step(*cmd);
            }
            QVERIFY2(env.won(), qPrintable(QStringLiteral("seed %1").arg(seed)));
            QVERIFY(env.steps() - start <= 30);
        }
        QVERIFY(played > 250);
    }

    // The expert called directly (no walkthrough) solves the real games.
    void expertSolvesValidSeen() {
        int won = 0, total = 0, longer = 0;
        for (const QString& path : gameFiles()) {
            const AlfworldGame game = AlfworldGame::load(path.toStdString());
            AlfworldEnv env(game);
            env.reset();
            while (!env.done()) {
                const std::optional<std::string> cmd = AlfworldExpert::nextCommand(env);
                if (!cmd) break;
                const std::vector<std::string> adm = env.admissibleCommands();
                QVERIFY2(std::find(adm.begin(), adm.end(), *cmd) != adm.end(), cmd->c_str());
                env.step(*cmd);
            }
            ++total;
            won += env.won();
            longer += env.won() && env.steps() > int(game.walkthrough().size());
        }
        qInfo("expert on valid_seen: %d/%d won, %d longer than the walkthrough", won, total,
              longer);
        QCOMPARE(total, 140);
        QCOMPARE(won, total);
        QCOMPARE(longer, 0); // as short as the planner-made walkthroughs
    }

    // Once the goal holds the expert has nothing more to say, and install()
    // makes env.expertCommand() answer from it.
    void expertStopsAtGoalAndInstalls() {
        AlfworldEnv env(generator().game(3));
        QVERIFY(!env.expertCommand()); // no walkthrough, no hook
        AlfworldExpert::install(env);
        env.reset();
        QCOMPARE(env.expertCommand(), AlfworldExpert::nextCommand(env));
        QVERIFY(env.expertCommand());
        while (!env.done())
            env.step(*env.expertCommand());
        QVERIFY(env.won());
        QVERIFY(!AlfworldExpert::nextCommand(env));
    }

    // The generated facts stay within what the train games (the tables'
    // source) say: every canContain pair and every object property of a
    // generated game occurs in those games (scanned here from their :init),
    // every shown name ("sinkbasin 1" -> sinkbasin) is one they show, objects
    // start in receptacles that may contain them (desk lamps on a kind a lamp
    // stands on in them), and the 1000 problems cover all room kinds and many
    // object/destination pairs.
    void factsAgreeWithTrain() {
        std::set<std::pair<std::string, std::string>> realContain;
        std::set<std::pair<std::string, std::string>> realFlags; // (predicate, object type)
        const std::set<std::string> flagPreds = {"pickupable",        "cleanable", "heatable",
                                                 "coolable",          "sliceable", "toggleable",
                                                 "isReceptacleObject"};
        auto typesOf = [](const AlfworldGame& g) {
            std::map<std::string, std::string> t;
            for (const PddlGroundAtom& a : g.problem().init)
                if (a.predicate == "objectType" || a.predicate == "receptacleType")
                    t[a.args[0]] = a.args[1];
            return t;
        };
        // What ALFWorld shows: "sinkbasin 1" -> "sinkbasin", per declared type.
        auto shownKinds = [](const AlfworldGame& g) {
            std::set<std::string> out;
            const AlfworldEnv env(g);
            for (int o = 0; o < env.task().objectCount(); ++o) {
                const std::string& type = env.objectType(o);
                if (type != "object" && type != "receptacle") continue;
                const std::string& n = env.objectName(o);
                const size_t sp = n.rfind(' ');
                if (sp != std::string::npos) out.insert(type + ":" + n.substr(0, sp));
            }
            return out;
        };
        std::set<std::string> realShown, lampTables;
        for (const QString& path : testdata::alfworldGameFiles(QStringLiteral("train"))) {
            const AlfworldGame g = AlfworldGame::load(path.toStdString());
            const auto types = typesOf(g);
            const std::set<std::string> shown = shownKinds(g);
            realShown.insert(shown.begin(), shown.end());
            for (const PddlGroundAtom& a : g.problem().init) {
                if (a.predicate == "canContain") realContain.insert({a.args[0], a.args[1]});
                if (a.predicate == "inReceptacle" && types.at(a.args[0]) == "DeskLampType")
                    lampTables.insert(types.at(a.args[1]));
                if (flagPreds.count(a.predicate))
                    realFlags.insert({a.predicate, types.at(a.args[0])});
            }
        }
        std::set<std::pair<std::string, std::string>> tasks;
        std::set<int> scenes;
        for (int seed = 0; seed < kSeeds; seed += 3) {
            const HouseholdProblem p = generator().generate(uint64_t(seed));
            const AlfworldGame g = AlfworldGame::parse(p.gameText, "generated");
            const auto types = typesOf(g);
            for (const std::string& k : shownKinds(g))
                QVERIFY2(realShown.count(k), qPrintable(QString::fromStdString(k)));
            std::set<std::pair<std::string, std::string>> contain;
            for (const PddlGroundAtom& a : g.problem().init) {
                if (a.predicate == "canContain") {
                    QVERIFY2(realContain.count({a.args[0], a.args[1]}),
                             qPrintable(QString::fromStdString(a.args[0] + " " + a.args[1])));
                    contain.insert({a.args[0], a.args[1]});
                }
                if (flagPreds.count(a.predicate))
                    QVERIFY2(realFlags.count({a.predicate, types.at(a.args[0])}),
                             qPrintable(QString::fromStdString(a.predicate + " " + a.args[0])));
            }
            for (const PddlGroundAtom& a : g.problem().init) {
                if (a.predicate != "inReceptacle") continue;
                const std::string& ot = types.at(a.args[0]);
                const std::string& rt = types.at(a.args[1]);
                if (ot == "DeskLampType")
                    QVERIFY2(lampTables.count(rt), rt.c_str());
                else
                    QVERIFY2(contain.count({rt, ot}),
                             qPrintable(QString::fromStdString(ot + " in " + rt)));
            }
            tasks.insert({p.task.object, p.task.receptacle});
            scenes.insert(int(p.scene));
        }
        qInfo("%d distinct object/destination pairs in %d problems", int(tasks.size()),
              (kSeeds + 2) / 3);
        QCOMPARE(int(scenes.size()), household::kSceneCount);
        QVERIFY(tasks.size() > 100);
    }

    // Seeds are 64-bit: large ones generate, load and are solved too.
    void largeSeeds() {
        for (uint64_t seed : {uint64_t(1) << 32, (uint64_t(1) << 63) + 5, ~uint64_t(0)}) {
            AlfworldEnv env(generator().game(seed));
            QCOMPARE(env.episodeId(), HouseholdGenerator::sourceName(seed));
            AlfworldExpert::install(env);
            QString failure;
            QCOMPARE(playWithExpert(env, failure), 1.0);
            QVERIFY2(failure.isEmpty(), qPrintable(failure));
        }
        QCOMPARE(HouseholdGenerator::sourceName(~uint64_t(0)),
                 std::string("household:18446744073709551615"));
    }

    // A goal of none of the six forms: the expert has no plan.
    void expertGivesUpOnUnknownGoals() {
        std::string problem = generator().generate(5).problemText;
        const size_t goal = problem.find("(:goal");
        QVERIFY(goal != std::string::npos);
        problem = problem.substr(0, goal) + "(:goal (exists (?o - object) (isSliced ?o)))\n)\n";
        std::string json = generator().generate(5).gameText;
        const size_t at = json.find("\"pddl_problem\": ");
        QVERIFY(at != std::string::npos);
        json = json.substr(0, at) + "\"pddl_problem\": " + Json(problem).dump() +
               ", \"solvable\": true, \"walkthrough\": []}";
        AlfworldEnv env(AlfworldGame::parse(json, "unknown-goal"));
        QVERIFY(!AlfworldExpert::task(env));
        QVERIFY(!AlfworldExpert::nextCommand(env));
    }

    void badTemplates() {
        expectFormatError([] { HouseholdGenerator g("/nonexistent/game.tw-pddl"); },
                          QStringLiteral("cannot open"));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString notJson = dir.filePath(QStringLiteral("notjson.tw-pddl"));
        writeFile(notJson, "this is not a game\n");
        expectFormatError([&] { HouseholdGenerator g(notJson.toStdString()); }, notJson);
        const QString notGame = dir.filePath(QStringLiteral("notgame.tw-pddl"));
        writeFile(notGame, "{\"pddl_domain\": 3}");
        expectFormatError([&] { HouseholdGenerator g(notGame.toStdString()); }, notGame);

        // A real game whose problem lacks a receptacle type the tables use.
        const QString real = QString::fromStdString(generator().templatePath());
        std::string text = readFile(real);
        const std::string line = "CartType - rtype\\n";
        const size_t at = text.find(line);
        QVERIFY(at != std::string::npos);
        text.erase(at, line.size());
        const QString noCart = dir.filePath(QStringLiteral("nocart.tw-pddl"));
        writeFile(noCart, text);
        expectFormatError([&] { HouseholdGenerator g(noCart.toStdString()); },
                          QStringLiteral("CartType"));

        expectFormatError(
            [&] { HouseholdGenerator::defaultTemplatePath(dir.path().toStdString()); },
            QStringLiteral("no ALFWorld game"));
    }

  private:
    // FNV-1a of the problem text of seeds 0 and 1, pinned with GCC 12; they
    // change when the generator's tables, template or draws change (re-pinned
    // in issue 19, when tables and template moved from valid_seen to train).
    static constexpr uint64_t kGolden0 = 0x2cf9d0c104be5864ull;
    static constexpr uint64_t kGolden1 = 0xb0aac3a08608fd12ull;
};

QTEST_GUILESS_MAIN(TestHousehold)
#include "tst_household.moc"
