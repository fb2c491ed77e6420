// ALFWorld game files (issue 6, first layer): every valid_seen game parses
// (PDDL domain + problem, TextWorld grammar, walkthrough), checked against an
// independent text scan of the PDDL; malformed inputs give FormatError.
#include "TestData.h"

#include "core/Error.h"
#include "env/AlfworldGame.h"
#include "env/Pddl.h"
#include "util/Json.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QtTest>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace mobi;

namespace {

std::vector<QString> gameFiles() {
    return testdata::alfworldGameFiles();
}

QString stripComments(const QString& text) {
    static const QRegularExpression comment(QStringLiteral(";[^\n]*"));
    QString t = text;
    t.replace(comment, QString());
    return t;
}

// Predicate arities from the domain text alone: each "(name ?a - t ?b - t)"
// line inside (:predicates ...), counting the '?' variables.
std::map<QString, int> scanPredicateArities(const QString& domainText) {
    const QString t = stripComments(domainText);
    const int start = t.indexOf(QStringLiteral("(:predicates"));
    const int end = t.indexOf(QStringLiteral("(:functions"), start);
    std::map<QString, int> out;
    static const QRegularExpression decl(QStringLiteral("\\(([A-Za-z][A-Za-z0-9_-]*)([^()]*)\\)"));
    auto it = decl.globalMatch(t.mid(start + 12, end - start - 12));
    while (it.hasNext()) {
        const auto m = it.next();
        out[m.captured(1)] = static_cast<int>(m.captured(2).count(QLatin1Char('?')));
    }
    return out;
}

// :init atoms from the problem text alone: "(pred a b)" between (:init and (:goal.
std::vector<QStringList> scanInitAtoms(const QString& problemText) {
    const QString t = stripComments(problemText);
    const int start = t.indexOf(QStringLiteral("(:init"));
    const int end = t.indexOf(QStringLiteral("(:goal"), start);
    std::vector<QStringList> out;
    static const QRegularExpression atom(QStringLiteral("\\(([^()]*)\\)"));
    auto it = atom.globalMatch(t.mid(start + 6, end - start - 6));
    while (it.hasNext())
        out.push_back(it.next().captured(1).split(QRegularExpression(QStringLiteral("\\s+")),
                                                  Qt::SkipEmptyParts));
    return out;
}

void collectConstants(const PddlFormula& f, std::vector<std::string>& out) {
    for (const PddlTerm& t : f.args)
        if (!t.isVariable()) out.push_back(t.name);
    for (const PddlFormula& c : f.children)
        collectConstants(c, out);
}

// Runs fn; it must throw FormatError whose message holds every needle.
void expectFormatError(const std::function<void()>& fn, const QStringList& needles) {
    try {
        fn();
    } catch (const FormatError& e) {
        const QString msg = QString::fromStdString(e.what());
        for (const QString& n : needles)
            QVERIFY2(msg.contains(n),
                     qPrintable(QStringLiteral("message '%1' lacks '%2'").arg(msg, n)));
        return;
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QStringLiteral("wrong exception type: ") +
                         QString::fromStdString(e.what())));
    }
    QFAIL(qPrintable(QStringLiteral("no FormatError; expected one naming: ") +
                     needles.join(QStringLiteral(", "))));
}

std::string replaceFirst(std::string s, const std::string& from, const std::string& to) {
    const size_t at = s.find(from);
    if (at == std::string::npos) return s;
    return s.replace(at, from.size(), to);
}

const char* kMiniDomain = R"((define (domain mini)
 (:requirements :adl :typing)
 (:types place thing - object box - thing)
 (:constants Home - place)
 (:predicates (at ?t - thing ?p - place) (open ?b - box))
 (:functions (cost) - number (dist ?a ?b))
 (:action move
   :parameters (?t - thing ?from - place ?to - place)
   :precondition (and (at ?t ?from) (not (= ?from ?to)) (imply (open ?t) (at ?t Home)))
   :effect (and (not (at ?t ?from)) (at ?t ?to) (increase (cost) (dist ?from ?to))
                (forall (?b - box) (when (open ?b) (not (open ?b)))))))
)";

} // namespace

class TestAlfworldLoad : public QObject {
    Q_OBJECT
  private:
    std::string realText_; // one real game file, for the malformed-input tests

    void needRealText() {
        const auto files = gameFiles();
        QVERIFY(!files.empty());
        QFile f(files.front());
        QVERIFY(f.open(QIODevice::ReadOnly));
        realText_ = f.readAll().toStdString();
    }

