#include "env/HouseholdGenerator.h"

#include "core/Error.h"
#include "util/Json.h"
#include "util/SplitMix64.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mobi {

using namespace household;

namespace {

// Predicates the generated :init and goals use; the template domain must
// declare them.
constexpr const char* kPredicates[] = {
    "receptacleType",
    "objectType",
    "canContain",
    "pickupable",
    "isReceptacleObject",
    "openable",
    "atLocation",
    "cleanable",
    "heatable",
    "coolable",
    "toggleable",
    "sliceable",
    "inReceptacle",
    "receptacleAtLocation",
    "objectAtLocation",
    "isClean",
    "isHot",
    "isCool",
    "isToggled",
    "holds",
};

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A JSON string literal's inside (no quotes).
std::string quotedBody(std::string_view s) {
    std::string q;
    jsonQuote(q, s);
    return q.substr(1, q.size() - 2);
}

// ALFRED's coordinate spelling in names: +2.04 -> "_plus_02_dot_04",
// -0.5 -> "_minus_00_dot_50", 0 -> "00_dot_00" (hundredths given as int).
void appendCoord(std::string& out, int hundredths) {
    char buf[32];
    const int a = hundredths < 0 ? -hundredths : hundredths;
    std::snprintf(buf, sizeof buf, "%s%02d_dot_%02d",
                  hundredths > 0   ? "_plus_"
                  : hundredths < 0 ? "_minus_"
                                   : "",
                  a / 100, a % 100);
    out += buf;
}

// "loc_bar_3_bar__minus_9_bar_1_bar_45"
void appendLocInt(std::string& out, int v) {
    if (v < 0) {
        out += "_minus_";
        out += std::to_string(-v);
    } else {
        out += std::to_string(v);
    }
}

struct Receptacle {
    int kind = 0;
    bool openable = false;
    int location = 0;
    std::string name;
};

struct Object {
    int kind = 0;
    int receptacle = -1; // index into receptacles, -1 for scenery
    int location = 0;
    std::string name;
};

// Per-seed generation state.
class Builder {
  public:
    Builder(uint64_t seed, HouseholdTaskType type) : type_(type) {
        rng_.s = seed ^ 0x486f757365686f6cull; // "Househol"
    }

    uint64_t below(uint64_t n) { return rng_.below(n); }

    Scene pickScene() {
        switch (type_) {
        case HouseholdTaskType::LookAtObjInLight:
            return below(10) < 7 ? Scene::Bedroom : Scene::LivingRoom;
        case HouseholdTaskType::PickHeatThenPlace:
        case HouseholdTaskType::PickCoolThenPlace:
            return Scene::Kitchen;
        case HouseholdTaskType::PickCleanThenPlace:
            return below(3) < 2 ? Scene::Kitchen : Scene::Bathroom;
        default:
            return Scene(below(kSceneCount));
        }
    }

    int count(const SceneEntry& e) {
        if (below(100) >= e.chancePct) return 0;
        return e.minCount + int(below(uint64_t(e.maxCount - e.minCount + 1)));
    }

    // Draws the room's receptacle kinds and counts; forces what the task needs.
    void drawReceptacles(Scene scene) {
        recCount_.assign(receptacleKinds().size(), 0);
        for (const SceneEntry& e : sceneReceptacles(scene))
            recCount_[size_t(receptacleKindIndex(e.kind))] += count(e);
        auto force = [&](std::string_view kind) {
            int& c = recCount_[size_t(receptacleKindIndex(kind))];
            c = std::max(c, 1);
        };
        recCount_[size_t(receptacleKindIndex("GarbageCan"))] =
            std::max(recCount_[size_t(receptacleKindIndex("GarbageCan"))], 1);
        switch (type_) {
        case HouseholdTaskType::PickCleanThenPlace:
            force("SinkBasin");
            break;
        case HouseholdTaskType::PickHeatThenPlace:
            force("Microwave");
            break;
        case HouseholdTaskType::PickCoolThenPlace:
            force("Fridge");
            break;
        case HouseholdTaskType::LookAtObjInLight: {
            bool any = false;
            for (size_t r = 0; r < recCount_.size(); ++r)
                any = any || (recCount_[r] > 0 && holdsLamp(int(r)));
            if (!any) force(below(2) ? "SideTable" : "Desk");
            break;
        }
        default:
            break;
        }
    }

