#include "env/SearchPrior.h"

#include "core/Error.h"
#include "env/AlfworldEnv.h"

#include <cctype>
#include <memory>
#include <set>
#include <sstream>

namespace mobi {

std::string SearchPrior::kindOf(std::string_view name) {
    const size_t sp = name.rfind(' ');
    if (sp == std::string_view::npos || sp + 1 >= name.size()) return std::string(name);
    for (size_t i = sp + 1; i < name.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::string(name);
    return std::string(name.substr(0, sp));
}

void SearchPrior::addGame(const AlfworldEnv& env) {
    std::vector<int> receptacles;
    for (const PddlArgs& f : env.facts("receptacleAtLocation"))
        receptacles.push_back(f[0]);
    std::map<int, std::set<std::string>> holds; // receptacle -> object kinds in it
    std::set<std::string> present;
    for (const PddlArgs& f : env.facts("inReceptacle")) {
        const std::string k = kindOf(env.objectName(f[0]));
        holds[f[1]].insert(k);
        present.insert(k);
    }
    for (int r : receptacles) {
        const std::string rk = kindOf(env.objectName(r));
        for (const std::string& k : present) {
            SearchPriorCount& c = counts_[k][rk];
            ++c.trials;
            c.hits += holds[r].count(k) ? 1 : 0;
        }
        SearchPriorCount& c = counts_[kClosed][rk];
        ++c.trials;
        c.hits += env.holds("openable", {r}) && !env.holds("opened", {r}) ? 1 : 0;
    }
    rebuildMarginal();
}

void SearchPrior::rebuildMarginal() {
    marginal_.clear();
    for (const auto& [k, row] : counts_) {
        if (k == kClosed) continue;
        for (const auto& [rk, c] : row) {
            marginal_[rk].hits += c.hits;
            marginal_[rk].trials += c.trials;
        }
    }
}

SearchPrior SearchPrior::fromGames(const std::vector<std::string>& paths,
                                   const std::function<void(size_t, size_t)>& progress) {
    SearchPrior p;
    for (size_t i = 0; i < paths.size(); ++i) {
        AlfworldEnv env(std::make_shared<const AlfworldGame>(AlfworldGame::load(paths[i])));
        p.addGame(env);
        if (progress) progress(i + 1, paths.size());
    }
    return p;
}

std::vector<std::string> SearchPrior::lines() const {
    std::vector<std::string> out;
    for (const auto& [k, row] : counts_) {
        std::string line = k;
        for (const auto& [rk, c] : row)
            line += " " + rk + ":" + std::to_string(c.hits) + "/" + std::to_string(c.trials);
        out.push_back(line);
    }
    return out;
}

SearchPrior SearchPrior::parse(const std::vector<std::string>& lines) {
    SearchPrior p;
    for (size_t i = 0; i < lines.size(); ++i) {
        std::istringstream in(lines[i]);
        std::string k, cell;
        const std::string where = "search prior line " + std::to_string(i + 1);
        if (!(in >> k)) throw FormatError(where, "empty line");
        auto& row = p.counts_[k];
        while (in >> cell) {
            const size_t colon = cell.find(':'), slash = cell.find('/');
            if (colon == std::string::npos || slash == std::string::npos || slash < colon)
                throw FormatError(where, "expected REC:HITS/TRIALS, got '" + cell + "'");
            SearchPriorCount c;
            try {
                c.hits = std::stoi(cell.substr(colon + 1, slash - colon - 1));
                c.trials = std::stoi(cell.substr(slash + 1));
            } catch (const std::exception&) {
                throw FormatError(where, "bad counts in '" + cell + "'");
            }
            if (c.hits < 0 || c.trials < c.hits)
                throw FormatError(where, "counts out of range in '" + cell + "'");
            row[cell.substr(0, colon)] = c;
        }
    }
    p.rebuildMarginal();
    return p;
}

double SearchPrior::objectIn(std::string_view object, std::string_view receptacle) const {
    constexpr double kPseudo = 2.0; // receptacles' worth of the kind-wide rate
    double base = 0.02;             // receptacle kinds never seen in training
    if (auto m = marginal_.find(receptacle); m != marginal_.end() && m->second.trials > 0)
        base = double(m->second.hits) / m->second.trials;
    SearchPriorCount c;
    if (auto row = counts_.find(object); row != counts_.end())
        if (auto it = row->second.find(receptacle); it != row->second.end()) c = it->second;
    return (c.hits + kPseudo * base) / (c.trials + kPseudo);
}

double SearchPrior::startsClosed(std::string_view receptacle) const {
    SearchPriorCount c;
    if (auto row = counts_.find(std::string_view(kClosed)); row != counts_.end())
        if (auto it = row->second.find(receptacle); it != row->second.end()) c = it->second;
    return (c.hits + 0.5) / (c.trials + 1.0);
}

} // namespace mobi
