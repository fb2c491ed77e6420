#include "env/HouseholdTableLearner.h"

#include "core/Error.h"
#include "env/Pddl.h"
#include "util/Json.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mobi {

namespace {

// The property predicates of ALFWorld's :init, each with the flag letter
// HouseholdTables.cpp defines for it.
struct FlagPredicate {
    const char* predicate;
    const char* letter;
};
constexpr FlagPredicate kFlagPredicates[] = {
    {"pickupable", "P"}, {"cleanable", "C"},          {"heatable", "H"},   {"coolable", "K"},
    {"sliceable", "S"},  {"isReceptacleObject", "R"}, {"toggleable", "T"},
};

constexpr const char* kRoomNames[] = {"Kitchen", "Living", "Bedroom", "Bathroom"};

// ALFRED's scene numbering: 1-30 kitchens, 201-230 living rooms, 301-330
// bedrooms, 401-430 bathrooms (the Scene enum's order); -1 for none.
int roomOf(int scene) {
    if (scene >= 1 && scene <= 99) return 0;
    if (scene >= 201 && scene <= 299) return 1;
    if (scene >= 301 && scene <= 399) return 2;
    if (scene >= 401 && scene <= 499) return 3;
    return -1;
}

std::string kindOf(const std::string& typeName) {
    constexpr std::string_view suffix = "Type";
    return typeName.ends_with(suffix) ? typeName.substr(0, typeName.size() - suffix.size())
                                      : typeName;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// round(100 * part / whole) in integers.
int percent(int part, int whole) {
    return whole > 0 ? (200 * part + whole) / (2 * whole) : 0;
}

// A space-separated word list as adjacent string literals of at most ~90 columns.
void appendWords(std::string& out, const std::vector<std::string>& words, const char* indent) {
    std::string line = "\"";
    bool first = true;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string word = words[i] + (i + 1 < words.size() ? " " : "");
        if (line.size() + word.size() > 84) {
            out += (first ? "" : indent) + line + "\"\n";
            first = false;
            line = "\"";
        }
        line += word;
    }
    out += (first ? "" : indent) + line + "\"";
}

} // namespace

void HouseholdTableLearner::addGame(const std::string& gameText, const std::string& source,
                                    int scene) {
    const int room = roomOf(scene);
    if (room < 0)
        throw FormatError(source, "scene " + std::to_string(scene) + " is no ALFRED room");
    const Json root = Json::parse(gameText, source);
    const Json* domainText = root.find("pddl_domain");
    const Json* problemText = root.find("pddl_problem");
    if (!domainText || !domainText->isString() || !problemText || !problemText->isString())
        throw FormatError(source, "not an ALFWorld game (no pddl_domain / pddl_problem text)");
    const PddlDomain domain = PddlParser::parseDomain(domainText->asString(), source);
    const PddlProblem problem = PddlParser::parseProblem(problemText->asString(), domain, source);

    std::map<std::string, std::string> objectKind, receptacleKind; // instance -> kind
    for (const PddlGroundAtom& a : problem.init) {
        if (a.args.size() == 2 && a.predicate == "objectType")
            objectKind[a.args[0]] = kindOf(a.args[1]);
        if (a.args.size() == 2 && a.predicate == "receptacleType")
            receptacleKind[a.args[0]] = kindOf(a.args[1]);
    }
    std::set<std::string> contained;
    for (const PddlGroundAtom& a : problem.init) {
        if (a.predicate == "canContain" && a.args.size() == 2) {
            contain_.insert({kindOf(a.args[0]), kindOf(a.args[1])});
        } else if (a.predicate == "openable" && a.args.size() == 1) {
            if (receptacleKind.count(a.args[0])) ++receptacles_[receptacleKind[a.args[0]]].openable;
        } else if (a.predicate == "inReceptacle" && a.args.size() == 2) {
            const auto o = objectKind.find(a.args[0]);
            const auto r = receptacleKind.find(a.args[1]);
            if (o == objectKind.end() || r == receptacleKind.end()) continue;
            objects_[o->second].heldBy.insert(r->second);
            if (contained.insert(a.args[0]).second) ++objects_[o->second].inReceptacle;
        } else if (a.args.size() == 1) {
            for (const FlagPredicate& f : kFlagPredicates)
                if (a.predicate == f.predicate && objectKind.count(a.args[0]))
                    ++objects_[objectKind[a.args[0]]].predicates[a.predicate];
        }
    }

    RoomStats& rs = rooms_[size_t(room)];
    ++rs.games;
    auto countKinds = [](const std::map<std::string, std::string>& kinds,
                         std::map<std::string, PresenceStats>& presence) {
        std::map<std::string, int> n;
        for (const auto& [name, kind] : kinds)
            ++n[kind];
        for (const auto& [kind, count] : n) {
            PresenceStats& p = presence[kind];
            p.minCount = p.games ? std::min(p.minCount, count) : count;
            p.maxCount = std::max(p.maxCount, count);
            ++p.games;
        }
    };
    countKinds(objectKind, rs.objects);
    countKinds(receptacleKind, rs.receptacles);
    for (const auto& [name, kind] : objectKind)
        ++objects_[kind].instances;
    for (const auto& [name, kind] : receptacleKind)
        ++receptacles_[kind].instances;
    ++games_;
    sceneIds_.insert(scene);
}