    bool excludedDestination(int r) const {
        const std::string_view n = receptacleKinds()[size_t(r)].name;
        if (n == "SinkBasin" || n == "BathtubBasin") return true;
        if (type_ == HouseholdTaskType::PickHeatThenPlace && n == "Microwave") return true;
        if (type_ == HouseholdTaskType::PickCoolThenPlace && n == "Fridge") return true;
        return false;
    }

    uint16_t requiredFlags() const {
        switch (type_) {
        case HouseholdTaskType::PickCleanThenPlace:
            return kPickupable | kCleanable;
        case HouseholdTaskType::PickHeatThenPlace:
            return kPickupable | kHeatable;
        case HouseholdTaskType::PickCoolThenPlace:
            return kPickupable | kCoolable;
        default:
            return kPickupable;
        }
    }

    // Chooses the target kind and destination kind among what the room
    // allows; false when the room allows none (the caller redraws).
    bool chooseTask(Scene scene, HouseholdTask& task, int& target, int& dest) {
        const auto kinds = objectKinds();
        std::vector<int> objects;
        for (const SceneEntry& e : sceneObjects(scene)) {
            const int o = objectKindIndex(e.kind);
            if ((kinds[size_t(o)].flags & requiredFlags()) != requiredFlags()) continue;
            int homes = 0, dests = 0;
            for (size_t r = 0; r < recCount_.size(); ++r) {
                if (!recCount_[r] || !canContain(int(r), o)) continue;
                ++homes;
                if (!excludedDestination(int(r))) ++dests;
            }
            const bool ok = type_ == HouseholdTaskType::LookAtObjInLight ? homes >= 1
                                                                         : dests >= 1 && homes >= 2;
            if (ok) objects.push_back(o);
        }
        if (objects.empty()) return false;
        target = objects[size_t(below(objects.size()))];
        if (type_ == HouseholdTaskType::LookAtObjInLight) {
            dest = -1;
        } else {
            std::vector<int> dests;
            for (size_t r = 0; r < recCount_.size(); ++r)
                if (recCount_[r] && canContain(int(r), target) && !excludedDestination(int(r)))
                    dests.push_back(int(r));
            // The target must also have a home that is not the destination.
            std::vector<int> ok;
            for (int d : dests)
                for (size_t r = 0; r < recCount_.size(); ++r)
                    if (int(r) != d && recCount_[r] && canContain(int(r), target)) {
                        ok.push_back(d);
                        break;
                    }
            if (ok.empty()) return false;
            dest = ok[size_t(below(ok.size()))];
        }
        task.type = type_;
        task.object = std::string(kinds[size_t(target)].name);
        task.receptacle =
            dest < 0 ? std::string("DeskLamp") : std::string(receptacleKinds()[size_t(dest)].name);
        return true;
    }

    int newLocation() {
        for (;;) {
            const int x = int(below(31)) - 15, z = int(below(31)) - 15;
            const int rot = int(below(4)), hor = int(below(5)) * 15 - 15;
            const uint32_t key = uint32_t((x + 16) | (z + 16) << 6 | rot << 12 | (hor + 16) << 14);
            if (std::find(locKeys_.begin(), locKeys_.end(), key) != locKeys_.end()) continue;
            locKeys_.push_back(key);
            std::string n = "loc_bar_";
            appendLocInt(n, x);
            n += "_bar_";
            appendLocInt(n, z);
            n += "_bar_";
            appendLocInt(n, rot);
            n += "_bar_";
            appendLocInt(n, hor);
            locations_.push_back(std::move(n));
            return int(locations_.size()) - 1;
        }
    }

    // ALFRED ids: "Mug_bar_<x>_bar_<y>_bar_<z>"; basins are named after
    // their sink or tub with the kind appended: "Sink_bar_..._bar_SinkBasin".
    std::string newName(std::string_view kind) {
        constexpr std::string_view basin = "Basin";
        const bool isBasin = kind.size() > basin.size() && kind.ends_with(basin);
        for (;;) {
            const int x = int(below(801)) - 400, y = int(below(201)), z = int(below(801)) - 400;
            const uint64_t key = uint64_t(x + 400) | uint64_t(y) << 10 | uint64_t(z + 400) << 20;
            if (std::find(nameKeys_.begin(), nameKeys_.end(), key) != nameKeys_.end()) continue;
            nameKeys_.push_back(key);
            std::string n(isBasin ? kind.substr(0, kind.size() - basin.size()) : kind);
            n += "_bar_";
            appendCoord(n, x);
            n += "_bar_";
            appendCoord(n, y);
            n += "_bar_";
            appendCoord(n, z);
            if (isBasin) (n += "_bar_") += kind;
            return n;
        }
    }

