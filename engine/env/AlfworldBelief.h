// What a player of an ALFWorld game knows, read from the text it was shown
// and nothing else: the receptacles the intro lists, where the player is,
// what it saw in (or put into) each receptacle, which receptacles it saw
// closed or open, what it holds, what it cleaned, heated or cooled, and which
// lamps it switched on. Built by replaying the intro and every (command,
// observation) pair with the game's own feedback sentences ("You arrive at
// X. On the X, you see ...", "You open the X. The X is open. In it, you
// see ...", "You pick up the o from the r.", "You move the o to the r.",
// "You heat the o using the r.", "You turn on the l."). Commands the game
// answered with "Nothing happens." change nothing.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mobi {

struct ReceptacleBelief {
    bool seen = false;                 // its contents were shown at least once
    bool closed = false;               // last shown closed (or closed by the player)
    bool opened = false;               // last shown open (or opened by the player)
    std::vector<std::string> contents; // as last shown, updated by take/move
};

class AlfworldBelief {
  public:
    AlfworldBelief(const std::string& intro,
                   const std::vector<std::pair<std::string, std::string>>& history);

    // Receptacles in the intro's order ("cabinet 6", ..., "toaster 1").
    const std::vector<std::string>& receptacles() const { return order_; }
    const ReceptacleBelief& receptacle(const std::string& name) const;
    bool known(const std::string& receptacle) const { return recs_.count(receptacle) != 0; }
    // The receptacle the player last arrived at ("" before the first move).
    const std::string& location() const { return location_; }
    // What the player holds ("" when empty-handed).
    const std::string& held() const { return held_; }
    // Where an object was last seen (or put); "" when never seen or held.
    std::string whereIs(const std::string& object) const;
    // Objects of a kind ("mug") seen in receptacles, with their receptacles,
    // in the order the receptacles were first seen.
    std::vector<std::pair<std::string, std::string>> objectsOfKind(const std::string& kind) const;
    // Where a held object was taken from ("" when unknown).
    std::string origin(const std::string& object) const;

    bool isClean(const std::string& o) const { return clean_.count(o) != 0; }
    bool isHot(const std::string& o) const { return hot_.count(o) != 0; }
    bool isCool(const std::string& o) const { return cool_.count(o) != 0; }
    bool switchedOn(const std::string& lamp) const { return lamps_.count(lamp) != 0; }

    // "a apple 1, a bread 1, and a glassbottle 3" -> {"apple 1", "bread 1",
    // "glassbottle 3"}; "nothing" -> {}.
    static std::vector<std::string> parseList(const std::string& text);

  private:
    void apply(const std::string& observation);
    void examine(const std::string& sentence);
    ReceptacleBelief& rec(const std::string& name);
    void remove(const std::string& object);

    std::vector<std::string> order_;
    std::vector<std::string> seenOrder_;
    std::map<std::string, ReceptacleBelief> recs_;
    std::map<std::string, std::string> origin_;
    std::set<std::string> clean_, hot_, cool_, lamps_;
    std::string location_, held_;
};

} // namespace mobi
