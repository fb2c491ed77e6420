// The searching expert (issue 13): it plays from text only. Checked here:
// its prior table equals a fresh count over the training games; it reads
// every task phrasing as the PDDL goal states it; it decides synthetic
// histories (no game behind them) as the visible facts dictate; it solves
// a sample of training games, all 140 valid_seen games and games after
// random detours with AgentView::env left null (nothing to peek at), each
// command admissible, within the 50-step limit.
#include "TestData.h"

#include "agent/AgentPolicy.h"
#include "agent/EnvFactory.h"
#include "agent/SearchAgent.h"
#include "core/Error.h"
#include "env/AlfworldBelief.h"
#include "env/AlfworldEnv.h"
#include "env/AlfworldExpert.h"
#include "env/SearchExpert.h"
#include "env/SearchPrior.h"
#include "util/SplitMix64.h"

#include <QDirIterator>
#include <QtTest>

#include <algorithm>
#include <cctype>
#include <memory>

using namespace mobi;

namespace {

std::vector<std::string> trainGames() {
    std::vector<std::string> out;
    for (const QString& g : testdata::alfworldGameFiles(QStringLiteral("train")))
        out.push_back(g.toStdString());
    return out;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

struct Played {
    bool won = false;
    int steps = 0;
    bool allAdmissible = true;
};

// Plays `game`: `detour` seeded random admissible commands first, then the
// searching expert, which sees an AgentView with env == nullptr.
Played play(const std::string& game, int detour = 0, uint64_t seed = 0) {
    AlfworldEnv env(std::make_shared<const AlfworldGame>(AlfworldGame::load(game)));
    SearchAgent agent;
    AgentView view;
    view.firstObservation = env.reset();
    view.task = env.taskText();
    view.admissible = env.admissibleCommands();
    SplitMix64 rng{seed};
    Played r;
    while (!env.done()) {
        std::string cmd;
        if (env.steps() < detour) {
            cmd = view.admissible[rng.below(view.admissible.size())];
        } else {
            const AgentDecision d = agent.decide(view);
            if (d.command.empty()) break;
            cmd = d.command;
        }
        r.allAdmissible =
            r.allAdmissible &&
            std::find(view.admissible.begin(), view.admissible.end(), cmd) != view.admissible.end();
        const EnvStep s = env.step(cmd);
        view.history.emplace_back(cmd, s.observation);
        view.admissible = env.admissibleCommands();
        r.won = s.won;
    }
    r.steps = env.steps();
    return r;
}

} // namespace

class TestSearchExpert : public QObject {
    Q_OBJECT

  private slots:
    void priorTableIsTheTrainCount() {
        REQUIRE_DATA("alfworld/train");
        const std::vector<std::string> games = trainGames();
        QCOMPARE(int(games.size()), 1465);
        const SearchPrior fresh = SearchPrior::fromGames(games);
        const std::vector<std::string> a = fresh.lines(), b = SearchPrior::builtin().lines();
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i)
            QCOMPARE(QString::fromStdString(b[i]), QString::fromStdString(a[i]));
        // Sanity of the numbers: mugs are found in coffee machines far more
        // often than in drawers; cabinets usually start closed, countertops never.
        QVERIFY(fresh.objectIn("mug", "coffeemachine") > 5 * fresh.objectIn("mug", "drawer"));
        QVERIFY(fresh.startsClosed("cabinet") > 0.5);
        QVERIFY(fresh.startsClosed("countertop") < 0.01);
    }

    void priorParseRejectsMalformedLines() {
        QVERIFY_THROWS_EXCEPTION(FormatError, SearchPrior::parse({"mug cabinet:3"}));
        QVERIFY_THROWS_EXCEPTION(FormatError, SearchPrior::parse({"mug cabinet:5/3"}));
        QVERIFY_THROWS_EXCEPTION(FormatError, SearchPrior::parse({"mug cabinet:x/3"}));
        const SearchPrior p = SearchPrior::parse({"mug cabinet:1/10 shelf:9/10"});
        QVERIFY(p.objectIn("mug", "shelf") > p.objectIn("mug", "cabinet"));
    }