    void placeReceptacles() {
        const auto kinds = receptacleKinds();
        for (size_t r = 0; r < recCount_.size(); ++r) {
            for (int i = 0; i < recCount_[r]; ++i) {
                Receptacle rec;
                rec.kind = int(r);
                rec.openable = below(100) < kinds[r].openablePct;
                const bool stacked = kinds[r].name == "Drawer" || kinds[r].name == "Cabinet";
                rec.location = (i > 0 && stacked && below(5) == 0) ? receptacles_.back().location
                                                                   : newLocation();
                rec.name = newName(kinds[r].name);
                receptacles_.push_back(std::move(rec));
            }
        }
    }

    // Object kinds and counts: the room's distractors, the target kind
    // forced present (two or three instances for pick_two), a lamp for look_at.
    void drawObjects(Scene scene, int target) {
        objCount_.assign(objectKinds().size(), 0);
        for (const SceneEntry& e : sceneObjects(scene))
            objCount_[size_t(objectKindIndex(e.kind))] = count(e);
        int& t = objCount_[size_t(target)];
        if (type_ == HouseholdTaskType::PickTwoObjAndPlace)
            t = std::max(t, 2 + int(below(2)));
        else
            t = std::max(t, 1);
        if (type_ == HouseholdTaskType::LookAtObjInLight) {
            int& lamps = objCount_[size_t(objectKindIndex("DeskLamp"))];
            lamps = std::max(lamps, 1);
        }
    }

    void placeObjects(int target, int dest) {
        const auto kinds = objectKinds();
        std::vector<int> homes;
        for (size_t o = 0; o < objCount_.size(); ++o) {
            const uint16_t flags = kinds[o].flags;
            for (int i = 0; i < objCount_[o]; ++i) {
                Object obj;
                obj.kind = int(o);
                if (flags & kScenery) {
                    obj.location = newLocation();
                } else {
                    homes.clear();
                    for (size_t r = 0; r < receptacles_.size(); ++r) {
                        const int rk = receptacles_[r].kind;
                        const bool fits = (flags & kLamp) ? holdsLamp(rk) : canContain(rk, int(o));
                        if (fits && !(int(o) == target && rk == dest)) homes.push_back(int(r));
                    }
                    if (homes.empty()) continue; // nowhere in this room: left out
                    obj.receptacle = homes[size_t(below(homes.size()))];
                    obj.location = receptacles_[size_t(obj.receptacle)].location;
                }
                obj.name = newName(kinds[o].name);
                objects_.push_back(std::move(obj));
            }
        }
    }

