#include "env/AlfworldBelief.h"

#include "env/SearchPrior.h"

#include <algorithm>

namespace mobi {

namespace {

bool startsWith(const std::string& s, const std::string& p) {
    return s.compare(0, p.size(), p) == 0;
}

// The text between `after` (which must start s) and the first `until`.
std::string between(const std::string& s, const std::string& after, const std::string& until) {
    const size_t e = s.find(until, after.size());
    return s.substr(after.size(), e == std::string::npos ? std::string::npos : e - after.size());
}

// Strips one trailing '.' and surrounding white space.
std::string trimSentence(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
        s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

} // namespace

std::vector<std::string> AlfworldBelief::parseList(const std::string& text) {
    std::vector<std::string> out;
    const std::string t = trimSentence(text);
    if (t == "nothing" || t.empty()) return out;
    size_t pos = 0;
    while (pos <= t.size()) {
        const size_t e = t.find(", ", pos);
        std::string item = t.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
        if (startsWith(item, "and ")) item.erase(0, 4);
        if (startsWith(item, "a "))
            item.erase(0, 2);
        else if (startsWith(item, "an "))
            item.erase(0, 3);
        if (!item.empty()) out.push_back(item);
        if (e == std::string::npos) break;
        pos = e + 2;
    }
    return out;
}

AlfworldBelief::AlfworldBelief(const std::string& intro,
                               const std::vector<std::pair<std::string, std::string>>& history) {
    const std::string look = "Looking quickly around you, you see ";
    const size_t p = intro.find(look);
    if (p != std::string::npos) {
        const size_t b = p + look.size();
        const size_t e = intro.find('\n', b);
        order_ = parseList(intro.substr(b, e == std::string::npos ? std::string::npos : e - b));
        for (const std::string& r : order_)
            recs_[r];
    }
    for (const auto& [command, observation] : history)
        apply(observation);
}

const ReceptacleBelief& AlfworldBelief::receptacle(const std::string& name) const {
    static const ReceptacleBelief none;
    auto it = recs_.find(name);
    return it == recs_.end() ? none : it->second;
}

ReceptacleBelief& AlfworldBelief::rec(const std::string& name) {
    if (!recs_.count(name)) order_.push_back(name);
    return recs_[name];
}

void AlfworldBelief::remove(const std::string& object) {
    for (auto& [name, r] : recs_)
        r.contents.erase(std::remove(r.contents.begin(), r.contents.end(), object),
                         r.contents.end());
}

std::string AlfworldBelief::whereIs(const std::string& object) const {
    for (const std::string& r : seenOrder_) {
        const auto& c = recs_.at(r).contents;
        if (std::find(c.begin(), c.end(), object) != c.end()) return r;
    }
    return {};
}

std::vector<std::pair<std::string, std::string>>
AlfworldBelief::objectsOfKind(const std::string& kind) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& r : seenOrder_)
        for (const std::string& o : recs_.at(r).contents)
            if (SearchPrior::kindOf(o) == kind) out.push_back({o, r});
    return out;
}

std::string AlfworldBelief::origin(const std::string& object) const {
    auto it = origin_.find(object);
    return it == origin_.end() ? std::string() : it->second;
}

void AlfworldBelief::examine(const std::string& sentence) {
    const std::string s = trimSentence(sentence);
    if (startsWith(s, "On the ")) {
        const std::string name = between(s, "On the ", ", you see ");
        const size_t l = s.find(", you see ");
        if (l == std::string::npos) return;
        ReceptacleBelief& r = rec(name);
        if (!r.seen) seenOrder_.push_back(name);
        r.seen = true;
        r.contents = parseList(s.substr(l + 10));
        return;
    }
    if (!startsWith(s, "The ")) return;
    const std::string open = " is open. In it, you see ";
    if (size_t e = s.find(open); e != std::string::npos) {
        const std::string name = s.substr(4, e - 4);
        ReceptacleBelief& r = rec(name);
        if (!r.seen) seenOrder_.push_back(name);
        r.seen = true;
        r.opened = true;
        r.closed = false;
        r.contents = parseList(s.substr(e + open.size()));
        return;
    }
    const std::string closed = " is closed";
    if (s.size() > 4 + closed.size() &&
        s.compare(s.size() - closed.size(), closed.size(), closed) == 0) {
        ReceptacleBelief& r = rec(s.substr(4, s.size() - 4 - closed.size()));
        r.closed = true;
        r.opened = false;
    }
}

void AlfworldBelief::apply(const std::string& obs) {
    if (startsWith(obs, "You arrive at ")) {
        const size_t e = obs.find(". ", 14);
        location_ =
            trimSentence(obs.substr(14, e == std::string::npos ? std::string::npos : e - 14));
        rec(location_);
        if (e != std::string::npos) examine(obs.substr(e + 2));
        return;
    }
    if (startsWith(obs, "You open the ")) {
        const size_t e = obs.find(". ", 13);
        ReceptacleBelief& r =
            rec(trimSentence(obs.substr(13, e == std::string::npos ? std::string::npos : e - 13)));
        r.opened = true;
        r.closed = false;
        if (e != std::string::npos) examine(obs.substr(e + 2));
        return;
    }
    if (startsWith(obs, "You close the ")) {
        ReceptacleBelief& r = rec(trimSentence(obs.substr(14)));
        r.closed = true;
        r.opened = false;
        return;
    }
    if (startsWith(obs, "You pick up the ")) {
        const std::string o = between(obs, "You pick up the ", " from the ");
        const size_t f = obs.find(" from the ");
        remove(o);
        held_ = o;
        if (f != std::string::npos) origin_[o] = trimSentence(obs.substr(f + 10));
        return;
    }
    if (startsWith(obs, "You move the ")) {
        const std::string o = between(obs, "You move the ", " to the ");
        const size_t t = obs.find(" to the ");
        if (t == std::string::npos) return;
        const std::string r = trimSentence(obs.substr(t + 8));
        remove(o);
        ReceptacleBelief& rb = rec(r);
        if (std::find(seenOrder_.begin(), seenOrder_.end(), r) == seenOrder_.end())
            seenOrder_.push_back(r);
        rb.contents.push_back(o);
        if (held_ == o) held_.clear();
        return;
    }
    for (const char* verb : {"clean", "heat", "cool"}) {
        const std::string p = std::string("You ") + verb + " the ";
        if (!startsWith(obs, p)) continue;
        const std::string o = between(obs, p, " using the ");
        if (verb[0] == 'c' && verb[1] == 'l') clean_.insert(o);
        if (verb[0] == 'h') hot_.insert(o), cool_.erase(o);
        if (verb[0] == 'c' && verb[1] == 'o') cool_.insert(o), hot_.erase(o);
        return;
    }
    if (startsWith(obs, "You turn on the ") || startsWith(obs, "You turn off the ")) {
        lamps_.insert(trimSentence(obs.substr(obs.find(" the ") + 5)));
        return;
    }
    examine(obs); // "examine RECEPTACLE"
}

} // namespace mobi
