#include "train/BpeTrainer.h"

#include "train/SpmWords.h"

#include "core/Error.h"

#include <algorithm>
#include <climits>

namespace mobi {

namespace {

const char kWhere[] = "tokenizer fit";

// The engine's vocabulary pieces that are not fitted: an adjacent pair whose
// text equals one of them would merge into it. Every split of such a piece
// (3+ characters) has a part of 2+ characters, so forbidding those parts as
// fitted pieces keeps the engine from ever spelling one.
std::unordered_set<std::string> forbiddenPieces() {
    std::vector<std::string> fixed = {"<unk>", "<s>", "</s>"};
    static const char hex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b)
        fixed.push_back(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">");
    std::unordered_set<std::string> out;
    for (const std::string& s : fixed)
        for (size_t n = 2; n <= s.size(); ++n) {
            out.insert(s.substr(0, n));
            out.insert(s.substr(s.size() - n));
        }
    return out;
}

} // namespace

BpeTrainer::BpeTrainer(int minFrequency)
    : minFrequency_(minFrequency), forbidden_(forbiddenPieces()) {
    if (minFrequency < 1)
        throw EngineError(kWhere,
                          "minimum pair frequency " + std::to_string(minFrequency) + " is below 1");
}

void BpeTrainer::addText(std::string_view text) {
    if (fitted_) throw EngineError(kWhere, "text added after fitting");
    const std::string normalised = spmNormalize(text);
    forEachSpmWord(normalised, [&](std::string_view word, bool mergeable) {
        if (!mergeable) return;
        ++stats_.words;
        auto it = wordIndex_.find(word);
        if (it == wordIndex_.end()) {
            it = wordIndex_.emplace(std::string(word), static_cast<int>(wordText_.size())).first;
            wordText_.emplace_back(word);
            wordFreq_.push_back(0);
        }
        ++wordFreq_[static_cast<size_t>(it->second)];
    });
}

int BpeTrainer::intern(std::string_view text, SymbolKind kind) {
    const int found = findSymbol(text);
    if (found >= 0) return found;
    const int id = static_cast<int>(symText_.size());
    symText_.emplace_back(text);
    symKind_.push_back(kind);
    symOcc_.push_back(0);
    symId_.emplace(std::string(text), id);
    return id;
}

int BpeTrainer::findSymbol(std::string_view text) const {
    const auto it = symId_.find(text);
    return it == symId_.end() ? -1 : it->second;
}

int64_t BpeTrainer::pairCount(int a, int b) const {
    const auto it = pairCount_.find(key(a, b));
    return it == pairCount_.end() ? 0 : it->second;
}

void BpeTrainer::addPair(int a, int b, int64_t delta, int pos) {
    const PairKey k = key(a, b);
    const int64_t now = pairCount_[k] += delta;
    if (now == 0) {
        pairCount_.erase(k);
        pairPos_.erase(k);
    } else if (delta > 0) {
        pairPos_[k].push_back(pos);
    }
}

// The distinct words' characters, linked per word, with their pair counts.
void BpeTrainer::buildPositions() {
    size_t bytes = 0;
    for (const std::string& w : wordText_)
        bytes += w.size();
    if (bytes > static_cast<size_t>(INT_MAX))
        throw EngineError(kWhere, "the distinct words hold " + std::to_string(bytes) +
                                      " bytes, more than the fitter indexes (2^31)");
    sym_.reserve(bytes);
    for (size_t w = 0; w < wordText_.size(); ++w) {
        const int64_t f = wordFreq_[w];
        const int first = static_cast<int>(sym_.size());
        for (std::string_view s : spmSymbols(wordText_[w])) {
            const int id = intern(s, Char);
            const int pos = static_cast<int>(sym_.size());
            sym_.push_back(id);
            wordOf_.push_back(static_cast<int>(w));
            prev_.push_back(pos == first ? -1 : pos - 1);
            next_.push_back(-1);
            if (pos != first) {
                next_[static_cast<size_t>(pos) - 1] = pos;
                addPair(sym_[static_cast<size_t>(pos) - 1], id, f, pos - 1);
            }
            symOcc_[static_cast<size_t>(id)] += f;
        }
    }
    stats_.distinctWords = static_cast<int64_t>(wordText_.size());
    stats_.symbols = static_cast<int64_t>(sym_.size());
    wordIndex_ = {};
    wordText_ = {};
}

bool BpeTrainer::isCharCandidate(int c) const {
    const std::string& t = symText_[static_cast<size_t>(c)];
    return symKind_[static_cast<size_t>(c)] == Char && t.size() > 1 && t != kSpmSpace;
}

// A character piece saves all but one of its bytes' tokens wherever the
// character stands alone.
int64_t BpeTrainer::charValue(int c) const {
    return symOcc_[static_cast<size_t>(c)] *
           static_cast<int64_t>(symText_[static_cast<size_t>(c)].size() - 1);
}

void BpeTrainer::pushChar(int c) {
    if (!isCharCandidate(c)) return;
    const int64_t v = charValue(c);
    if (v > 0) heap_.push({v, c, -1});
}