    // The real file with one key replaced (or removed when value is null).
    std::string withKey(const std::string& key, const Json* value) {
        const Json root = Json::parse(realText_, "real");
        Json::Object out;
        for (const auto& [k, v] : root.asObject()) {
            if (k != key)
                out.emplace_back(k, v);
            else if (value)
                out.emplace_back(k, *value);
        }
        return Json(out).dump();
    }

    std::string field(const std::string& key) {
        return Json::parse(realText_, "real").find(key)->asString();
    }

  private slots:
    void allValidSeenGamesLoad() {
        REQUIRE_DATA("alfworld/valid_seen");
        const auto files = gameFiles();
        QVERIFY2(files.size() >= 137, qPrintable(QString::number(files.size())));
        const std::vector<QString> taskTypes = {QStringLiteral("pick_and_place_simple"),
                                                QStringLiteral("look_at_obj_in_light"),
                                                QStringLiteral("pick_clean_then_place_in_recep"),
                                                QStringLiteral("pick_heat_then_place_in_recep"),
                                                QStringLiteral("pick_cool_then_place_in_recep"),
                                                QStringLiteral("pick_two_obj_and_place")};
        std::map<QString, int> perType;
        const std::vector<std::string> alfredActions = {
            "GotoLocation", "OpenObject", "CloseObject",       "PickupObject",  "PutObject",
            "CleanObject",  "HeatObject", "CoolObject",        "ToggleObject",  "SliceObject",
            "look",         "inventory",  "examineReceptacle", "examineObject", "help"};
        QElapsedTimer timer;
        qint64 totalNs = 0, maxNs = 0;
        size_t totalInit = 0;
        for (const QString& path : files) {
            const QString trialDir = QFileInfo(path).dir().path();
            const QString taskDir = QFileInfo(trialDir).fileName();
            const QString taskName = QFileInfo(QFileInfo(trialDir).path()).fileName();
            Q_UNUSED(taskDir);
            for (const QString& t : taskTypes)
                if (taskName.startsWith(t + QLatin1Char('-'))) ++perType[t];

            timer.start();
            AlfworldGame g;
            try {
                g = AlfworldGame::load(path.toStdString());
            } catch (const EngineError& e) {
                QFAIL(e.what());
            }
            const qint64 ns = timer.nsecsElapsed();
            totalNs += ns;
            maxNs = std::max(maxNs, ns);

            QVERIFY2(!g.walkthrough().empty(), qPrintable(path));
            QVERIFY2(g.taskText().rfind("Your task is to:", 0) == 0, g.taskText().c_str());
            const PddlFormula& goal = g.problem().goal;
            QVERIFY2(goal.kind != PddlFormula::Kind::And || !goal.children.empty(),
                     qPrintable(path));
            for (const std::string& a : alfredActions)
                QVERIFY2(g.domain().action(a), a.c_str());
            // Grammar: symbols from every block, and a command template for
            // each action block ("go to ...", "take {o} from {r}", ...).
            const AlfworldGrammar& gr = g.grammar();
            for (const char* sym :
                 {"intro", "GotoLocation.feedback", "toggleObject.feedback", "heatObject.feedback",
                  "sliceObject.feedback", "look.feedback", "list_last_separator"})
                QVERIFY2(!gr.templates(sym).empty(), sym);
            QCOMPARE(gr.templates("list_separator").front(), std::string(", "));
            QCOMPARE(gr.command("PickupObject")->commandTemplate, std::string("take {o} from {r}"));
            QCOMPARE(gr.command("PutObject")->commandTemplate, std::string("move {o} to {r}"));
            QCOMPARE(gr.command("CoolObject")->feedback, std::string("#coolObject.feedback#"));
            QVERIFY(gr.command("help")->feedback.find("Available commands:") != std::string::npos);
            const QString gtext = QString::fromStdString(
                Json::parseFile(path.toStdString()).find("grammar")->asString());
            static const QRegularExpression actionRe(QStringLiteral("^action (\\w+) \\{"),
                                                     QRegularExpression::MultilineOption);
            int actionBlocks = 0;
            for (auto it = actionRe.globalMatch(gtext); it.hasNext(); ++actionBlocks)
                QVERIFY(gr.command(it.next().captured(1).toStdString()));
            QCOMPARE(gr.commands().size(), size_t(actionBlocks));
            // Symbols of all grammar blocks, counted from the text: each is a
            // `"name": [` key (rule fields hold strings, never arrays).
            static const QRegularExpression symbolRe(QStringLiteral("\"[^\"\\n]+\":\\s*\\["));
            QCOMPARE(size_t(gtext.count(symbolRe)), gr.symbols().size());
            QCOMPARE(gtext.count(QStringLiteral("\"\"\"")), 2 * 7); // 7 grammar blocks

            // The goal names only declared objects.
            std::vector<std::string> consts;
            collectConstants(goal, consts);
            for (const std::string& c : consts)
                QVERIFY2(g.problem().objectType(c), c.c_str());

            // Objects by type partition the object list; one agent.
            size_t byType = 0;
            for (const auto& [type, names] : g.objectsByType())
                byType += names.size();
            QCOMPARE(byType, g.problem().objects.size());
            QCOMPARE(g.objectsByType().at("agent").size(), size_t(1));

            // Independent check from the raw text: same :init atoms, in order,
            // and each has the arity the domain text declares.
            const Json root = Json::parseFile(path.toStdString());
            const auto arities =
                scanPredicateArities(QString::fromStdString(root.find("pddl_domain")->asString()));
            QCOMPARE(arities.size(), g.domain().predicates.size());
            const auto atoms =
                scanInitAtoms(QString::fromStdString(root.find("pddl_problem")->asString()));
            QCOMPARE(atoms.size(), g.problem().init.size());
            totalInit += atoms.size();
            for (size_t i = 0; i < atoms.size(); ++i) {
                const QStringList& a = atoms[i];
                const PddlGroundAtom& p = g.problem().init[i];
                QCOMPARE(a.front().toStdString(), p.predicate);
                QVERIFY2(arities.count(a.front()), qPrintable(a.front()));
                QCOMPARE(a.size() - 1, arities.at(a.front()));
                QCOMPARE(static_cast<size_t>(a.size() - 1), p.args.size());
                for (size_t k = 0; k < p.args.size(); ++k)
                    QCOMPARE(a[int(k) + 1].toStdString(), p.args[k]);
                // ... and from the parse tree's own declaration.
                QCOMPARE(p.args.size(), g.domain().predicate(p.predicate)->params.size());
            }
        }
        for (const QString& t : taskTypes)
            QVERIFY2(perType[t] > 0, qPrintable(t));
        qInfo("%zu games, %zu init atoms; parse %.2f ms total, %.3f ms mean, %.3f ms max",
              files.size(), totalInit, totalNs / 1e6, totalNs / 1e6 / double(files.size()),
              maxNs / 1e6);
        for (const auto& [t, n] : perType)
            qInfo("  %s: %d", qPrintable(t), n);
    }

