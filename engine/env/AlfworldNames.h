// The names ALFWorld shows for PDDL objects, decided as its AlfredDemangler
// does: TextWorld ids are the lower-cased PDDL names of every object that
// appears in an :init fact; "drawer_bar__minus_00_dot_16_bar_..." has the
// name "drawer" (ids holding "basin" get "basin" appended: "sinkbasin");
// instances of a name are numbered over the sorted ids with the first id
// getting the highest number ("drawer 4" ... "drawer 1"). Ids without "_bar_"
// ("agent1", "sinktype") keep the id as name, unnumbered.
#pragma once

#include "env/PddlTask.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mobi {

class AlfworldNames {
  public:
    AlfworldNames() = default;
    explicit AlfworldNames(const PddlTask& task);

    // "desk 1"; for objects in no :init fact, the TextWorld id.
    const std::string& name(int object) const { return names_[object]; }
    // The TextWorld id: the PDDL name in lower case.
    const std::string& id(int object) const { return ids_[object]; }
    // The object shown as `name` ("desk 1"), or -1. Names are unique among
    // numbered objects; for an unnumbered name the first object.
    int object(std::string_view name) const;
    // Position of the object's id in sorted id order (TextWorld lists
    // query results in this order).
    int rank(int object) const { return rank_[object]; }
    // TextWorld's PDDL environment gives every entity the indefinite article
    // "a" ("a apple 1"), and ALFWorld keeps it.
    static const std::string& indefinite() {
        static const std::string a = "a";
        return a;
    }

  private:
    std::vector<std::string> names_;
    std::vector<std::string> ids_;
    std::vector<int> rank_;
    std::unordered_map<std::string, int> byName_;
};

} // namespace mobi
