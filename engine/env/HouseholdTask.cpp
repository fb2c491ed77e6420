#include "env/HouseholdTask.h"

#include <cctype>
#include <map>
#include <vector>

namespace mobi {

namespace {

void collect(const PddlFormula& f, std::vector<const PddlFormula*>& atoms, bool& hasEqual) {
    if (f.kind == PddlFormula::Kind::Atom) atoms.push_back(&f);
    if (f.kind == PddlFormula::Kind::Equal) hasEqual = true;
    for (const PddlFormula& c : f.children)
        collect(c, atoms, hasEqual);
}

std::string stripType(const std::string& t) {
    if (t.size() > 4 && t.compare(t.size() - 4, 4, "Type") == 0) return t.substr(0, t.size() - 4);
    return t;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

} // namespace

std::string_view householdTaskName(HouseholdTaskType t) {
    switch (t) {
    case HouseholdTaskType::PickAndPlaceSimple:
        return "pick_and_place_simple";
    case HouseholdTaskType::LookAtObjInLight:
        return "look_at_obj_in_light";
    case HouseholdTaskType::PickCleanThenPlace:
        return "pick_clean_then_place_in_recep";
    case HouseholdTaskType::PickHeatThenPlace:
        return "pick_heat_then_place_in_recep";
    case HouseholdTaskType::PickCoolThenPlace:
        return "pick_cool_then_place_in_recep";
    case HouseholdTaskType::PickTwoObjAndPlace:
        return "pick_two_obj_and_place";
    }
    return "?";
}

std::optional<HouseholdTask> HouseholdTask::fromGoal(const PddlFormula& goal) {
    std::vector<const PddlFormula*> atoms;
    bool hasEqual = false;
    collect(goal, atoms, hasEqual);
    std::map<std::string, std::string> objectTypeOf; // variable -> kind
    std::string receptacleKind, toggledVar;
    bool clean = false, hot = false, cool = false, inReceptacle = false, holds = false;
    for (const PddlFormula* a : atoms) {
        if (a->args.empty()) continue;
        const std::string& n = a->name;
        if (n == "objectType" && a->args.size() == 2)
            objectTypeOf[a->args[0].name] = stripType(a->args[1].name);
        else if (n == "receptacleType" && a->args.size() == 2)
            receptacleKind = stripType(a->args[1].name);
        else if (n == "isToggled")
            toggledVar = a->args[0].name;
        else if (n == "isClean")
            clean = true;
        else if (n == "isHot")
            hot = true;
        else if (n == "isCool")
            cool = true;
        else if (n == "inReceptacle")
            inReceptacle = true;
        else if (n == "holds")
            holds = true;
    }
    HouseholdTask t;
    if (!toggledVar.empty()) {
        if (!holds || !objectTypeOf.count(toggledVar)) return std::nullopt;
        t.type = HouseholdTaskType::LookAtObjInLight;
        t.receptacle = objectTypeOf[toggledVar];
        for (const auto& [var, kind] : objectTypeOf)
            if (var != toggledVar) t.object = kind;
        if (t.object.empty()) return std::nullopt;
        return t;
    }
    if (!inReceptacle || receptacleKind.empty() || objectTypeOf.empty()) return std::nullopt;
    t.object = objectTypeOf.begin()->second;
    for (const auto& [var, kind] : objectTypeOf)
        if (kind != t.object) return std::nullopt;
    t.receptacle = receptacleKind;
    if (hasEqual)
        t.type = HouseholdTaskType::PickTwoObjAndPlace;
    else if (clean)
        t.type = HouseholdTaskType::PickCleanThenPlace;
    else if (hot)
        t.type = HouseholdTaskType::PickHeatThenPlace;
    else if (cool)
        t.type = HouseholdTaskType::PickCoolThenPlace;
    else
        t.type = HouseholdTaskType::PickAndPlaceSimple;
    return t;
}

std::string HouseholdTask::goalText() const {
    const std::string o = object + "Type", r = receptacle + "Type";
    std::string g = "(:goal\n     (and\n";
    auto placed = [&](const char* flag, const char* state) {
        g += "         (exists (?r - receptacle)\n             (exists (?o - object)\n"
             "                 (and\n";
        if (flag) g += std::string("                     (") + flag + " ?o)\n";
        g += "                     (objectType ?o " + o + ")\n";
        g += "                     (receptacleType ?r " + r + ")\n";
        if (state) g += std::string("                     (") + state + " ?o)\n";
        g += "                     (inReceptacle ?o ?r)\n                 )\n             )\n"
             "         )\n";
    };
    switch (type) {
    case HouseholdTaskType::PickAndPlaceSimple:
        g += "         (exists (?r - receptacle)\n             (exists (?o - object)\n"
             "                 (and\n                     (inReceptacle ?o ?r)\n"
             "                     (objectType ?o " +
             o + ")\n                     (receptacleType ?r " + r +
             ")\n                 )\n             )\n         )\n";
        break;
    case HouseholdTaskType::LookAtObjInLight:
        g += "         (exists (?ot - object\n                  ?r - receptacle\n"
             "                  ?a - agent\n                  ?l - location)\n"
             "             (and\n                 (objectType ?ot " +
             r +
             ")\n                 (toggleable ?ot)\n                 (isToggled ?ot)\n"
             "                 (receptacleAtLocation ?r ?l)\n                 (atLocation ?a ?l)\n"
             "                 (inReceptacle ?ot ?r)\n             )\n         )\n"
             "         (exists (?o - object\n                  ?a - agent)\n"
             "             (and\n                 (objectType ?o " +
             o + ")\n                 (holds ?a ?o)\n             )\n         )\n";
        break;
    case HouseholdTaskType::PickCleanThenPlace:
        placed("cleanable", "isClean");
        break;
    case HouseholdTaskType::PickHeatThenPlace:
        placed("heatable", "isHot");
        break;
    case HouseholdTaskType::PickCoolThenPlace:
        placed("coolable", "isCool");
        break;
    case HouseholdTaskType::PickTwoObjAndPlace:
        g += "         (exists (?r - receptacle)\n             (exists (?o1 - object)\n"
             "                 (and\n                     (objectType ?o1 " +
             o + ")\n                     (receptacleType ?r " + r +
             ")\n                     (inReceptacle ?o1 ?r)\n"
             "                     (exists (?o2 - object)\n                         (and\n"
             "                             (not (= ?o1 ?o2))\n"
             "                             (objectType ?o2 " +
             o + ")\n                             (receptacleType ?r " + r +
             ")\n                             (inReceptacle ?o2 ?r)\n"
             "                         )\n                     )\n                 )\n"
             "             )\n         )\n";
        break;
    }
    g += "     )\n)\n";
    return g;
}

std::string HouseholdTask::sentence(int phrasing) const {
    const std::string o = lower(object), r = lower(receptacle);
    const bool alt = phrasing % 2 != 0;
    switch (type) {
    case HouseholdTaskType::PickAndPlaceSimple:
        return alt ? "put some " + o + " on " + r + "." : "put a " + o + " in " + r + ".";
    case HouseholdTaskType::LookAtObjInLight:
        return alt ? "examine the " + o + " with the " + r + "."
                   : "look at " + o + " under the " + r + ".";
    case HouseholdTaskType::PickCleanThenPlace:
        return alt ? "clean some " + o + " and put it in " + r + "."
                   : "put a clean " + o + " in " + r + ".";
    case HouseholdTaskType::PickHeatThenPlace:
        return alt ? "heat some " + o + " and put it in " + r + "."
                   : "put a hot " + o + " in " + r + ".";
    case HouseholdTaskType::PickCoolThenPlace:
        return alt ? "cool some " + o + " and put it in " + r + "."
                   : "put a cool " + o + " in " + r + ".";
    case HouseholdTaskType::PickTwoObjAndPlace:
        return alt ? "find two " + o + " and put them in " + r + "."
                   : "put two " + o + " in " + r + ".";
    }
    return {};
}

} // namespace mobi