    std::string problemText(uint64_t seed, const std::string& header, const HouseholdTask& task) {
        const auto okinds = objectKinds();
        const auto rkinds = receptacleKinds();
        std::string p;
        p.reserve(32768);
        p += "\n(define (problem household_";
        p += std::to_string(seed);
        p += ")\n(:domain alfred)\n(:objects\n";
        p += header;
        std::vector<const std::string*> names;
        for (const Object& o : objects_)
            names.push_back(&o.name);
        std::sort(names.begin(), names.end(),
                  [](const std::string* a, const std::string* b) { return *a < *b; });
        for (const std::string* n : names)
            (p += "        ") += *n, p += " - object\n";
        names.clear();
        for (const Receptacle& r : receptacles_)
            names.push_back(&r.name);
        std::sort(names.begin(), names.end(),
                  [](const std::string* a, const std::string* b) { return *a < *b; });
        for (const std::string* n : names)
            (p += "        ") += *n, p += " - receptacle\n";
        for (const std::string& l : locations_)
            (p += "        ") += l, p += " - location\n";
        p += "        )\n\n(:init\n";
        auto atom1 = [&](const char* pred, const std::string& a) {
            ((((p += "        (") += pred) += ' ') += a) += ")\n";
        };
        auto atom2 = [&](const char* pred, const std::string& a, std::string_view b) {
            ((((((p += "        (") += pred) += ' ') += a) += ' ') += b) += ")\n";
        };
        const std::string type = "Type";
        for (const Receptacle& r : receptacles_)
            atom2("receptacleType", r.name, std::string(rkinds[size_t(r.kind)].name) + type);
        for (const Object& o : objects_)
            atom2("objectType", o.name, std::string(okinds[size_t(o.kind)].name) + type);
        for (size_t r = 0; r < recCount_.size(); ++r) {
            if (!recCount_[r]) continue;
            for (size_t o = 0; o < objCount_.size(); ++o)
                if (objCount_[o] && canContain(int(r), int(o)))
                    atom2("canContain", std::string(rkinds[r].name) + type,
                          std::string(okinds[o].name) + type);
        }
        auto flagged = [&](const char* pred, uint16_t flag) {
            for (const Object& o : objects_)
                if (okinds[size_t(o.kind)].flags & flag) atom1(pred, o.name);
        };
        flagged("pickupable", kPickupable);
        flagged("isReceptacleObject", kReceptacleObject);
        for (const Receptacle& r : receptacles_)
            if (r.openable) atom1("openable", r.name);
        atom2("atLocation", "agent1", locations_[size_t(agentLocation_)]);
        flagged("cleanable", kCleanable);
        flagged("heatable", kHeatable);
        flagged("coolable", kCoolable);
        flagged("toggleable", kToggleable);
        flagged("sliceable", kSliceable);
        for (const Object& o : objects_)
            if (o.receptacle >= 0)
                atom2("inReceptacle", o.name, receptacles_[size_t(o.receptacle)].name);
        for (const Receptacle& r : receptacles_)
            atom2("receptacleAtLocation", r.name, locations_[size_t(r.location)]);
        for (const Object& o : objects_)
            atom2("objectAtLocation", o.name, locations_[size_t(o.location)]);
        p += "        )\n\n";
        p += task.goalText();
        p += ")\n";
        return p;
    }

    void reset() {
        receptacles_.clear();
        objects_.clear();
        locations_.clear();
        locKeys_.clear();
        nameKeys_.clear();
    }

    int agentLocation_ = 0;

  private:
    HouseholdTaskType type_;
    SplitMix64 rng_; // fully specified: a seed gives the same game everywhere
    std::vector<int> recCount_, objCount_;
    std::vector<Receptacle> receptacles_;
    std::vector<Object> objects_;
    std::vector<std::string> locations_;
    std::vector<uint32_t> locKeys_;
    std::vector<uint64_t> nameKeys_;
};

} // namespace