std::vector<BpePiece> BpeTrainer::fit(int maxPieces) {
    if (fitted_) throw EngineError(kWhere, "fit called twice");
    if (maxPieces < 1)
        throw EngineError(kWhere, "room for " + std::to_string(maxPieces) +
                                      " fitted pieces; the space piece needs one");
    fitted_ = true;
    buildPositions();

    // U+2581 is always a piece: a lone space as byte pieces would decode to
    // the mark itself, not to a space.
    const int space = findSymbol(kSpmSpace);
    if (space >= 0) symKind_[static_cast<size_t>(space)] = CharPiece;
    std::vector<BpePiece> pieces{{std::string(kSpmSpace), std::string()}};
    stats_.charPieces = 1;

    for (const auto& [k, count] : pairCount_)
        heap_.push({count, static_cast<int>(k >> 32), static_cast<int>(k & 0xFFFFFFFFu)});
    for (int c = 0; c < static_cast<int>(symText_.size()); ++c)
        pushChar(c);

    while (static_cast<int>(pieces.size()) < maxPieces && !heap_.empty()) {
        const Candidate c = heap_.top();
        heap_.pop();
        const bool isChar = c.b < 0;
        if (!isChar && refused_.count(key(c.a, c.b))) continue;
        const int64_t now =
            isChar ? (isCharCandidate(c.a) ? charValue(c.a) : 0) : pairCount(c.a, c.b);
        if (now != c.value) { // stale: counts changed since it was queued
            if (now > 0) heap_.push({now, c.a, c.b});
            continue;
        }
        if (now < minFrequency_) break; // the best candidate left is too rare
        if (isChar) {
            if (symOcc_[static_cast<size_t>(c.a)] < minFrequency_) continue;
            symKind_[static_cast<size_t>(c.a)] = CharPiece;
            pieces.push_back({symText_[static_cast<size_t>(c.a)], std::string()});
            ++stats_.charPieces;
        } else if (tryMerge(c.a, c.b)) {
            pieces.push_back(
                {symText_[static_cast<size_t>(c.a)], symText_[static_cast<size_t>(c.b)]});
            ++stats_.merges;
        }
    }
    heap_ = {};
    return pieces;
}

// Merges (a, b) everywhere unless its text would let the engine spell a
// special or byte piece; a pair refused once stays refused.
bool BpeTrainer::tryMerge(int a, int b) {
    const std::string text = symText_[static_cast<size_t>(a)] + symText_[static_cast<size_t>(b)];
    if (forbidden_.count(text)) {
        refused_.insert(key(a, b));
        ++stats_.refusedPairs;
        return false;
    }
    const int z = intern(text, Merged);
    applyMerge(a, b, z, occurrences(a, b));
    return true;
}

// Left positions of the pair's occurrences as a left-to-right merge takes
// them: in text order, overlapping ones ("a a a" for (a, a)) skipped.
std::vector<int> BpeTrainer::occurrences(int a, int b) {
    std::vector<int> out;
    const auto it = pairPos_.find(key(a, b));
    if (it == pairPos_.end()) return out;
    std::vector<int>& pos = it->second;
    std::sort(pos.begin(), pos.end());
    pos.erase(std::unique(pos.begin(), pos.end()), pos.end());
    int lastRight = -1;
    for (int p : pos) {
        const int n = next_[static_cast<size_t>(p)];
        if (sym_[static_cast<size_t>(p)] != a || n < 0 || sym_[static_cast<size_t>(n)] != b ||
            p == lastRight)
            continue;
        out.push_back(p);
        lastRight = n;
    }
    return out;
}

void BpeTrainer::applyMerge(int a, int b, int z, const std::vector<int>& occ) {
    std::vector<PairKey> touched;
    auto change = [&](int l, int r, int64_t delta, int pos) {
        addPair(l, r, delta, pos);
        touched.push_back(key(l, r));
    };
    for (int p : occ) {
        const size_t up = static_cast<size_t>(p);
        const int n = next_[up];
        const int64_t f = wordFreq_[static_cast<size_t>(wordOf_[up])];
        const int l = prev_[up];
        const int r = next_[static_cast<size_t>(n)];
        if (l >= 0) change(sym_[static_cast<size_t>(l)], a, -f, -1);
        addPair(a, b, -f, -1);
        if (r >= 0) change(b, sym_[static_cast<size_t>(r)], -f, -1);
        sym_[up] = z;
        sym_[static_cast<size_t>(n)] = -1;
        prev_[static_cast<size_t>(n)] = next_[static_cast<size_t>(n)] = -1;
        next_[up] = r;
        if (r >= 0) prev_[static_cast<size_t>(r)] = p;
        if (l >= 0) change(sym_[static_cast<size_t>(l)], z, f, l);
        if (r >= 0) change(z, sym_[static_cast<size_t>(r)], f, p);
        symOcc_[static_cast<size_t>(a)] -= f;
        symOcc_[static_cast<size_t>(b)] -= f;
        symOcc_[static_cast<size_t>(z)] += f;
    }
    pairCount_.erase(key(a, b));
    pairPos_.erase(key(a, b));
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (PairKey k : touched) {
        const auto it = pairCount_.find(k);
        if (it != pairCount_.end() && it->second > 0)
            heap_.push({it->second, static_cast<int>(k >> 32), static_cast<int>(k & 0xFFFFFFFFu)});
    }
    pushChar(a);
    pushChar(b);
}

} // namespace mobi
