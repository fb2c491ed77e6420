// Facts about ALFRED households that the household generator draws scenes
// from: the four scene kinds, which receptacle and object kinds each has (how
// often, how many), per-kind object properties (pickupable, cleanable, ...),
// and which object kinds a receptacle kind may contain (canContain). Learned
// by HouseholdTableLearner from the 1,465 games of ALFWorld's train split
// (../shared/data/alfworld/train; regenerate HouseholdTablesData.inc with
// scripts/household_tables.sh): every pair here occurs in those games'
// canContain facts, the properties are the ones most instances of a kind
// have, and the frequencies and counts follow the games of each room kind
// (kitchens 1-30, living rooms 201-230, bedrooms 301-330, bathrooms 401-430).
// valid_seen, the evaluation split, is never read for them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mobi::household {

enum class Scene : uint8_t { Kitchen, LivingRoom, Bedroom, Bathroom };
inline constexpr int kSceneCount = 4;
std::string_view sceneName(Scene s); // "kitchen", "living room", ...

// Object properties (the init predicates of the same names).
enum ObjectFlag : uint16_t {
    kPickupable = 1,
    kCleanable = 2,
    kHeatable = 4,
    kCoolable = 8,
    kSliceable = 16,
    kReceptacleObject = 32, // isReceptacleObject
    kToggleable = 64,
    kScenery = 128, // not in any receptacle: objectAtLocation only (windows, chairs)
    kLamp = 256,    // a desk lamp: stands on a lamp table, used by look_at tasks
};

struct ObjectKind {
    std::string_view name; // ALFRED type without "Type": "Mug"
    uint16_t flags = 0;
};

struct ReceptacleKind {
    std::string_view name;   // "Cabinet"
    uint8_t openablePct = 0; // share of instances that open and close (percent)
};

// One kind's appearance in a scene: present with `chancePct` percent, then
// between minCount and maxCount instances.
struct SceneEntry {
    std::string_view kind;
    uint8_t chancePct = 100;
    uint8_t minCount = 1;
    uint8_t maxCount = 1;
};

std::span<const ObjectKind> objectKinds();
std::span<const ReceptacleKind> receptacleKinds();
std::span<const SceneEntry> sceneReceptacles(Scene s);
std::span<const SceneEntry> sceneObjects(Scene s);

// Index of a kind by name, or -1.
int objectKindIndex(std::string_view name);
int receptacleKindIndex(std::string_view name);

// Whether receptacle kind r may contain object kind o (indices).
bool canContain(int receptacle, int object);
// Receptacle kinds a desk lamp stands on.
bool holdsLamp(int receptacle);

} // namespace mobi::household
