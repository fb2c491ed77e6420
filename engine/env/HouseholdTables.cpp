#include "env/HouseholdTables.h"

#include <array>
#include <bitset>
#include <vector>

namespace mobi::household {

namespace {

constexpr uint16_t P = kPickupable, C = kCleanable, H = kHeatable, K = kCoolable, S = kSliceable,
                   R = kReceptacleObject, T = kToggleable, X = kScenery;

// Properties as the valid_seen games give them (every instance of a kind alike).
constexpr ObjectKind kObjects[] = {
    {"AlarmClock", P},
    {"Apple", P | C | H | K | S},
    {"BaseballBat", P},
    {"BasketBall", P},
    {"Bathtub", X},
    {"Blinds", X},
    {"Book", P},
    {"Bowl", P | R | C | K},
    {"Box", P | R},
    {"Bread", P | H | K | S},
    {"ButterKnife", P | C},
    {"CD", P},
    {"Candle", P},
    {"CellPhone", P},
    {"Chair", X},
    {"Cloth", P | C},
    {"CreditCard", P},
    {"Cup", P | R | C | H | K},
    {"Curtains", X},
    {"DeskLamp", T | kLamp},
    {"DishSponge", P | C},
    {"Egg", P | C | H | K | S},
    {"FloorLamp", T | X},
    {"Fork", P | C},
    {"Glassbottle", P},
    {"HandTowel", P},
    {"HousePlant", X},
    {"Kettle", P | C},
    {"KeyChain", P},
    {"Knife", P | C},
    {"Ladle", P | C},
    {"Laptop", P},
    {"Lettuce", P | C | K | S},
    {"LightSwitch", X},
    {"Mirror", X},
    {"Mug", P | R | C | H | K},
    {"Newspaper", P},
    {"Painting", X},
    {"Pan", P | R | C | K},
    {"Pen", P},
    {"Pencil", P},
    {"PepperShaker", P},
    {"Pillow", P},
    {"Plate", P | R | C | H | K},
    {"Plunger", P},
    {"Pot", P | R | C | K},
    {"Potato", P | C | H | K | S},
    {"RemoteControl", P},
    {"SaltShaker", P},
    {"ShowerDoor", X},
    {"ShowerGlass", X},
    {"Sink", X},
    {"SoapBar", P | C},
    {"SoapBottle", P},
    {"Spatula", P | C},
    {"Spoon", P | C},
    {"SprayBottle", P},
    {"Statue", P},
    {"StoveKnob", X},
    {"Television", X},
    {"TennisRacket", P},
    {"TissueBox", P},
    {"ToiletPaper", P},
    {"Tomato", P | C | H | K | S},
    {"Towel", P},
    {"Vase", P},
    {"Watch", P},
    {"WateringCan", P},
    {"Window", X},
    {"WineBottle", P | K},
};

// Receptacle kinds and the share of instances that open (fridges,
// microwaves and safes always; most cabinets and drawers).
constexpr ReceptacleKind kReceptacles[] = {
    {"ArmChair", 0},      {"BathtubBasin", 0}, {"Bed", 0},
    {"Cabinet", 85},      {"Cart", 0},         {"CoffeeMachine", 0},
    {"CoffeeTable", 0},   {"CounterTop", 0},   {"Desk", 0},
    {"DiningTable", 0},   {"Drawer", 85},      {"Dresser", 0},
    {"Fridge", 100},      {"GarbageCan", 0},   {"HandTowelHolder", 0},
    {"LaundryHamper", 0}, {"Microwave", 100},  {"Ottoman", 0},
    {"Safe", 100},        {"Shelf", 0},        {"SideTable", 0},
    {"SinkBasin", 0},     {"Sofa", 0},         {"StoveBurner", 0},
    {"TVStand", 0},       {"Toaster", 0},      {"ToiletPaperHanger", 0},
    {"Toilet", 0},        {"TowelHolder", 0},
};

// canContain: receptacle kind -> object kinds (space separated).
struct ContainRow {
    std::string_view receptacle;
    std::string_view objects;
};
constexpr ContainRow kContain[] = {
    {"ArmChair", "Book Box CellPhone CreditCard KeyChain Laptop Newspaper Pillow RemoteControl"},
    {"BathtubBasin", "Cloth DishSponge HandTowel SoapBar"},
    {"Bed", "BaseballBat BasketBall Book CellPhone Laptop Pillow TennisRacket"},
    {"Cabinet", "Book Bowl Box CD Candle Cloth Cup DishSponge Glassbottle HandTowel Kettle Ladle "
                "Mug Newspaper Pan PepperShaker Plate Plunger Pot SaltShaker SoapBar SoapBottle "
                "SprayBottle TissueBox ToiletPaper Vase WateringCan WineBottle"},
    {"Cart",
     "Candle Cloth DishSponge HandTowel Plunger SoapBar SoapBottle SprayBottle ToiletPaper"},
    {"CoffeeMachine", "Mug"},
    {"CoffeeTable", "Book Bowl Box Candle CellPhone CreditCard KeyChain Laptop Newspaper Pen "
                    "Pencil Plate RemoteControl Statue TissueBox Vase Watch WateringCan"},
    {"CounterTop", "AlarmClock Apple Book Bowl Bread ButterKnife CD Candle CellPhone Cloth "
                   "CreditCard Cup DishSponge Egg Fork Glassbottle HandTowel Kettle KeyChain Knife "
                   "Ladle Laptop Lettuce Mug Pan Pen Pencil PepperShaker Plate Pot Potato "
                   "RemoteControl SaltShaker SoapBar SoapBottle Spatula Spoon SprayBottle Statue "
                   "TissueBox ToiletPaper Tomato Vase WineBottle"},
    {"Desk", "AlarmClock BasketBall Book Bowl Box CD CellPhone Cloth CreditCard KeyChain Laptop "
             "Mug Pen Pencil RemoteControl Statue TennisRacket TissueBox Vase Watch WateringCan"},
    {"DiningTable",
     "AlarmClock Apple BaseballBat Book Bowl Box Bread ButterKnife CD Candle "
     "CellPhone CreditCard Cup DishSponge Egg Fork Glassbottle Kettle KeyChain Knife "
     "Ladle Laptop Lettuce Mug Newspaper Pan Pen Pencil PepperShaker Plate Pot "
     "Potato RemoteControl SaltShaker SoapBottle Spatula Spoon SprayBottle Statue "
     "TissueBox Tomato Vase Watch WateringCan WineBottle"},
    {"Drawer", "Book ButterKnife CD Candle CellPhone Cloth CreditCard DishSponge Fork HandTowel "
               "KeyChain Knife Ladle Newspaper Pen Pencil PepperShaker RemoteControl SaltShaker "
               "SoapBar SoapBottle Spatula Spoon SprayBottle TissueBox ToiletPaper Watch "
               "WateringCan"},
    {"Dresser", "AlarmClock BasketBall Book Bowl Box CD Candle CellPhone Cloth CreditCard KeyChain "
                "Laptop Mug Newspaper Pen Pencil RemoteControl SprayBottle Statue TennisRacket "
                "TissueBox ToiletPaper Vase Watch WateringCan"},
    {"Fridge", "Apple Bowl Bread Cup Egg Glassbottle Lettuce Mug Pan Plate Pot Potato Tomato "
               "WineBottle"},
    {"GarbageCan", "Apple Bread CD Cloth DishSponge Egg HandTowel Lettuce Newspaper Pen Pencil "
                   "Potato SoapBar SoapBottle SprayBottle TissueBox ToiletPaper Tomato WineBottle"},
    {"HandTowelHolder", "HandTowel"},
    {"Microwave", "Apple Bowl Bread Cup Egg Glassbottle Mug Plate Potato Tomato"},
    {"Ottoman", "Book Box CellPhone CreditCard KeyChain Laptop Newspaper Pillow RemoteControl"},
    {"Safe", "CD CellPhone CreditCard KeyChain Statue Vase"},
    {"Shelf", "AlarmClock Book Bowl Box CD Candle CellPhone Cloth CreditCard Cup DishSponge "
              "Glassbottle HandTowel Kettle KeyChain Mug Newspaper Pen Pencil PepperShaker Plate "
              "Pot RemoteControl SaltShaker SoapBar SoapBottle SprayBottle Statue TissueBox "
              "ToiletPaper Vase Watch WateringCan WineBottle"},
    {"SideTable", "AlarmClock Apple BaseballBat BasketBall Book Bowl Box Bread ButterKnife CD "
                  "Candle CellPhone Cloth CreditCard Cup DishSponge Egg Fork HandTowel Kettle "
                  "KeyChain Knife Laptop Lettuce Mug Newspaper Pan Pen Pencil PepperShaker Plate "
                  "Pot Potato RemoteControl SaltShaker SoapBar SoapBottle Spatula Spoon "
                  "SprayBottle Statue TennisRacket TissueBox ToiletPaper Tomato Vase Watch "
                  "WateringCan WineBottle"},
    {"SinkBasin", "Apple Bowl ButterKnife Cloth Cup DishSponge Egg Fork Glassbottle HandTowel "
                  "Kettle Knife Ladle Lettuce Mug Pan Plate Pot Potato SoapBar Spatula Spoon "
                  "Tomato"},
    {"Sofa", "Book Box CellPhone CreditCard KeyChain Laptop Newspaper Pillow RemoteControl"},
    {"StoveBurner", "Kettle Pan Pot"},
    {"TVStand", "TissueBox"},
    {"ToiletPaperHanger", "ToiletPaper"},
    {"Toilet", "Candle Cloth DishSponge HandTowel SoapBar SoapBottle SprayBottle TissueBox "
               "ToiletPaper"},
    {"TowelHolder", "Towel"},
};

// Scenes: {kind, chance %, min, max}.
constexpr SceneEntry kKitchenReceptacles[] = {
    {"Cabinet", 100, 3, 10},
    {"CoffeeMachine"},
    {"CounterTop", 100, 1, 3},
    {"DiningTable", 55, 1, 2},
    {"Drawer", 95, 1, 8},
    {"Fridge"},
    {"GarbageCan"},
    {"Microwave"},
    {"Safe", 4},
    {"Shelf", 15, 1, 3},
    {"SideTable", 11},
    {"SinkBasin"},
    {"StoveBurner", 100, 4, 4},
    {"Toaster"},
};
constexpr SceneEntry kKitchenObjects[] = {
    {"Apple", 100, 1, 3},
    {"Blinds", 20},
    {"Book", 7, 1, 2},
    {"Bowl", 100, 1, 3},
    {"Bread", 100, 1, 2},
    {"ButterKnife", 95, 1, 3},
    {"CellPhone", 10, 1, 2},
    {"Chair", 80, 1, 4},
    {"CreditCard", 7},
    {"Cup", 100, 1, 3},
    {"DishSponge", 100, 1, 3},
    {"Egg", 100, 1, 3},
    {"Fork", 100, 1, 3},
    {"Glassbottle", 22, 1, 3},
    {"HousePlant", 33},
    {"Kettle", 48, 1, 2},
    {"Knife", 100, 1, 3},
    {"Ladle", 37, 1, 2},
    {"Lettuce", 100, 1, 3},
    {"LightSwitch"},
    {"Mug", 100, 1, 3},
    {"Pan", 100, 1, 2},
    {"Pen", 7, 1, 2},
    {"Pencil", 7, 1, 2},
    {"PepperShaker", 100, 1, 3},
    {"Plate", 100, 1, 3},
    {"Pot", 100, 1, 2},
    {"Potato", 100, 1, 3},
    {"SaltShaker", 100, 1, 3},
    {"Sink"},
    {"SoapBottle", 100, 1, 2},
    {"Spatula", 100, 1, 2},
    {"Spoon", 100, 1, 3},
    {"SprayBottle", 7},
    {"Statue", 11},
    {"StoveKnob", 100, 4, 4},
    {"Tomato", 100, 1, 3},
    {"Vase", 11, 1, 2},
    {"Window", 90, 1, 2},
    {"WineBottle", 37, 1, 2},
};
constexpr SceneEntry kLivingReceptacles[] = {
    {"ArmChair", 100, 1, 2},
    {"Cabinet", 17, 1, 4},
    {"CoffeeTable", 75, 1, 2},
    {"Desk", 8},
    {"DiningTable", 67},
    {"Drawer", 83, 2, 8},
    {"Dresser", 33},
    {"GarbageCan"},
    {"Ottoman", 17},
    {"Safe", 8},
    {"Shelf", 33, 1, 6},
    {"SideTable", 75, 1, 3},
    {"Sofa"},
    {"TVStand", 33},
};
constexpr SceneEntry kLivingObjects[] = {
    {"Book", 42, 1, 2},
    {"Bowl", 17, 1, 2},
    {"Box", 100, 1, 2},
    {"Candle", 8, 1, 2},
    {"CellPhone", 33, 1, 2},
    {"Chair", 83, 1, 4},
    {"CreditCard", 100, 1, 3},
    {"Curtains", 25},
    {"DeskLamp", 25},
    {"FloorLamp"},
    {"HousePlant", 100, 1, 2},
    {"KeyChain", 100, 1, 3},
    {"Laptop", 100, 1, 2},
    {"LightSwitch"},
    {"Newspaper", 58, 1, 2},
    {"Painting", 100, 1, 3},
    {"Pen", 17, 1, 3},
    {"Pencil", 25, 1, 3},
    {"Pillow", 100, 1, 2},
    {"Plate", 33, 1, 2},
    {"RemoteControl", 100, 1, 3},
    {"Statue", 92, 1, 3},
    {"Television"},
    {"TissueBox", 42, 1, 2},
    {"Vase", 58, 1, 3},
    {"Watch", 58, 1, 2},
    {"WateringCan", 42},
    {"Window", 100, 1, 3},
};
constexpr SceneEntry kBedroomReceptacles[] = {
    {"ArmChair", 17},        {"Bed"},         {"Cabinet", 11, 1, 2},
    {"CounterTop", 6},       {"Desk", 78},    {"DiningTable", 11},
    {"Drawer", 94, 2, 8},    {"Dresser", 56}, {"GarbageCan"},
    {"LaundryHamper", 17},   {"Safe", 11},    {"Shelf", 72, 1, 6},
    {"SideTable", 56, 1, 2},
};
constexpr SceneEntry kBedroomObjects[] = {
    {"AlarmClock", 100, 1, 2},
    {"BaseballBat", 50},
    {"BasketBall", 39},
    {"Blinds", 94, 1, 2},
    {"Book", 100, 1, 2},
    {"Bowl", 50, 1, 2},
    {"Box", 56},
    {"CD", 100, 1, 3},
    {"CellPhone", 100, 1, 3},
    {"Chair", 83, 1, 2},
    {"CreditCard", 100, 1, 3},
    {"DeskLamp", 72},
    {"HousePlant", 28},
    {"KeyChain", 100, 1, 3},
    {"Laptop", 100, 1, 2},
    {"LightSwitch"},
    {"Mirror"},
    {"Mug", 61, 1, 2},
    {"Painting", 44, 1, 2},
    {"Pen", 100, 1, 3},
    {"Pencil", 100, 1, 3},
    {"Pillow", 100, 1, 2},
    {"Statue", 17},
    {"TennisRacket", 44},
    {"TissueBox", 17, 1, 2},
    {"Vase", 11, 1, 2},
    {"Watch", 6},
    {"Window", 100, 1, 2},
};
constexpr SceneEntry kBathroomReceptacles[] = {
    {"BathtubBasin", 79},
    {"Cabinet", 58, 2, 4},
    {"Cart", 5},
    {"CounterTop", 84},
    {"Drawer", 42, 1, 4},
    {"Dresser", 10},
    {"GarbageCan"},
    {"HandTowelHolder", 100, 1, 2},
    {"Shelf", 26, 1, 3},
    {"SideTable", 5},
    {"SinkBasin", 100, 1, 2},
    {"Toilet"},
    {"ToiletPaperHanger"},
    {"TowelHolder"},
};
constexpr SceneEntry kBathroomObjects[] = {
    {"Bathtub", 79},
    {"Candle", 100, 1, 3},
    {"Cloth", 100, 1, 3},
    {"DishSponge", 16, 1, 2},
    {"HandTowel"},
    {"LightSwitch"},
    {"Mirror"},
    {"Plunger"},
    {"ShowerDoor", 53},
    {"ShowerGlass", 37},
    {"Sink", 100, 1, 2},
    {"SoapBar", 100, 1, 3},
    {"SoapBottle", 100, 1, 3},
    {"SprayBottle", 100, 1, 3},
    {"TissueBox", 21, 1, 2},
    {"ToiletPaper", 100, 2, 3},
    {"Towel"},
    {"Window", 63, 1, 2},
};

constexpr std::string_view kLampTables[] = {"Desk", "SideTable", "Dresser", "Shelf"};

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
