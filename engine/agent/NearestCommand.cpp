#include "agent/NearestCommand.h"

#include <algorithm>
#include <cctype>

namespace mobi {

int editDistance(const std::string& a, const std::string& b) {
    std::vector<int> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = int(j);
    for (size_t i = 1; i <= a.size(); ++i) {
        int diag = row[0];
        row[0] = int(i);
        for (size_t j = 1; j <= b.size(); ++j) {
            const int up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

namespace {

std::string normalise(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    std::string out = s.substr(b, e - b);
    for (char& c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

} // namespace

int nearestCommand(const std::string& text, const std::vector<std::string>& admissible) {
    const std::string t = normalise(text);
    int best = -1;
    double bestCost = 2;
    for (size_t i = 0; i < admissible.size(); ++i) {
        const std::string c = normalise(admissible[i]);
        if (c == t) return int(i);
        const size_t longer = std::max<size_t>({c.size(), t.size(), 1});
        const double cost = double(editDistance(t, c)) / double(longer);
        if (cost < bestCost) {
            bestCost = cost;
            best = int(i);
        }
    }
    return best;
}

} // namespace mobi
