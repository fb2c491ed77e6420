// Learns the household generator's tables (env/HouseholdTablesData.inc) from
// real ALFWorld games: which object and receptacle kinds each room kind has
// (how often, how many), the object properties, which kinds may contain which
// (canContain), the share of openable receptacles, and the tables desk lamps
// stand on. `tools/household_tables.cpp` runs it on ALFWorld's train split and
// writes the .inc; tst_household checks that the checked-in file is exactly
// what it writes, so the tables never drift from their source.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mobi {

class HouseholdTableLearner {
  public:
    // Adds one game.tw-pddl document played in ALFRED scene `scene` (1-30
    // kitchens, 201-230 living rooms, 301-330 bedrooms, 401-430 bathrooms).
    // Throws FormatError naming `source` when it is not an ALFWorld game or
    // the scene number is none of those.
    void addGame(const std::string& gameText, const std::string& source, int scene);

    // Every <dir>/<task>-<scene>/<trial>/game.tw-pddl in path order; the scene
    // number is the task folder name's last '-' field. Throws FormatError when
    // the folder holds no game, a task folder name has no scene number, or
    // the folder is an evaluation split (a path component "valid_seen",
    // "valid_unseen" or "valid_train"): evaluation games never train the
    // generator. Returns the number of games read.
    int addDirectory(const std::string& dir);

    int games() const { return games_; }
    int scenes() const { return int(sceneIds_.size()); }

    // The tables as C++ source (constexpr arrays that HouseholdTables.cpp
    // includes), with a header saying what they were learned from, by which
    // command, and by which rules.
    std::string renderSource() const;

  private:
    struct ObjectStats {
        int instances = 0;
        int inReceptacle = 0;
        std::map<std::string, int> predicates; // "pickupable" -> instances
        std::set<std::string> heldBy;          // receptacle kinds holding an instance
    };
    struct ReceptacleStats {
        int instances = 0;
        int openable = 0;
    };
    struct PresenceStats {
        int games = 0; // games of the room kind with at least one instance
        int minCount = 0;
        int maxCount = 0;
    };
    struct RoomStats {
        int games = 0;
        std::map<std::string, PresenceStats> receptacles, objects;
    };

    int games_ = 0;
    std::set<int> sceneIds_;
    std::map<std::string, ObjectStats> objects_;         // by kind ("Mug")
    std::map<std::string, ReceptacleStats> receptacles_; // by kind ("Cabinet")
    std::set<std::pair<std::string, std::string>> contain_;
    std::array<RoomStats, 4> rooms_;
};

} // namespace mobi