int HouseholdTableLearner::addDirectory(const std::string& dir) {
    namespace fs = std::filesystem;
    for (const fs::path& part : fs::path(dir))
        if (part == "valid_seen" || part == "valid_unseen" || part == "valid_train")
            throw FormatError(dir,
                              "an evaluation split: the household tables learn from train only");
    std::vector<fs::path> games;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && it->path().filename() == "game.tw-pddl")
            games.push_back(it->path());
    if (games.empty()) throw FormatError(dir, "no ALFWorld game (game.tw-pddl) found");
    std::sort(games.begin(), games.end());
    for (const fs::path& g : games) {
        const std::string task = g.parent_path().parent_path().filename().string();
        const size_t dash = task.rfind('-');
        int scene = -1;
        try {
            size_t used = 0;
            if (dash != std::string::npos) scene = std::stoi(task.substr(dash + 1), &used);
            if (used == 0 || dash + 1 + used != task.size()) scene = -1;
        } catch (const std::exception&) {
            scene = -1;
        }
        if (scene < 0) throw FormatError(g.string(), "task folder name ends in no scene number");
        addGame(readFile(g.string()), g.string(), scene);
    }
    return int(games.size());
}

std::string HouseholdTableLearner::renderSource() const {
    std::string out =
        "// Generated: do not edit. Learned by HouseholdTableLearner from ALFWorld's train\n"
        "// split (../shared/data/alfworld/train, MIT); regenerate with\n"
        "//   bash scripts/household_tables.sh\n"
        "// (tst_household fails when this file differs from what that writes).\n";
    out += "// " + std::to_string(games_) + " games in " + std::to_string(scenes()) + " scenes.\n";
    out += "// Rules: a kind has a property when more than half of its instances do; kinds\n"
           "// that are not pickupable are scenery (X) except toggleable ones that mostly\n"
           "// stand in a receptacle (desk lamps, kLamp); canContain is the union of the\n"
           "// games' canContain facts; a room entry is {kind, % of that room kind's games\n"
           "// with one, fewest, most}; openable % is over all instances.\n\n";

    // Object kinds and the flags their instances mostly have.
    std::set<std::string> lampKinds;
    out += "constexpr ObjectKind kObjects[] = {\n";
    for (const auto& [kind, stats] : objects_) {
        const auto& s = stats; // a plain reference: lambdas cannot capture bindings (C++20, clang 14)
        std::string flags;
        auto has = [&](const char* pred) {
            const auto it = s.predicates.find(pred);
            return it != s.predicates.end() && 2 * it->second > s.instances;
        };
        for (const FlagPredicate& f : kFlagPredicates)
            if (has(f.predicate)) flags += std::string(flags.empty() ? "" : " | ") + f.letter;
        if (!has("pickupable")) {
            const bool lamp = has("toggleable") && 2 * s.inReceptacle > s.instances;
            if (lamp) lampKinds.insert(kind);
            flags += std::string(flags.empty() ? "" : " | ") + (lamp ? "kLamp" : "X");
        }
        out += "    {\"" + kind + "\", " + (flags.empty() ? "0" : flags) + "},\n";
    }
    out += "};\n\n";

    out += "constexpr ReceptacleKind kReceptacles[] = {\n";
    for (const auto& [kind, s] : receptacles_)
        out +=
            "    {\"" + kind + "\", " + std::to_string(percent(s.openable, s.instances)) + "},\n";
    out += "};\n\n";

    out += "constexpr ContainRow kContain[] = {\n";
    std::map<std::string, std::vector<std::string>> rows;
    for (const auto& [r, o] : contain_)
        if (receptacles_.count(r) && objects_.count(o)) rows[r].push_back(o);
    for (const auto& [r, objects] : rows) {
        out += "    {\"" + r + "\",\n     ";
        appendWords(out, objects, "     ");
        out += "},\n";
    }
    out += "};\n";

    auto entries = [&](const char* name, const std::map<std::string, PresenceStats>& presence,
                       int games) {
        out += std::string("\nconstexpr SceneEntry ") + name + "[] = {\n";
        for (const auto& [kind, p] : presence)
            out += "    {\"" + kind + "\", " +
                   std::to_string(std::max(1, percent(p.games, games))) + ", " +
                   std::to_string(p.minCount) + ", " + std::to_string(p.maxCount) + "},\n";
        out += "};\n";
    };
    for (size_t room = 0; room < rooms_.size(); ++room) {
        const std::string n = kRoomNames[room];
        entries(("k" + n + "Receptacles").c_str(), rooms_[room].receptacles, rooms_[room].games);
        entries(("k" + n + "Objects").c_str(), rooms_[room].objects, rooms_[room].games);
    }

    // Receptacle kinds any desk lamp stands on.
    std::set<std::string> lampTables;
    for (const std::string& lamp : lampKinds)
        lampTables.insert(objects_.at(lamp).heldBy.begin(), objects_.at(lamp).heldBy.end());
    std::vector<std::string> quoted;
    for (const std::string& t : lampTables)
        quoted.push_back("\"" + t + "\"");
    out += "\nconstexpr std::string_view kLampTables[] = {";
    for (size_t i = 0; i < quoted.size(); ++i)
        out += (i ? ", " : "") + quoted[i];
    out += "};\n";
    return out;
}

} // namespace mobi