    void taskPhrasingsMatchTheGoal() {
        // Every phrasing HouseholdTask writes parses back.
        for (int type = 0; type < kHouseholdTaskTypes; ++type)
            for (int phrasing = 0; phrasing < 2; ++phrasing) {
                HouseholdTask t{HouseholdTaskType(type), "SoapBar", "CounterTop"};
                const auto parsed =
                    SearchExpert::parseTask("Your task is to: " + t.sentence(phrasing));
                QVERIFY(parsed);
                QCOMPARE(int(parsed->type), type);
                QCOMPARE(QString::fromStdString(parsed->object), QStringLiteral("soapbar"));
                QCOMPARE(QString::fromStdString(parsed->receptacle), QStringLiteral("countertop"));
            }
        QVERIFY(!SearchExpert::parseTask("Your task is to: dance."));
        // Real task texts against the PDDL goals (AlfworldExpert reads those).
        REQUIRE_DATA("alfworld/train");
        const std::vector<std::string> games = trainGames();
        for (size_t i = 0; i < games.size(); i += 7) {
            AlfworldEnv env(std::make_shared<const AlfworldGame>(AlfworldGame::load(games[i])));
            const auto fromText = SearchExpert::parseTask(env.taskText());
            const auto fromGoal = AlfworldExpert::task(env);
            QVERIFY2(fromText && fromGoal, games[i].c_str());
            QCOMPARE(int(fromText->type), int(fromGoal->type));
            QCOMPARE(fromText->object, lower(fromGoal->object));
            QCOMPARE(fromText->receptacle, lower(fromGoal->receptacle));
        }
    }

    void beliefReadsObservations() {
        const std::string intro = "-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle "
                                  "of a room. Looking quickly around you, you see a cabinet 2, a "
                                  "cabinet 1, a countertop 1, and a sinkbasin 1.\n\nYour task is "
                                  "to: put a clean mug in cabinet.";
        const TextHistory h = {
            {"go to cabinet 1", "You arrive at cabinet 1. The cabinet 1 is closed."},
            {"open cabinet 1", "You open the cabinet 1. The cabinet 1 is open. In it, you see a "
                               "cup 1, and a mug 2."},
            {"go to countertop 1", "You arrive at countertop 1. On the countertop 1, you see a "
                                   "apple 1."},
            {"take apple 1 from countertop 1", "You pick up the apple 1 from the countertop 1."},
            {"go to sinkbasin 1",
             "You arrive at sinkbasin 1. On the sinkbasin 1, you see nothing."},
            {"clean apple 1 with sinkbasin 1", "You clean the apple 1 using the sinkbasin 1."},
            {"look", "Nothing happens."},
        };
        const AlfworldBelief b(intro, h);
        QCOMPARE(int(b.receptacles().size()), 4);
        QCOMPARE(QString::fromStdString(b.location()), QStringLiteral("sinkbasin 1"));
        QCOMPARE(QString::fromStdString(b.held()), QStringLiteral("apple 1"));
        QVERIFY(b.isClean("apple 1"));
        QVERIFY(!b.isClean("mug 2"));
        QCOMPARE(QString::fromStdString(b.whereIs("mug 2")), QStringLiteral("cabinet 1"));
        QVERIFY(b.whereIs("apple 1").empty());
        QVERIFY(b.receptacle("cabinet 1").opened && b.receptacle("cabinet 1").seen);
        QVERIFY(!b.receptacle("cabinet 2").seen);
        QVERIFY(b.receptacle("sinkbasin 1").seen);
        QCOMPARE(int(AlfworldBelief::parseList("a x 1, and a y 2.").size()), 2);
        QCOMPARE(int(AlfworldBelief::parseList("nothing").size()), 0);
    }

