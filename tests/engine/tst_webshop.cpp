// WebShop in text mode (issue 6): BM25 search against a direct computation,
// the catalogue and goal lists from shared/data/webshop, the pages as text,
// the reward's parts, the heuristic expert on every playable goal, bad input,
// and the expert / random-policy numbers for docs/RESULTS.md.
#include "TestData.h"

#include "core/Error.h"
#include "env/Bm25Analyzer.h"
#include "env/Bm25Index.h"
#include "env/Bm25PorterStemmer.h"
#include "env/WebshopCatalog.h"
#include "env/WebshopEnv.h"
#include "env/WebshopGoals.h"
#include "env/WebshopReward.h"
#include "env/WebshopSuite.h"
#include "env/WebshopText.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <tuple>

using namespace mobi;

namespace {

std::string dataDir() {
    return testdata::stdPath("webshop");
}

void expectFormatError(const std::function<void()>& fn, const QString& needle) {
    try {
        fn();
    } catch (const FormatError& e) {
        QVERIFY2(QString::fromStdString(e.what()).contains(needle),
                 qPrintable(QStringLiteral("message lacks '") + needle + "': " + e.what()));
        return;
    }
    QFAIL(qPrintable(QStringLiteral("no FormatError (expected '") + needle + "')"));
}

QByteArray rawRecordLine(const QString& asin) {
    QFile f(testdata::path("webshop/documents_100.jsonl"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    while (!f.atEnd()) {
        const QByteArray line = f.readLine();
        if (line.startsWith("{\"id\": \"" + asin.toUtf8() + "\"")) return line;
    }
    return {};
}

// The product record of `asin` read with Qt's JSON parser (independent of
// the engine's loader).
QJsonObject productRecord(const QString& asin) {
    QFile f(testdata::path("webshop/documents_100.jsonl"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    while (!f.atEnd()) {
        const QJsonObject rec = QJsonDocument::fromJson(f.readLine()).object();
        if (rec.value("id").toString() == asin) return rec.value("product").toObject();
    }
    return {};
}

struct Policy {
    double rewardSum = 0;
    int wins = 0;
    int episodes = 0;
    int bought = 0;
    long steps = 0;
};

} // namespace

class TestWebshop : public QObject {
    Q_OBJECT

  private:
    WebshopSuite suite_;
    bool loaded_ = false;

    const WebshopSuite& suite() {
        if (!loaded_) {
            suite_ = WebshopSuite::load(dataDir());
            loaded_ = true;
        }
        return suite_;
    }

    // A goal whose product has options and whose first option value is not
    // in the product's own text, so a wrong choice cannot be rescued by
    // WebShop's text fallback.
    const WebshopGoal* goalWithOptions() {
        for (const WebshopGoal& g : suite().goals) {
            const WebshopProduct* p = suite().catalog->find(g.asin);
            if (g.goalOptions.size() >= 2 && p->options.front().second.size() >= 2) return &g;
        }
        return nullptr;
    }

  private slots:
    void porterStemmerMatchesPortersVocabulary() {
        // Input -> output pairs from Porter's published vocabulary
        // (tartarus.org/martin/PorterStemmer voc.txt / output.txt).
        const std::map<std::string, std::string> cases = {{"caresses", "caress"},
                                                          {"ponies", "poni"},
                                                          {"ties", "ti"},
                                                          {"cats", "cat"},
                                                          {"feed", "feed"},
                                                          {"agreed", "agre"},
                                                          {"plastered", "plaster"},
                                                          {"bled", "bled"},
                                                          {"motoring", "motor"},
                                                          {"sing", "sing"},
                                                          {"conflated", "conflat"},
                                                          {"troubled", "troubl"},
                                                          {"sized", "size"},
                                                          {"hopping", "hop"},
                                                          {"tanned", "tan"},
                                                          {"falling", "fall"},
                                                          {"hissing", "hiss"},
                                                          {"fizzed", "fizz"},
                                                          {"failing", "fail"},
                                                          {"filing", "file"},
                                                          {"happy", "happi"},
                                                          {"sky", "sky"},
                                                          {"relational", "relat"},
                                                          {"conditional", "condit"},
                                                          {"rational", "ration"},
                                                          {"digitizer", "digit"},
                                                          {"vietnamization", "vietnam"},
                                                          {"operator", "oper"},
                                                          {"hopefulness", "hope"},
                                                          {"goodness", "good"},
                                                          {"allowance", "allow"},
                                                          {"adjustment", "adjust"},
                                                          {"adoption", "adopt"},
                                                          {"effective", "effect"},
                                                          {"generalizations", "gener"},
                                                          {"oscillators", "oscil"},
                                                          {"shoes", "shoe"},
                                                          {"is", "is"}};
        for (const auto& [in, out] : cases)
            QCOMPARE(Bm25PorterStemmer::stem(in), out);
    }

    void analyzerFollowsStandardTokenizerAndEnglishFilters() {
        // Reference: Lucene 8.7 EnglishAnalyzer on the same text.
        const std::string text = "Finish/Frame Description:Solid, 14.125 Depth sofa-tables don't "
                                 "\xE2\x98\x85"
                                 "fast 1,000 a.b. x_y \xE2\x9D\xA4\xEF\xB8\x8F"
                                 "size\xEF\xBC\x9Am 360\xC2\xBA";
        const std::vector<std::string> want = {"finish",
                                               "frame",
                                               "description:solid",
                                               "14.125",
                                               "depth",
                                               "sofa",
                                               "tabl",
                                               "don't",
                                               "\xE2\x98\x85",
                                               "fast",
                                               "1,000",
                                               "a.b",
                                               "x_y",
                                               "\xE2\x9D\xA4\xEF\xB8\x8F",
                                               "size\xEF\xBC\x9Am",
                                               "360\xC2\xBA"};
        QCOMPARE(Bm25Analyzer::analyze(text), want);
        const std::vector<std::string> wantTerms = {"women", "shoe", "run", "rain"};
        QCOMPARE(Bm25Analyzer::analyze("The Women's Shoes are for running in THE rain"), wantTerms);
    }

    void bm25ScoresMatchDirectComputation() {
        // Words Porter leaves alone and no stop words, so terms = words.
        const std::vector<std::vector<std::string>> docs = {
            {"red", "shoe", "wool", "sock"},
            {"blue", "shoe"},
            {"red", "hat", "red", "wool", "cotton", "blue"},
            {"cotton", "sock", "sock"},
            {"hat"}};
        Bm25Index index; // k1 0.9, b 0.4; all lengths below 24 are stored exactly
        for (const auto& d : docs) {
            std::string text;
            for (const auto& w : d)
                text += w + " ";
            index.add(text);
        }
        QCOMPARE(index.size(), docs.size());
        const std::vector<std::string> query = {"red", "shoe", "red", "sock"};
        // Direct: sum over query words (repeats add again) of
        // idf * tf / (tf + k1 (1 - b + b dl / avgdl)).
        double total = 0;
        for (const auto& d : docs)
            total += double(d.size());
        const double avgdl = total / double(docs.size());
        const double N = double(docs.size());
        std::vector<double> want(docs.size(), 0.0);
        for (size_t i = 0; i < docs.size(); ++i) {
            for (const std::string& q : query) {
                double df = 0;
                for (const auto& d : docs)
                    df += std::count(d.begin(), d.end(), q) > 0 ? 1 : 0;
                const double tf = double(std::count(docs[i].begin(), docs[i].end(), q));
                if (tf == 0) continue;
                const double idf = std::log(1 + (N - df + 0.5) / (df + 0.5));
                want[i] += idf * tf / (tf + 0.9 * (1 - 0.4 + 0.4 * double(docs[i].size()) / avgdl));
            }
        }
        const std::vector<Bm25Hit> hits = index.search("red shoe red sock", 10);
        QCOMPARE(hits.size(), size_t(4)); // doc 4 ("hat") holds no query word
        for (size_t h = 0; h < hits.size(); ++h) {
            // Lucene's float arithmetic against the direct double computation.
            QVERIFY(std::abs(hits[h].score - want[hits[h].doc]) < 1e-6 * want[hits[h].doc]);
            if (h > 0) QVERIFY(hits[h - 1].score >= hits[h].score);
        }
        QCOMPARE(index.search("red shoe red sock", 2).size(), size_t(2));
        QVERIFY(index.search("the of and", 10).empty()); // only stop words
    }

    void bm25LengthsAreLuceneBytes() {
        // SmallFloat.intToByte4 keeps 0..39 exactly, then 4 significant bits
        // above 24: 41 = 24 + 0b10001 -> 24 + 0b10000 = 40;
        // 100 = 24 + 0b1001100 -> 24 + 0b1001000 = 96.
        for (uint32_t n = 0; n < 40; ++n)
            QCOMPARE(Bm25Index::decodeLength(Bm25Index::encodeLength(n)), n);
        QCOMPARE(Bm25Index::decodeLength(Bm25Index::encodeLength(41)), 40u);
        QCOMPARE(Bm25Index::decodeLength(Bm25Index::encodeLength(100)), 96u);
        QCOMPARE(int(Bm25Index::encodeLength(100)), 57);
        for (uint32_t n = 1; n < 100000; n = n * 3 / 2 + 1)
            QVERIFY(Bm25Index::decodeLength(Bm25Index::encodeLength(n)) <= n);
    }

    void fuzzyMatchingAsThefuzz() {
        // Reference values from thefuzz 0.19.0 (WebShop's pinned version,
        // difflib backend): fuzz.token_set_ratio(a, b).
        const std::vector<std::tuple<std::string, std::string, int>> cases = {
            {"long sleeve", "short sleeve", 71},
            {"long sleeve", "short", 12},
            {"x-large", "xx-large", 93},
            {"light blue", "blue", 100},
            {"dark brown", "brown black", 76},
            {"high quality hair extensions", "hair extension", 67},
            {"Pack of 12", "12 pack", 100},
            {"gluten free", "Gluten-Free snacks", 100},
            {"machine wash", "hand wash", 67},
            {"", "x", 0}};
        for (const auto& [a, b, want] : cases)
            QCOMPARE(WebshopText::tokenSetRatio(a, b), want);
        // difflib's ratio is not the LCS ratio: "abcd" vs "bcda" matches the
        // block "bcd" only (2 * 3 / 8).
        QCOMPARE(WebshopText::sequenceRatio("abcd", "bcda"), 0.75);
        QCOMPARE(WebshopText::fuzzRatio("abc", "abc"), 100);
        QCOMPARE(WebshopText::fuzzRatio("ab", "cd"), 0);
        QCOMPARE(WebshopText::normalizeColor("black forest"), std::string("black"));
        QCOMPARE(WebshopText::normalizeColor("violet lavender"), std::string("lavender"));
        QCOMPARE(WebshopText::normalizeColor("webshop"), std::string("webshop"));
        QCOMPARE(WebshopText::pyFloat(1.0), std::string("1.0"));
        QCOMPARE(WebshopText::pyFloat(2.0 / 3.0), std::string("0.6666666666666666"));
    }

    void bm25MatchesLuceneOnTheCatalogue() {
        // Reference: Lucene 8.7 EnglishAnalyzer + BM25Similarity(0.9, 0.4)
        // over the "contents" of documents_100.jsonl, BooleanQuery of the
        // query terms (SHOULD): total hits and the first five (asin, score).
        REQUIRE_DATA("webshop/documents_100.jsonl");
        struct Ref {
            std::string query;
            size_t total;
            std::vector<std::pair<std::string, double>> top;
        };
        const std::vector<Ref> refs = {{"console table",
                                        6,
                                        {{"B09DG92LJL", 4.444017},
                                         {"B06Y3VLDFB", 4.10143},
                                         {"B07GZLDJMC", 3.531589},
                                         {"B09B7G7P58", 2.6671035},
                                         {"B08HN55NGW", 2.3826149}}},
                                       {"women's dresses with polyester spandex for daily wear",
                                        26,
                                        {{"B08ZRR3DZT", 8.356372},
                                         {"B095SX6366", 4.954913},
                                         {"B08ZKDQPZ3", 4.0697165},
                                         {"B08T9KJJPZ", 3.0447917},
                                         {"B09P5CRVQ6", 2.8765745}}},
                                       {"red pointed toe pumps shoes",
                                        16,
                                        {{"B08R3XSC65", 8.5672035},
                                         {"B09S6VN97V", 3.5091724},
                                         {"B08HN55NGW", 2.5244734},
                                         {"B07NZ173GY", 2.0389931},
                                         {"B09Q5J5HKG", 2.0281115}}}};
        const WebshopCatalog& cat = *suite().catalog;
        for (const Ref& r : refs) {
            const std::vector<Bm25Hit> hits = cat.index().search(r.query, 50);
            QCOMPARE(hits.size(), r.total);
            for (size_t i = 0; i < r.top.size(); ++i) {
                QCOMPARE(cat.products()[hits[i].doc].asin, r.top[i].first);
                QVERIFY(std::abs(hits[i].score - r.top[i].second) < 1e-5 * r.top[i].second);
            }
        }
    }

    void catalogueAndGoalsLoad() {
        REQUIRE_DATA("webshop/documents_100.jsonl");
        const WebshopSuite& s = suite();
        QCOMPARE(s.catalog->size(), size_t(100));
        // Independent count: goals = sum over catalogue products with an
        // instruction of the product of their option list sizes.
        QFile ins(testdata::path("webshop/items_ins_v2_1000.json"));
        QVERIFY(ins.open(QIODevice::ReadOnly));
        const QJsonObject attrs = QJsonDocument::fromJson(ins.readAll()).object();
        QFile docs(testdata::path("webshop/documents_100.jsonl"));
        QVERIFY(docs.open(QIODevice::ReadOnly));
        size_t expectGoals = 0, instructionProducts = 0;
        while (!docs.atEnd()) {
            const QJsonObject p =
                QJsonDocument::fromJson(docs.readLine()).object().value("product").toObject();
            const QJsonObject a = attrs.value(p.value("asin").toString()).toObject();
            if (!a.contains("instruction")) continue;
            ++instructionProducts;
            size_t combos = 1;
            for (const QJsonValue& v : p.value("options").toObject())
                combos *= size_t(v.toArray().size());
            expectGoals += combos;
        }
        QCOMPARE(s.goals.size(), expectGoals);
        size_t allInstructions = 0;
        for (const QJsonValue& v : attrs)
            allInstructions += v.toObject().contains("instruction") ? 1 : 0;
        QCOMPARE(s.instructionProducts, allInstructions);
        qInfo("catalogue %zu products; %zu products with an instruction in the attribute file, "
              "%zu of them in the catalogue -> %zu playable synthetic goals; %zu human goals",
              s.catalog->size(), allInstructions, instructionProducts, s.goals.size(),
              s.humanGoals.size());
        for (const WebshopGoal& g : s.goals) {
            QVERIFY(s.catalog->find(g.asin) != nullptr);
            QVERIFY(!g.attributes.empty());
            QVERIFY(g.priceUpper >= s.catalog->find(g.asin)->price);
        }
        const WebshopProduct* p = s.catalog->find("b06y3vldfb");
        QVERIFY(p);
        QCOMPARE(p->title, std::string("Vhomes Lights Reclaimed Wood Console Table The Genessis "
                                       "Collection Sofa-Tables"));
        QCOMPARE(p->priceTag, std::string("$877.8"));
        QCOMPARE(p->price, 877.8);
        QVERIFY(s.catalog->search("console table").size() <= WebshopCatalog::kSearchReturn);
        QVERIFY(!s.catalog->search("console table").empty());
    }

    void pagesAsTextMode() {
        REQUIRE_DATA("webshop/documents_100.jsonl");
        const WebshopGoal* g = goalWithOptions();
        QVERIFY(g);
        const QJsonObject rec = productRecord(QString::fromStdString(g->asin));
        QVERIFY(!rec.isEmpty());
        WebshopEnv env(suite().catalog, *g, 0);
        const std::string instr = g->instructionText;
        QCOMPARE(env.reset(), "WebShop [SEP] Instruction: [SEP] " + instr + " [SEP] Search");
        QCOMPARE(env.admissibleCommands(), std::vector<std::string>{WebshopEnv::kSearchMarker});

        const std::string title = rec.value("Title").toString().trimmed().toStdString();
        EnvStep st = env.step("search[" + title + "]");
        QVERIFY(!st.done);
        QCOMPARE(env.page(), WebshopEnv::Page::Results);
        const std::vector<size_t>& res = env.results();
        QVERIFY(!res.empty());
        std::string want = "Instruction: [SEP] " + instr +
                           " [SEP] Back to Search [SEP] Page 1 "
                           "(Total results: " +
                           std::to_string(res.size()) + ")";
        if (res.size() > 10) want += " [SEP] Next >";
        for (size_t i = 0; i < std::min<size_t>(10, res.size()); ++i) {
            const WebshopProduct& p = suite().catalog->products()[res[i]];
            const QJsonObject r = productRecord(QString::fromStdString(p.asin));
            want += " [SEP] " + p.asin + " [SEP] " +
                    r.value("Title").toString().trimmed().toStdString() + " [SEP] " +
                    r.value("Price").toString().toStdString();
        }
        QCOMPARE(st.observation, want);

        // The product's own title finds it; click it (asin, lower case).
        std::string asinLower = g->asin;
        for (char& c : asinLower)
            c = char(std::tolower(c));
        bool listed = false;
        for (const std::string& c : env.admissibleCommands())
            listed = listed || c == "click[" + asinLower + "]";
        QVERIFY(listed);
        st = env.step("click[" + asinLower + "]");
        std::string item = "Instruction: [SEP] " + instr + " [SEP] Back to Search [SEP] < Prev";
        // QJsonObject sorts its keys; order the option names by where they
        // stand in the raw record line instead.
        const QJsonObject opts = rec.value("options").toObject();
        const QString raw = QString::fromUtf8(rawRecordLine(QString::fromStdString(g->asin)));
        const int optionsAt = raw.indexOf(QStringLiteral("\"options\": {"));
        QVERIFY(optionsAt > 0);
        std::vector<std::pair<int, QString>> names;
        for (auto it = opts.begin(); it != opts.end(); ++it)
            names.emplace_back(raw.indexOf("\"" + it.key() + "\": [", optionsAt), it.key());
        std::sort(names.begin(), names.end());
        std::vector<std::string> optionValues;
        for (const auto& [at, key] : names) {
            item += " [SEP] " + key.toStdString();
            for (const QJsonValue& v : opts.value(key).toArray()) {
                item += " [SEP] " + v.toString().toStdString();
                optionValues.push_back(v.toString().toStdString());
            }
        }
        item += " [SEP] " + title + " [SEP] Price: " + rec.value("Price").toString().toStdString() +
                " [SEP] Rating: N.A. [SEP] Description [SEP] Features [SEP] Reviews [SEP] Buy Now";
        QCOMPARE(st.observation, item);
        const WebshopProduct* prod = suite().catalog->find(g->asin);
        std::vector<std::string> wantClicks = {"click[back to search]", "click[< prev]",
                                               "click[description]",    "click[features]",
                                               "click[reviews]",        "click[buy now]"};
        for (const auto& [name, values] : prod->options)
            for (const auto& v : values)
                wantClicks.push_back("click[" + v + "]");
        QCOMPARE(env.admissibleCommands(), wantClicks);

        st = env.step("click[features]");
        std::string feats = "Instruction: [SEP] " + instr + " [SEP] Back to Search [SEP] < Prev";
        for (const QJsonValue& b : rec.value("BulletPoints").toArray())
            if (!b.toString().trimmed().isEmpty())
                feats += " [SEP] " + b.toString().trimmed().toStdString();
        QCOMPARE(st.observation, feats);
        st = env.step("click[< prev]");
        QCOMPARE(env.page(), WebshopEnv::Page::Item);
        st = env.step("click[reviews]");
        QCOMPARE(st.observation, "Instruction: [SEP] " + instr +
                                     " [SEP] Back to Search [SEP] < Prev [SEP] No reviews found");
        env.step("click[< prev]");
        st = env.step("click[" + optionValues.front() + "]");
        QCOMPARE(env.chosenOptions().size(), size_t(1));
        st = env.step("click[buy now]");
        QVERIFY(st.done);
        QVERIFY(st.observation.find("Thank you for shopping with us!") == 0);
        QVERIFY(st.observation.find("Your score (min 0.0, max 1.0) [SEP] " +
                                    WebshopText::pyFloat(st.reward)) != std::string::npos);
        // After done: done again, reward 0, no commands.
        const EnvStep again = env.step("click[buy now]");
        QVERIFY(again.done);
        QCOMPARE(again.reward, 0.0);
        QVERIFY(env.admissibleCommands().empty());
    }

    void paginationAndBack() {
        REQUIRE_DATA("webshop/documents_100.jsonl");
        WebshopEnv env(suite().catalog, suite().goals.front(), 0, 50);
        env.step("search[women men hair shoes table]");
        const size_t total = env.results().size();
        QVERIFY(total > 10);
        const auto has = [&](const std::string& c) {
            const auto a = env.admissibleCommands();
            return std::find(a.begin(), a.end(), c) != a.end();
        };
        QVERIFY(has("click[next >]"));
        QVERIFY(!has("click[< prev]"));
        env.step("click[next >]");
        QCOMPARE(env.resultPage(), 2);
        QVERIFY(env.observation().find("Page 2 (Total results: " + std::to_string(total) +
                                       ") [SEP] < Prev") != std::string::npos);
        env.step("click[< prev]");
        QCOMPARE(env.resultPage(), 1);
        env.step("click[back to search]");
        QCOMPARE(env.page(), WebshopEnv::Page::Search);
    }

    void expertWinsEveryPlayableGoal() {
        REQUIRE_DATA("webshop/documents_100.jsonl");
        const WebshopSuite& s = suite();
        int steps = 0;
        for (size_t i = 0; i < s.goals.size(); ++i) {
            auto env = s.makeEnv(i);
            env->reset();
            EnvStep st;
            while (!st.done) {
                const auto cmd = env->expertCommand();
                QVERIFY2(cmd.has_value(),
                         qPrintable(QString::fromStdString(s.goals[i].instructionText)));
                st = env->step(*cmd);
            }
            QVERIFY2(st.won && st.reward == 1.0,
                     qPrintable(QString("goal %1: reward %2 (%3)")
                                    .arg(i)
                                    .arg(st.reward)
                                    .arg(QString::fromStdString(s.goals[i].instructionText))));
            QCOMPARE(env->currentProduct()->asin, s.goals[i].asin);
            steps += env->steps();
        }
        qInfo("expert: %zu/%zu goals won, %.2f steps on average", s.goals.size(), s.goals.size(),
              double(steps) / double(s.goals.size()));
        // The human goals stored with catalogue products (bare option values).
        QVERIFY(!s.humanGoals.empty());
        for (size_t i = 0; i < s.humanGoals.size(); ++i) {
            WebshopEnv env(s.catalog, s.humanGoals[i], i);
            EnvStep st;
            while (!st.done)
                st = env.step(*env.expertCommand());
            QVERIFY(st.won);
        }
    }

    void rewardPartsMoveTheRightWay() {
        REQUIRE_DATA("webshop/documents_100.jsonl");
        const WebshopSuite& s = suite();
        const WebshopGoal* g = goalWithOptions();
        QVERIFY(g);
        const WebshopProduct& p = *s.catalog->find(g->asin);
        const auto& goalOpts = g->goalOptions;
        const double full = WebshopReward::compute(p, *g, p.price, goalOpts).total;
        QCOMPARE(full, 1.0);
        const double n = double(g->attributes.size() + goalOpts.size() + 1);

        // Option: a value of the same option that neither fuzzy-matches the
        // goal's value nor occurs in the product text.
        bool optionChecked = false;
        for (const auto& [name, values] : p.options) {
            for (const std::string& v : values) {
                auto wrong = goalOpts;
                for (auto& o : wrong)
                    if (o.first == name) o.second = v;
                const auto parts = WebshopReward::compute(p, *g, p.price, wrong);
                if (parts.optionMatches == int(goalOpts.size()) - 1) {
                    QCOMPARE(parts.total, (n - 1) / n);
                    optionChecked = true;
                }
            }
        }
        QVERIFY(optionChecked);
        // Missing an option choice costs the same share.
        auto fewer = goalOpts;
        fewer.pop_back();
        QVERIFY(WebshopReward::compute(p, *g, p.price, fewer).total < full);

        // Price: paying above the bound loses the price share.
        WebshopGoal cheap = *g;
        cheap.priceUpper = p.price / 2;
        QCOMPARE(WebshopReward::compute(p, cheap, p.price, goalOpts).total, (n - 1) / n);

        // Attribute: an attribute the product does not have.
        WebshopGoal more = *g;
        more.attributes.push_back("zzqx unobtainium");
        const double n2 = n + 1;
        QCOMPARE(WebshopReward::compute(p, more, p.price, goalOpts).total, (n2 - 1) / n2);
    }

    void wrongTypeScoresBelowWrongOption() {
        REQUIRE_DATA("webshop/documents_100.jsonl");
        const WebshopSuite& s = suite();
        const WebshopGoal* g = goalWithOptions();
        QVERIFY(g);
        const WebshopProduct& right = *s.catalog->find(g->asin);
        // Right type, wrong option: the lowest reward over all single-option
        // changes of the goal product.
        double rightWrongOption = 1.0;
        for (const auto& [name, values] : right.options)
            for (const std::string& v : values) {
                auto opts = g->goalOptions;
                for (auto& o : opts)
                    if (o.first == name) o.second = v;
                rightWrongOption = std::min(
                    rightWrongOption, WebshopReward::compute(right, *g, right.price, opts).total);
            }
        QVERIFY(rightWrongOption < 1.0);
        // Wrong type: every product of another query and another top category.
        int compared = 0;
        for (const WebshopProduct& other : s.catalog->products()) {
            if (other.query == right.query) continue;
            const auto parts = WebshopReward::compute(other, *g, other.price, {});
            if (parts.categoryMatch || parts.titleScore > 0.2) continue;
            QVERIFY2(parts.total < rightWrongOption,
                     qPrintable(QString::fromStdString(other.asin + " " + other.title)));
            ++compared;
        }
        QVERIFY(compared > 10);
    }

    void badInput() {
        expectFormatError([] { WebshopCatalog::parse("", "empty.jsonl"); }, "empty catalogue");
        expectFormatError([] { WebshopCatalog::parse("\n  \n", "blank.jsonl"); },
                          "empty catalogue");
        expectFormatError(
            [] {
                WebshopCatalog::parse("{\"id\": \"B1\", \"product\": {\"Title\": \"x\"}}\n{bad",
                                      "bad.jsonl");
            },
            "bad.jsonl: line 2");
        expectFormatError([] { WebshopCatalog::parse("[1,2]", "arr.jsonl"); }, "not a JSON object");
        expectFormatError([] { WebshopCatalog::parse("{\"id\": \"B1\"}", "np.jsonl"); }, "product");
        expectFormatError(
            [] {
                WebshopCatalog::parse("{\"id\": \"B1\", \"product\": {\"Title\": 5}}", "t.jsonl");
            },
            "Title");
        expectFormatError([] { WebshopCatalog::load("/nonexistent/webshop.jsonl"); },
                          "cannot open");
        // Only skipped records (asin "nan") leave the catalogue empty.
        expectFormatError(
            [] {
                WebshopCatalog::parse("{\"id\": \"nan\", \"product\": {\"Title\": \"x\"}}",
                                      "nan.jsonl");
            },
            "empty catalogue");
        const auto cat = std::make_shared<const WebshopCatalog>(WebshopCatalog::parse(
            "{\"id\": \"B1\", \"contents\": \"red shoe\", \"product\": {\"Title\": \"Red Shoe\", "
            "\"pricing\": \"$10.5$20\", \"options\": {\"size\": [\"7\", \"8\"]}}}",
            "one.jsonl"));
        QCOMPARE(cat->products().front().priceTag, std::string("$10.5 to $20.0"));
        expectFormatError([&] { WebshopGoals::syntheticFromJson(*cat, "{\"B1\": ", "ins.json"); },
                          "ins.json");
        WebshopGoal goal;
        goal.asin = "B1";
        goal.name = "Red Shoe";
        goal.attributes = {"red"};
        goal.instructionText = "i want a red shoe";
        WebshopEnv env(cat, goal, 0, 6);
        const std::string start = env.observation();
        EnvStep st = env.step("click[b999]"); // unknown product on the search page
        QCOMPARE(st.observation, start);
        QVERIFY(!st.done);
        QCOMPARE(env.step("click[search]").observation, start);
        QCOMPARE(env.step("search[]").observation, start);
        QCOMPARE(env.step("nonsense").observation, start);
        st = env.step("search[red shoe]");
        QCOMPARE(env.page(), WebshopEnv::Page::Results);
        const std::string results = st.observation;
        QCOMPARE(env.step("click[b999]").observation, results);  // unknown product id
        QCOMPARE(env.step("search[blue]").observation, results); // no search box here
        QVERIFY(env.step("click[b1]").done);                     // 6th step: limit
        QCOMPARE(env.steps(), 6);
        QVERIFY(env.admissibleCommands().empty());
        QVERIFY_THROWS_EXCEPTION(EngineError, WebshopEnv(nullptr, goal, 0));
        QVERIFY_THROWS_EXCEPTION(EngineError, WebshopEnv(cat, goal, 0, 0));
    }

    void expertAndRandomPolicies() {
        // The numbers for docs/RESULTS.md: every playable goal, the expert
        // once and the random policy (uniform over the admissible commands,
        // the search marker replaced by the instruction) with 5 seeds each.
        REQUIRE_DATA("webshop/documents_100.jsonl");
        const WebshopSuite& s = suite();
        Policy expert, random;
        for (size_t i = 0; i < s.goals.size(); ++i) {
            auto env = s.makeEnv(i);
            EnvStep st;
            while (!st.done)
                st = env->step(*env->expertCommand());
            expert.rewardSum += st.reward;
            expert.wins += st.won ? 1 : 0;
            ++expert.episodes;
            expert.bought += env->page() == WebshopEnv::Page::Done ? 1 : 0;
            expert.steps += env->steps();
            for (uint64_t seed = 0; seed < 5; ++seed) {
                std::mt19937_64 rng(seed * 1000003 + i);
                env->reset();
                st = EnvStep{};
                while (!st.done) {
                    const auto cmds = env->admissibleCommands();
                    QVERIFY(!cmds.empty());
                    std::string c = cmds[rng() % cmds.size()];
                    if (c == WebshopEnv::kSearchMarker) c = "search[" + env->taskText() + "]";
                    st = env->step(c);
                }
                random.rewardSum += st.reward;
                random.wins += st.won ? 1 : 0;
                ++random.episodes;
                random.bought += env->page() == WebshopEnv::Page::Done ? 1 : 0;
                random.steps += env->steps();
            }
        }
        QCOMPARE(expert.wins, expert.episodes);
        QVERIFY(random.rewardSum / random.episodes < expert.rewardSum / expert.episodes);
        for (const auto& [name, p] : {std::pair<const char*, const Policy&>{"expert", expert},
                                      std::pair<const char*, const Policy&>{"random", random}})
            qInfo("webshop %s: %d episodes, mean reward %.4f, success %.4f, bought %.4f, mean "
                  "reward when bought %.4f, mean steps %.2f",
                  name, p.episodes, p.rewardSum / p.episodes, double(p.wins) / p.episodes,
                  double(p.bought) / p.episodes, p.bought ? p.rewardSum / p.bought : 0.0,
                  double(p.steps) / p.episodes);
    }
};

QTEST_GUILESS_MAIN(TestWebshop)
#include "tst_webshop.moc"