    void miniDomainFeatures() {
        const PddlDomain d = PddlParser::parseDomain(kMiniDomain, "mini");
        QCOMPARE(d.types.at("box"), std::string("thing"));
        QVERIFY(d.isSubtype("box", "thing"));
        QVERIFY(!d.isSubtype("place", "thing"));
        QCOMPARE(d.function("dist")->params.size(), size_t(2));
        QCOMPARE(d.function("cost")->type, std::string("number"));
        const PddlAction* mv = d.action("move");
        QVERIFY(mv);
        QCOMPARE(mv->params.size(), size_t(3));
        QCOMPARE(mv->precondition.children.size(), size_t(3));
        QVERIFY(mv->precondition.children[1].children[0].kind == PddlFormula::Kind::Equal);
        QVERIFY(mv->precondition.children[2].kind == PddlFormula::Kind::Imply);
        QCOMPARE(mv->precondition.children[2].children[1].args[1].name, std::string("Home"));
        QVERIFY(mv->effect.children[2].kind == PddlFormula::Kind::Increase);
        QVERIFY(mv->effect.children[3].kind == PddlFormula::Kind::Forall);
        QVERIFY(mv->effect.children[3].children[0].kind == PddlFormula::Kind::When);

        const PddlProblem p = PddlParser::parseProblem(
            "(define (problem q) (:domain mini) (:objects b1 - box Away - place)"
            " (:init (at b1 Home) (= (dist Home Away) 2.5) (= (cost) 0))"
            " (:goal (and (at b1 Away) (not (open b1)))) (:metric minimize (cost)))",
            d, "q");
        QCOMPARE(p.init.size(), size_t(1));
        QCOMPARE(p.numericInit.size(), size_t(2));
        QCOMPARE(p.numericInit[0].value, 2.5);
        QVERIFY(p.metric && p.metric->minimize && p.metric->expression.name == "cost");
        // A box is a thing: type hierarchy accepted; a place is not.
        expectFormatError(
            [&] {
                PddlParser::parseProblem(
                    "(define (problem q) (:domain mini) (:objects Away - place)"
                    " (:init (at Away Home)) (:goal (at Away Home)))",
                    d, "q");
            },
            {"line 1", "expects 'thing'"});
        // Malformed domain pieces, synthetic.
        const std::string dom = kMiniDomain;
        expectFormatError(
            [&] {
                PddlParser::parseDomain(replaceFirst(dom, "(at ?t ?from)", "(att ?t ?from)"), "m");
            },
            {"m: line 9", "undeclared predicate 'att'"});
        expectFormatError(
            [&] { PddlParser::parseDomain(replaceFirst(dom, "(at ?t ?from)", "(at ?t)"), "m"); },
            {"line 9", "'at' takes 2 arguments, 1 given"});
        expectFormatError(
            [&] {
                PddlParser::parseDomain(replaceFirst(dom, "(at ?t ?from)", "(at ?t ?nowhere)"),
                                        "m");
            },
            {"undeclared variable '?nowhere'"});
        expectFormatError(
            [&] { PddlParser::parseDomain(replaceFirst(dom, "(:constants", "(:konstants"), "m"); },
            {"line 4", "unknown domain section ':konstants'"});
        expectFormatError(
            [&] { PddlParser::parseDomain(replaceFirst(dom, "?p - place)", "?p - planet)"), "m"); },
            {"undeclared type 'planet'"});
        expectFormatError(
            [&] { PddlParser::parseDomain(replaceFirst(dom, ":effect (and", ":effect (or"), "m"); },
            {"line 10", "'or' is not allowed in an effect"});
        expectFormatError([&] { PddlParser::parseDomain("", "m"); }, {"empty PDDL"});
        expectFormatError([&] { PddlParser::parseDomain(dom + ")", "m"); }, {"unexpected ')'"});
        expectFormatError([&] { PddlParser::parseDomain(dom + "(x)", "m"); },
                          {"after the top-level list"});
        expectFormatError(
            [&] {
                PddlParser::parseDomain(std::string(10000, '(') + std::string(10000, ')'), "m");
            },
            {"nesting deeper than 256"});
    }