HouseholdGenerator::HouseholdGenerator(const std::string& templatePath)
    : templatePath_(templatePath) {
    const std::string text = readFile(templatePath);
    const AlfworldGame game = AlfworldGame::parse(text, templatePath);
    const Json root = Json::parse(text, templatePath);
    const std::string& domainText = root.find("pddl_domain")->asString();
    const std::string& grammarText = root.find("grammar")->asString();

    for (const char* p : kPredicates)
        if (!game.domain().predicate(p))
            throw FormatError(templatePath, std::string("template domain lacks predicate ") + p);
    for (const char* a : {"GotoLocation", "OpenObject", "PickupObject", "PutObject", "CleanObject",
                          "HeatObject", "CoolObject", "ToggleObject"})
        if (!game.domain().action(a))
            throw FormatError(templatePath, std::string("template domain lacks action ") + a);

    // The template's constants: every object the init never gives a type,
    // besides receptacles and locations (agent1, the otype and rtype names,
    // and the bare object-kind names ALFWorld declares in every problem).
    std::vector<bool> typed(game.problem().objects.size(), false);
    {
        std::vector<std::string> typedNames;
        for (const PddlGroundAtom& a : game.problem().init)
            if ((a.predicate == "objectType" || a.predicate == "receptacleType") && !a.args.empty())
                typedNames.push_back(a.args[0]);
        std::sort(typedNames.begin(), typedNames.end());
        for (size_t i = 0; i < typed.size(); ++i)
            typed[i] = std::binary_search(typedNames.begin(), typedNames.end(),
                                          game.problem().objects[i].name);
    }
    std::vector<std::string> otypes, rtypes;
    bool agent = false;
    for (size_t i = 0; i < typed.size(); ++i) {
        const PddlTypedName& o = game.problem().objects[i];
        if (typed[i] || o.type == "receptacle" || o.type == "location") continue;
        if (o.type == "otype") otypes.push_back(o.name);
        if (o.type == "rtype") rtypes.push_back(o.name);
        if (o.type == "agent" && o.name == "agent1") agent = true;
        header_ += o.name + " - " + o.type + "\n";
    }
    if (!agent) throw FormatError(templatePath, "template problem declares no agent1");
    auto requireType = [&](const std::vector<std::string>& have, std::string_view kind,
                           const char* what) {
        const std::string t = std::string(kind) + "Type";
        if (std::find(have.begin(), have.end(), t) == have.end())
            throw FormatError(templatePath,
                              std::string("template problem lacks the ") + what + " " + t);
    };
    for (const ObjectKind& k : objectKinds())
        requireType(otypes, k.name, "otype");
    for (const ReceptacleKind& k : receptacleKinds())
        requireType(rtypes, k.name, "rtype");

    // Split the grammar around the task line's text.
    const size_t taskKey = grammarText.find("\"task\"");
    const size_t rhsKey =
        taskKey == std::string::npos ? taskKey : grammarText.find("\"rhs\"", taskKey);
    const size_t open = rhsKey == std::string::npos ? rhsKey : grammarText.find('"', rhsKey + 5);
    const size_t close = open == std::string::npos ? open : grammarText.find('"', open + 1);
    if (close == std::string::npos)
        throw FormatError(templatePath, "template grammar has no \"task\" rhs to rewrite");
    jsonPrefix_ = "{\"pddl_domain\": ";
    jsonQuote(jsonPrefix_, domainText);
    jsonPrefix_ += ", \"grammar\": \"";
    jsonPrefix_ += quotedBody(std::string_view(grammarText).substr(0, open + 1));
    jsonMiddle_ = quotedBody(std::string_view(grammarText).substr(close));
    jsonMiddle_ += "\", \"pddl_problem\": ";
}

std::string HouseholdGenerator::defaultTemplatePath(const std::string& dataDir) {
    namespace fs = std::filesystem;
    // The train split: valid_seen is for evaluation only and never shapes the
    // generated games (the tables come from train too, HouseholdTablesData.inc).
    const fs::path root = fs::path(dataDir) / "alfworld" / "train";
    std::vector<std::string> games;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && it->path().filename() == "game.tw-pddl")
            games.push_back(it->path().string());
    if (games.empty()) throw FormatError(root.string(), "no ALFWorld game (game.tw-pddl) found");
    return *std::min_element(games.begin(), games.end());
}

std::string HouseholdGenerator::sourceName(uint64_t seed) {
    return "household:" + std::to_string(seed);
}

HouseholdProblem HouseholdGenerator::generate(uint64_t seed) const {
    HouseholdProblem out;
    out.seed = seed;
    const auto type = HouseholdTaskType(seed % kHouseholdTaskTypes);
    Builder b(seed, type);
    int target = -1, dest = -1;
    for (int attempt = 0;; ++attempt) {
        if (attempt == 64)
            throw EngineError(sourceName(seed), "no room allows the task (generator tables)");
        b.reset();
        out.scene = b.pickScene();
        b.drawReceptacles(out.scene);
        if (b.chooseTask(out.scene, out.task, target, dest)) break;
    }
    b.placeReceptacles();
    b.drawObjects(out.scene, target);
    b.placeObjects(target, dest);
    b.agentLocation_ = b.newLocation();
    out.taskText = "Your task is to: " + out.task.sentence(int(b.below(2)));
    out.problemText = b.problemText(seed, header_, out.task);

    std::string& g = out.gameText;
    g.reserve(jsonPrefix_.size() + jsonMiddle_.size() + out.problemText.size() * 11 / 10 + 256);
    g += jsonPrefix_;
    g += quotedBody(out.taskText);
    g += jsonMiddle_;
    jsonQuote(g, out.problemText);
    g += ", \"solvable\": true, \"walkthrough\": []}";
    return out;
}

AlfworldGame HouseholdGenerator::game(uint64_t seed) const {
    return AlfworldGame::parse(generate(seed).gameText, sourceName(seed));
}

} // namespace mobi