    // Synthetic histories: no game exists, so whatever the expert answers
    // comes from the text alone.
    void decidesFromTheVisibleHistory() {
        const std::string intro = "You are in the middle of a room. Looking quickly around you, "
                                  "you see a cabinet 1, a countertop 1, a desk 1, and a shelf 1."
                                  "\n\nYour task is to: put some mug on desk.";
        const std::string task = "Your task is to: put some mug on desk.";
        const SearchExpert e;
        const std::vector<std::string> fromMiddle = {"go to cabinet 1", "go to countertop 1",
                                                     "go to desk 1", "go to shelf 1", "look"};
        // Nothing seen yet: the receptacle with the highest prior per
        // expected step, never the desk (the unfinished task says no mug
        // is on a desk).
        const SearchPrior& prior = SearchPrior::builtin();
        std::string best;
        double bestScore = -1;
        for (const char* k : {"cabinet", "countertop", "shelf"}) {
            const double s = prior.objectIn("mug", k) / (1.0 + prior.startsClosed(k));
            if (s > bestScore) best = k, bestScore = s;
        }
        QCOMPARE(QString::fromStdString(e.next(task, intro, {}, fromMiddle).value_or("")),
                 QString::fromStdString("go to " + best + " 1"));
        // A closed cabinet in front of the player, another one away (and
        // the desk, ruled out): opening this one costs a step less.
        const std::string intro2 = "You are in the middle of a room. Looking quickly around "
                                   "you, you see a cabinet 2, a cabinet 1, and a desk 1.";
        TextHistory h = {{"go to cabinet 1", "You arrive at cabinet 1. The cabinet 1 is closed."}};
        QCOMPARE(QString::fromStdString(
                     e.next(task, intro2, h, {"open cabinet 1", "go to cabinet 2", "go to desk 1"})
                         .value_or("")),
                 QStringLiteral("open cabinet 1"));
        // A mug seen on the shelf earlier: go back there, not to unseen places.
        h = {{"go to shelf 1", "You arrive at shelf 1. On the shelf 1, you see a mug 3."},
             {"go to countertop 1", "You arrive at countertop 1. On the countertop 1, you see "
                                    "nothing."}};
        QCOMPARE(QString::fromStdString(
                     e.next(task, intro, h, {"go to cabinet 1", "go to desk 1", "go to shelf 1"})
                         .value_or("")),
                 QStringLiteral("go to shelf 1"));
        // Holding the mug at the shelf: to the desk; at the desk: put it there.
        h.push_back({"go to shelf 1", "You arrive at shelf 1. On the shelf 1, you see a mug 3."});
        h.push_back({"take mug 3 from shelf 1", "You pick up the mug 3 from the shelf 1."});
        QCOMPARE(
            QString::fromStdString(
                e.next(task, intro, h, {"go to desk 1", "move mug 3 to shelf 1"}).value_or("")),
            QStringLiteral("go to desk 1"));
        h.push_back({"go to desk 1", "You arrive at desk 1. On the desk 1, you see nothing."});
        QCOMPARE(
            QString::fromStdString(
                e.next(task, intro, h, {"go to shelf 1", "move mug 3 to desk 1"}).value_or("")),
            QStringLiteral("move mug 3 to desk 1"));
        // Holding something the task does not need: put it down first.
        h = {{"go to shelf 1", "You arrive at shelf 1. On the shelf 1, you see a book 1."},
             {"take book 1 from shelf 1", "You pick up the book 1 from the shelf 1."}};
        QCOMPARE(
            QString::fromStdString(
                e.next(task, intro, h, {"go to desk 1", "move book 1 to shelf 1"}).value_or("")),
            QStringLiteral("move book 1 to shelf 1"));
        // Only admissible commands come back; an unknown task gets none.
        QVERIFY(!e.next(task, intro, {}, {"look"}));
        QVERIFY(!e.next("Your task is to: sing.", intro, {}, fromMiddle));
    }

    void solvesTrainingGames() {
        REQUIRE_DATA("alfworld/train");
        const std::vector<std::string> games = trainGames();
        int n = 0, won = 0, steps = 0;
        for (size_t i = 0; i < games.size(); i += 5) {
            const Played r = play(games[i]);
            QVERIFY2(r.allAdmissible, games[i].c_str());
            ++n;
            won += r.won;
            steps += r.steps;
            if (!r.won) qWarning("not won: %s", games[i].c_str());
        }
        qInfo("train sample: %d/%d won, mean %.2f steps", won, n, double(steps) / n);
        QCOMPARE(won, n);
    }

    void solvesValidSeen() {
        REQUIRE_DATA("alfworld/valid_seen");
        int n = 0, won = 0, steps = 0;
        for (const QString& g : testdata::alfworldGameFiles()) {
            const Played r = play(g.toStdString());
            QVERIFY2(r.allAdmissible, qPrintable(g));
            ++n;
            won += r.won;
            steps += r.steps;
        }
        qInfo("valid_seen: %d/%d won, mean %.2f steps", won, n, double(steps) / n);
        QCOMPARE(n, 140);
        QCOMPARE(won, n);
    }

    // DAgger labels states a learner reached: after 8 random commands the
    // expert must still finish nearly every game.
    void recoversFromRandomDetours() {
        REQUIRE_DATA("alfworld/train");
        const std::vector<std::string> games = trainGames();
        int n = 0, won = 0;
        for (size_t i = 3; i < games.size(); i += 15) {
            const Played r = play(games[i], 8, i);
            QVERIFY(r.allAdmissible);
            ++n;
            won += r.won;
        }
        qInfo("after 8 random steps: %d/%d won", won, n);
        QVERIFY2(won >= n * 95 / 100, qPrintable(QString("%1 of %2").arg(won).arg(n)));
    }
};

QTEST_GUILESS_MAIN(TestSearchExpert)
#include "tst_search_expert.moc"