    void malformedRealGames() {
        REQUIRE_DATA("alfworld/valid_seen");
        needRealText();
        const std::string dom = field("pddl_domain");
        const std::string prob = field("pddl_problem");
        auto loadText = [](const std::string& text) { AlfworldGame::parse(text, "game.json"); };
        auto withStr = [&](const std::string& key, const std::string& s) {
            const Json v(s);
            return withKey(key, &v);
        };
        // Sanity: the untouched round trip loads.
        loadText(withKey("none", nullptr));

        // Truncated PDDL, at several points and every 61st byte: always an error, never a crash.
        for (size_t cut : {size_t(0), size_t(1), dom.size() / 3, dom.size() / 2, dom.size() - 2})
            expectFormatError([&] { loadText(withStr("pddl_domain", dom.substr(0, cut))); },
                              {"[pddl_domain]"});
        for (size_t cut = 0; cut + 1 < prob.size(); cut += 61)
            expectFormatError(
                [&] {
                    PddlParser::parseProblem(prob.substr(0, cut),
                                             AlfworldGame::parse(realText_, "r").domain(), "p");
                },
                {"p: "});
        expectFormatError(
            [&] { loadText(withStr("pddl_problem", prob.substr(0, prob.size() / 2))); },
            {"[pddl_problem]", "unbalanced parentheses", "never closed"});

        expectFormatError([&] { loadText(withStr("pddl_problem", prob + ")")); },
                          {"[pddl_problem]", "unexpected ')'"});
        expectFormatError(
            [&] {
                loadText(withStr("pddl_problem",
                                 replaceFirst(prob, "(:init", "(:init (fooBar agent1)")));
            },
            {"[pddl_problem]", "undeclared predicate 'fooBar' in :init"});
        expectFormatError(
            [&] {
                loadText(withStr("pddl_problem",
                                 replaceFirst(prob, "(:init", "(:init (holdsAny agent1 agent1)")));
            },
            {"'holdsAny' takes 1 arguments, 2 given"});
        expectFormatError(
            [&] {
                loadText(withStr("pddl_problem",
                                 replaceFirst(prob, "(:init", "(:init (holdsAny agent7)")));
            },
            {"unknown object 'agent7' in :init"});
        expectFormatError(
            [&] {
                loadText(withStr("pddl_problem",
                                 replaceFirst(prob, "agent1 - agent", "agent1 - robot")));
            },
            {"object 'agent1' has undeclared type 'robot'"});
        expectFormatError(
            [&] { loadText(withStr("pddl_problem", replaceFirst(prob, "(:init", "(:inits"))); },
            {"unknown problem section ':inits'"});
        expectFormatError(
            [&] {
                loadText(withStr("pddl_problem",
                                 replaceFirst(prob, "(:domain alfred)", "(:domain blocks)")));
            },
            {"problem is for domain 'blocks'"});
        expectFormatError(
            [&] {
                loadText(withStr("pddl_domain",
                                 replaceFirst(dom, "(pickupable ?o)\n", "(pickupablez ?o)\n")));
            },
            {"[pddl_domain]", "undeclared predicate 'pickupablez'"});
        expectFormatError(
            [&] {
                loadText(withStr("pddl_domain",
                                 replaceFirst(dom, "(openable ?r)\n", "(openable ?r ?r)\n")));
            },
            {"[pddl_domain]", "'openable' takes 1 arguments, 2 given"});
        // Goal with an unknown object, against the real domain.
        const PddlDomain real = AlfworldGame::parse(realText_, "r").domain();
        expectFormatError(
            [&] {
                PddlParser::parseProblem(
                    "(define (problem p) (:domain alfred)\n(:objects agent1 - agent loc1 - "
                    "location)\n"
                    "(:init (atLocation agent1 loc1))\n(:goal (atLocation agent1 NoSuchLoc)))",
                    real, "g");
            },
            {"g: line 4", "unknown object 'NoSuchLoc'"});
        // A 10,000-deep nest in the problem.
        expectFormatError(
            [&] {
                loadText(
                    withStr("pddl_problem", std::string(10000, '(') + std::string(10000, ')')));
            },
            {"[pddl_problem]", "nesting deeper than 256"});

        // JSON-level problems.
        expectFormatError([&] { loadText(withKey("pddl_problem", nullptr)); },
                          {"game.json", "missing key \"pddl_problem\""});
        expectFormatError([&] { loadText(withStr("walkthrough", "go to desk 1")); },
                          {"\"walkthrough\" must be an array"});
        expectFormatError(
            [&] { loadText(withStr("grammar", "grammar :: \"\"\"{ not json \"\"\";")); },
            {"[grammar]", "JSON"});
        const std::string gram = field("grammar");
        expectFormatError([&] { loadText(withStr("grammar", gram.substr(0, gram.size() / 2))); },
                          {"[grammar]"});
        expectFormatError(
            [&] {
                loadText(withStr("grammar",
                                 replaceFirst(gram, "action OpenObject {", "action OpenObject")));
            },
            {"[grammar]", "expected '{'"});
        expectFormatError(
            [&] { loadText(withStr("grammar", replaceFirst(gram, "template ::", "templat ::"))); },
            {"[grammar]", "unknown key 'templat'"});
        expectFormatError(
            [&] {
                loadText(
                    withStr("grammar", replaceFirst(gram, "\"list_empty\"", "\"list_separator\"")));
            },
            {"[grammar]", "symbol \"list_separator\" defined twice"});
        expectFormatError(
            [&] { loadText(withStr("grammar", gram + "\naction x { template :: \"open")); },
            {"[grammar]", "never closed"});
        expectFormatError([&] { loadText(withStr("grammar", "{\"task\": []}")); }, {"[grammar]"});
        expectFormatError(
            [&] {
                loadText(
                    withStr("grammar", "grammar :: \"\"\"{\"intro\": [{\"rhs\": \"x\"}]}\"\"\";"));
            },
            {"[grammar]", "no \"task\""});
        expectFormatError([&] { loadText("[1, 2]"); }, {"expected a JSON object"});
        expectFormatError([&] { loadText(realText_.substr(0, realText_.size() / 2)); },
                          {"game.json"});
        expectFormatError([] { AlfworldGame::load("/nonexistent/game.tw-pddl"); },
                          {"/nonexistent/game.tw-pddl", "cannot open"});
    }
};

QTEST_GUILESS_MAIN(TestAlfworldLoad)
#include "tst_alfworld_load.moc"
