#include "env/HouseholdTables.h"

#include <array>
#include <bitset>
#include <vector>

namespace mobi::household {

namespace {

constexpr uint16_t P = kPickupable, C = kCleanable, H = kHeatable, K = kCoolable, S = kSliceable,
                   R = kReceptacleObject, T = kToggleable, X = kScenery;

// canContain: receptacle kind -> object kinds (space separated).
struct ContainRow {
    std::string_view receptacle;
    std::string_view objects;
};

// The tables, learned from ALFWorld's train split by HouseholdTableLearner
// (regenerate: bash scripts/household_tables.sh; the file's header gives the
// rules). valid_seen, the evaluation split, is never read for them.
#include "env/HouseholdTablesData.inc"

constexpr int kObjectCount = int(std::size(kObjects));
constexpr int kReceptacleCount = int(std::size(kReceptacles));

struct ContainTable {
    std::vector<std::bitset<kObjectCount>> rows;
    std::bitset<kReceptacleCount> lampTables;
    ContainTable() : rows(kReceptacleCount) {
        for (const ContainRow& row : kContain) {
            const int r = receptacleKindIndex(row.receptacle);
            std::string_view rest = row.objects;
            while (!rest.empty()) {
                const size_t sp = rest.find(' ');
                const std::string_view word = rest.substr(0, sp);
                const int o = objectKindIndex(word);
                if (r >= 0 && o >= 0) rows[size_t(r)].set(size_t(o));
                rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
            }
        }
        for (std::string_view t : kLampTables)
            lampTables.set(size_t(receptacleKindIndex(t)));
    }
};

const ContainTable& containTable() {
    static const ContainTable t;
    return t;
}

} // namespace

std::string_view sceneName(Scene s) {
    switch (s) {
    case Scene::Kitchen:
        return "kitchen";
    case Scene::LivingRoom:
        return "living room";
    case Scene::Bedroom:
        return "bedroom";
    case Scene::Bathroom:
        return "bathroom";
    }
    return "?";
}

std::span<const ObjectKind> objectKinds() {
    return kObjects;
}
std::span<const ReceptacleKind> receptacleKinds() {
    return kReceptacles;
}

std::span<const SceneEntry> sceneReceptacles(Scene s) {
    switch (s) {
    case Scene::Kitchen:
        return kKitchenReceptacles;
    case Scene::LivingRoom:
        return kLivingReceptacles;
    case Scene::Bedroom:
        return kBedroomReceptacles;
    case Scene::Bathroom:
        return kBathroomReceptacles;
    }
    return {};
}

std::span<const SceneEntry> sceneObjects(Scene s) {
    switch (s) {
    case Scene::Kitchen:
        return kKitchenObjects;
    case Scene::LivingRoom:
        return kLivingObjects;
    case Scene::Bedroom:
        return kBedroomObjects;
    case Scene::Bathroom:
        return kBathroomObjects;
    }
    return {};
}

int objectKindIndex(std::string_view name) {
    for (int i = 0; i < kObjectCount; ++i)
        if (kObjects[i].name == name) return i;
    return -1;
}

int receptacleKindIndex(std::string_view name) {
    for (int i = 0; i < kReceptacleCount; ++i)
        if (kReceptacles[i].name == name) return i;
    return -1;
}

bool canContain(int receptacle, int object) {
    if (receptacle < 0 || receptacle >= kReceptacleCount || object < 0 || object >= kObjectCount)
        return false;
    return containTable().rows[size_t(receptacle)].test(size_t(object));
}

bool holdsLamp(int receptacle) {
    if (receptacle < 0 || receptacle >= kReceptacleCount) return false;
    return containTable().lampTables.test(size_t(receptacle));
}

} // namespace mobi::household
