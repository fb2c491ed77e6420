// ALFWorld games played natively (issue 6, acceptance 1): every valid_seen
// walkthrough is admissible step by step and wins exactly at its last step;
// object names follow ALFWorld's AlfredDemangler (checked against an
// independent re-implementation over the raw PDDL text); commands that are
// not admissible leave the state alone; the step limit, the `put X in/on Y`
// alias and the expert hook behave as documented.
#include "TestData.h"

#include "env/AlfworldEnv.h"
#include "env/AlfworldGame.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace mobi;

namespace {

std::vector<QString> gameFiles() {
    return testdata::alfworldGameFiles();
}

std::shared_ptr<const AlfworldGame> load(const QString& path) {
    return std::make_shared<const AlfworldGame>(AlfworldGame::load(path.toStdString()));
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The AlfredDemangler written again from its description, on the raw PDDL
// text: entities are the (lower-cased) arguments of :init atoms; the name is
// the part before the first "_bar_" (+ "basin" when the id holds "basin");
// numbers count down over the sorted ids.
// The :init section, lower case, without comments.
QString initSection(const QString& problemText) {
    QString t = problemText.toLower();
    t.replace(QRegularExpression(QStringLiteral(";[^\n]*")), QString());
    const int init = t.indexOf(QStringLiteral("(:init"));
    const int goal = t.indexOf(QStringLiteral("(:goal"));
    return t.mid(init + 6, goal - init - 6);
}

std::map<QString, QString> demangle(const QString& problemText) {
    const QString body = initSection(problemText);
    std::set<QString> ids;
    static const QRegularExpression atom(QStringLiteral("\\(([^()]*)\\)"));
    auto it = atom.globalMatch(body);
    while (it.hasNext()) {
        const QStringList parts = it.next().captured(1).split(
            QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
        if (parts.size() < 2 || parts[0] == QLatin1String("=")) continue;
        for (int i = 1; i < parts.size(); ++i)
            ids.insert(parts[i]);
    }
    std::map<QString, int> count;
    auto base = [](const QString& id) {
        QString n = id.left(id.indexOf(QStringLiteral("_bar_")));
        if (id.contains(QStringLiteral("basin"))) n += QStringLiteral("basin");
        return n;
    };
    for (const QString& id : ids)
        if (id.contains(QStringLiteral("_bar_"))) ++count[base(id)];
    std::map<QString, QString> out;
    for (const QString& id : ids) { // std::set: sorted like Python's sorted()
        if (!id.contains(QStringLiteral("_bar_"))) continue;
        out[id] = base(id) + QLatin1Char(' ') + QString::number(count[base(id)]--);
    }
    return out;
}

} // namespace

class TestAlfworldWalkthrough : public QObject {
    Q_OBJECT

    QString firstGame() {
        const auto files = gameFiles();
        return files.empty() ? QString() : files.front();
    }

    // A game whose walkthrough moves an object (for the put alias).
    QString gameWithMove() {
        for (const QString& f : gameFiles()) {
            const auto game = load(f);
            for (const std::string& c : game->walkthrough())
                if (c.rfind("move ", 0) == 0) return f;
        }
        return {};
    }

  private slots:
    void allWalkthroughsWin() {
        REQUIRE_DATA("alfworld/valid_seen");
        const auto files = gameFiles();
        QCOMPARE(files.size(), size_t(140));
        int passed = 0, totalSteps = 0;
        QElapsedTimer timer;
        timer.start();
        for (const QString& f : files) {
            const auto game = load(f);
            AlfworldEnv env(game);
            const std::string intro = env.reset();
            QVERIFY2(intro.rfind("-= Welcome to TextWorld, ALFRED! =-\n\n", 0) == 0, qPrintable(f));
            QVERIFY2(intro.find("\n\n" + game->taskText()) != std::string::npos, qPrintable(f));
            const auto& walk = game->walkthrough();
            QVERIFY2(!walk.empty(), qPrintable(f));
            for (size_t i = 0; i < walk.size(); ++i) {
                QCOMPARE(env.expertCommand().value_or(""), walk[i]);
                const auto adm = env.admissibleCommands();
                QVERIFY2(contains(adm, walk[i]),
                         qPrintable(f + ": step " + QString::number(i) + " '" +
                                    QString::fromStdString(walk[i]) + "' not admissible"));
                QVERIFY(!env.state().goalReached());
                const EnvStep r = env.step(walk[i]);
                QVERIFY2(r.observation != "Nothing happens.", qPrintable(f));
                QVERIFY(!r.observation.empty());
                const bool last = i + 1 == walk.size();
                QCOMPARE(r.done, last);
                QCOMPARE(r.won, last);
                QCOMPARE(r.reward, last ? 1.0 : 0.0);
                ++totalSteps;
            }
            QVERIFY(env.won());
            QVERIFY(!env.expertCommand().has_value()); // done
            ++passed;
        }
        QCOMPARE(passed, 140);
        qInfo("140 walkthroughs, %d steps, %.2f ms per game (load + play)", totalSteps,
              timer.nsecsElapsed() / 1e6 / 140);
    }

    void admissibleOrderIsSortedAndUnique() {
        REQUIRE_DATA("alfworld/valid_seen");
        for (const QString& f : gameFiles()) {
            AlfworldEnv env(load(f));
            for (const std::string& c : env.game().walkthrough()) {
                const auto adm = env.admissibleCommands();
                QVERIFY(std::is_sorted(adm.begin(), adm.end()));
                QVERIFY(std::adjacent_find(adm.begin(), adm.end()) == adm.end());
                QVERIFY(contains(adm, "look"));
                QVERIFY(contains(adm, "inventory"));
                QVERIFY(contains(adm, "help"));
                env.step(c);
            }
        }
    }

    // At the start every receptacle is one "go to" away; the set of go-to
    // targets is the receptacles of the :init receptacleAtLocation atoms,
    // named by the independent demangler.
    void namesFollowTheAlfredDemangler() {
        REQUIRE_DATA("alfworld/valid_seen");
        int checked = 0;
        for (const QString& f : gameFiles()) {
            const auto game = load(f);
            QFile file(f);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
            const auto expected = demangle(root.value(QStringLiteral("pddl_problem")).toString());
            AlfworldEnv env(game);
            for (int o = 0; o < env.task().objectCount(); ++o) {
                const QString id = QString::fromStdString(env.task().objectName(o)).toLower();
                const auto it = expected.find(id);
                if (it == expected.end()) continue;
                QCOMPARE(QString::fromStdString(env.objectName(o)), it->second);
                QCOMPARE(env.objectId(it->second.toStdString()), o);
                ++checked;
            }
            std::set<std::string> gotos;
            for (const std::string& c : env.admissibleCommands())
                if (c.rfind("go to ", 0) == 0) gotos.insert(c.substr(6));
            std::set<std::string> receptacles;
            static const QRegularExpression ral(
                QStringLiteral("\\(receptacleatlocation\\s+(\\S+)\\s+\\S+\\)"));
            auto m =
                ral.globalMatch(initSection(root.value(QStringLiteral("pddl_problem")).toString()));
            while (m.hasNext())
                receptacles.insert(expected.at(m.next().captured(1)).toStdString());
            QCOMPARE(gotos, receptacles);
        }
        QVERIFY(checked > 140 * 20);
    }

    void inadmissibleCommandsChangeNothing() {
        REQUIRE_DATA("alfworld/valid_seen");
        AlfworldEnv env(load(firstGame()));
        env.step(env.game().walkthrough().front());
        const auto before = env.admissibleCommands();
        const int facts = env.state().factCount();
        const int loc = env.agentLocation();
        for (const char* bad :
             {"xyzzy", "", "   ", "go to unicorn 1", "take unicorn 1 from desk 1", "open desk 99",
              "go to", "take", "move  to ", "put in/on", "LOOK", "go to desk 1 now", "examine 1"}) {
            const EnvStep r = env.step(bad);
            QCOMPARE(r.observation, std::string("Nothing happens."));
            QCOMPARE(r.reward, 0.0);
            QVERIFY(!r.done);
            QCOMPARE(env.admissibleCommands(), before);
            QCOMPARE(env.state().factCount(), facts);
            QCOMPARE(env.agentLocation(), loc);
        }
        QCOMPARE(env.steps(), 14);
        // Off the walkthrough now: no expert without a hook.
        QVERIFY(!env.onWalkthrough());
        QVERIFY(!env.expertCommand().has_value());
        env.setExpert([](const AlfworldEnv& e) -> std::optional<std::string> {
            return e.admissibleCommands().front();
        });
        QCOMPARE(env.expertCommand().value_or(""), env.admissibleCommands().front());
    }

    // TextWorld's template parser drops the help text's leading newline.
    void helpText() {
        REQUIRE_DATA("alfworld/valid_seen");
        AlfworldEnv env(load(firstGame()));
        const std::string help = env.step("help").observation;
        QVERIFY(help.rfind("Available commands:\n  look:", 0) == 0);
        QVERIFY(help.find("  move (object) to (receptacle):") != std::string::npos);
    }

    void stepLimitEndsTheEpisode() {
        REQUIRE_DATA("alfworld/valid_seen");
        AlfworldEnv env(load(firstGame()), 4);
        QCOMPARE(env.maxSteps(), 4);
        for (int i = 1; i <= 4; ++i) {
            const EnvStep r = env.step(i % 2 ? "look" : "nonsense");
            QCOMPARE(r.done, i == 4);
            QVERIFY(!r.won);
            QCOMPARE(r.reward, 0.0);
        }
        const EnvStep after = env.step(env.game().walkthrough().front());
        QVERIFY(after.done);
        QCOMPARE(after.reward, 0.0);
        QCOMPARE(env.steps(), 4);
        // reset() starts over with the same intro.
        const std::string intro = env.intro();
        QCOMPARE(env.reset(), intro);
        QCOMPARE(env.steps(), 0);
        QVERIFY(!env.done());
        // The default limit is ALFWorld's 50.
        AlfworldEnv fifty(load(firstGame()));
        for (int i = 0; i < 49; ++i)
            QVERIFY(!fifty.step("look").done);
        QVERIFY(fifty.step("look").done);
    }

    void putInOnActsAsMove() {
        REQUIRE_DATA("alfworld/valid_seen");
        const QString f = gameWithMove();
        QVERIFY(!f.isEmpty());
        const auto game = load(f);
        for (const char* form : {"put %1 in/on %2", "put %1 in %2", "put %1 on %2"}) {
            AlfworldEnv a(game), b(game);
            for (const std::string& c : game->walkthrough()) {
                std::string alias = c;
                static const QRegularExpression move(QStringLiteral("^move (.+) to (.+)$"));
                const auto m = move.match(QString::fromStdString(c));
                if (m.hasMatch())
                    alias =
                        QString::fromLatin1(form).arg(m.captured(1), m.captured(2)).toStdString();
                const EnvStep ra = a.step(c), rb = b.step(alias);
                QCOMPARE(rb.observation, ra.observation);
                QCOMPARE(rb.done, ra.done);
                QCOMPARE(rb.reward, ra.reward);
                QCOMPARE(b.admissibleCommands(), a.admissibleCommands());
                if (m.hasMatch()) QVERIFY(ra.observation.rfind("You move the ", 0) == 0);
            }
            QVERIFY(b.won());
            QVERIFY(b.onWalkthrough()); // the alias counts as the walkthrough's command
        }
        QCOMPARE(AlfworldEnv::normalizeCommand("  put apple 1 in/on fridge 1 "),
                 std::string("move apple 1 to fridge 1"));
        QCOMPARE(AlfworldEnv::normalizeCommand("go to desk 1"), std::string("go to desk 1"));
    }

    // Copies are independent episodes (planners branch on them).
    void copiesAreIndependent() {
        REQUIRE_DATA("alfworld/valid_seen");
        AlfworldEnv env(load(firstGame()));
        AlfworldEnv copy = env;
        copy.step(env.game().walkthrough().front());
        QCOMPARE(env.steps(), 0);
        QCOMPARE(copy.steps(), 1);
        QVERIFY(env.agentLocation() != copy.agentLocation());
        QCOMPARE(copy.agentLocation() >= 0, true);
        QCOMPARE(env.heldObject(), -1);
    }
};

QTEST_GUILESS_MAIN(TestAlfworldWalkthrough)
#include "tst_alfworld_walkthrough.moc"
