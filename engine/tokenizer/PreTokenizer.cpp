#include "tokenizer/PreTokenizer.h"

#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/Unicode.h"

namespace mobi {

namespace {

// The regexes as Hugging Face tokenizer.json files spell them, and the
// case-insensitive group rewritten the way llama.cpp spells it.
const char kGpt2Regex[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char kGpt2RegexShort[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
const char kLlama3Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kLlama3RegexCpp[] =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kQwen2Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kQwen2RegexCpp[] =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

} // namespace

bool preTokenizerFromRegex(const std::string& r, PreTokenizer& out) {
    if (r == kGpt2Regex || r == kGpt2RegexShort)
        out = PreTokenizer::Gpt2;
    else if (r == kLlama3Regex || r == kLlama3RegexCpp)
        out = PreTokenizer::Llama3;
    else if (r == kQwen2Regex || r == kQwen2RegexCpp)
        out = PreTokenizer::Qwen2;
    else
        return false;
    return true;
}

const char* preTokenizerRegex(PreTokenizer p) {
    switch (p) {
    case PreTokenizer::Llama3:
        return kLlama3Regex;
    case PreTokenizer::Qwen2:
        return kQwen2Regex;
    default:
        return kGpt2Regex;
    }
}

namespace {

using namespace unicode;

constexpr uint8_t kLNS = kLetterFlag | kNumberFlag | kSpaceFlag;

// Text as code points and their flags; positions past the end read as
// nothing (code point 0xFFFFFFFF, no flags), as llama.cpp's _get_cpt does.
class Cursor {
  public:
    explicit Cursor(const std::vector<uint32_t>& cpts) : cpts_(cpts), flags_(cpts.size()) {
        for (size_t i = 0; i < cpts.size(); ++i)
            flags_[i] = flags(cpts[i]);
    }
    size_t size() const { return cpts_.size(); }
    uint32_t cpt(size_t i) const { return i < cpts_.size() ? cpts_[i] : 0xFFFFFFFFu; }
    uint8_t flag(size_t i) const { return i < flags_.size() ? flags_[i] : 0; }
    bool is(size_t i, uint8_t f) const { return (flag(i) & f) != 0; }
    bool isNewline(size_t i) const { return cpt(i) == '\r' || cpt(i) == '\n'; }
    // [^\s\p{L}\p{N}] as the regex means it (any other code point, assigned or not).
    bool isOther(size_t i) const { return i < size() && !is(i, kLNS); }
    // The same class as llama.cpp's custom splitters test it (assigned only).
    bool isOtherAssigned(size_t i) const { return !is(i, kLNS) && is(i, kAssignedFlag); }

  private:
    const std::vector<uint32_t>& cpts_;
    std::vector<uint8_t> flags_;
};

uint32_t asciiLower(uint32_t c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

// 's|'t|'re|'ve|'m|'ll|'d at pos: the match length or 0.
size_t contraction(const Cursor& t, size_t pos, bool caseInsensitive) {
    if (t.cpt(pos) != '\'') return 0;
    auto low = [&](size_t i) { return caseInsensitive ? asciiLower(t.cpt(i)) : t.cpt(i); };
    const uint32_t a = low(pos + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    const uint32_t b = low(pos + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

// Whitespace run at pos: its length, and the end of its last \r or \n (0 if none).
size_t spaceRun(const Cursor& t, size_t pos, size_t* lastNewlineEnd) {
    size_t k = 0;
    if (lastNewlineEnd) *lastNewlineEnd = 0;
    while (t.is(pos + k, kSpaceFlag)) {
        if (lastNewlineEnd && t.isNewline(pos + k)) *lastNewlineEnd = pos + k + 1;
        ++k;
    }
    return k;
}

// \s+(?!\S)|\s+ for a run of k >= 1 spaces at pos: the lookahead fails only
// when a non-space follows, where backing off one space satisfies it.
size_t spaceMatch(const Cursor& t, size_t pos, size_t k) {
    return k > 1 && pos + k < t.size() ? k - 1 : k;
}

size_t nextGpt2(const Cursor& t, size_t pos) {
    if (size_t n = contraction(t, pos, false)) return n;
    const size_t start = pos + (t.cpt(pos) == ' ' ? 1 : 0);
    //  ?\p{L}+ and  ?\p{N}+
    for (uint8_t f : {kLetterFlag, kNumberFlag}) {
        if (!t.is(start, f)) continue;
        size_t e = start;
        while (t.is(e, f))
            ++e;
        return e - pos;
    }
    //  ?[^\s\p{L}\p{N}]+
    if (t.isOtherAssigned(start)) {
        size_t e = start;
        while (t.isOtherAssigned(e))
            ++e;
        return e - pos;
    }
    const size_t k = spaceRun(t, pos, nullptr);
    return k > 0 ? spaceMatch(t, pos, k) : 1; // 1: no alternative matched
}

size_t nextLlama3(const Cursor& t, size_t pos, bool digitGroups) {
    if (size_t n = contraction(t, pos, true)) return n;
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!t.isNewline(pos) && !t.is(pos, kNumberFlag) &&
        (t.is(pos, kLetterFlag) || t.is(pos + 1, kLetterFlag))) {
        size_t e = pos + 1;
        while (t.is(e, kLetterFlag))
            ++e;
        return e - pos;
    }
    // \p{N}{1,3} or \p{N}
    if (t.is(pos, kNumberFlag)) {
        size_t e = pos + 1;
        while (digitGroups && e - pos < 3 && t.is(e, kNumberFlag))
            ++e;
        return e - pos;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    const size_t start = pos + (t.cpt(pos) == ' ' ? 1 : 0);
    if (digitGroups) {
        // llama.cpp's splitter: the class is tested on the character after
        // an optional space but "assigned" on the first one, so a space
        // before an unassigned character (or at the end) is a word alone.
        if (!t.is(start, kLNS) && t.is(pos, kAssignedFlag) && pos < t.size()) {
            size_t e = start;
            while (t.isOtherAssigned(e))
                ++e;
            while (t.isNewline(e))
                ++e;
            return e - pos;
        }
    } else if (t.isOther(start)) {
        size_t e = start;
        while (t.isOther(e))
            ++e;
        while (t.isNewline(e))
            ++e;
        return e - pos;
    }
    size_t lastNewlineEnd = 0;
    const size_t k = spaceRun(t, pos, &lastNewlineEnd);
    if (lastNewlineEnd > 0) return lastNewlineEnd - pos; // \s*[\r\n]+
    return k > 0 ? spaceMatch(t, pos, k) : 1;
}

} // namespace

std::vector<size_t> preTokenizeLengths(PreTokenizer kind, const std::vector<uint32_t>& cpts) {
    std::vector<size_t> lengths;
    if (cpts.empty()) return lengths;
    if (kind == PreTokenizer::None) {
        lengths.push_back(cpts.size());
        return lengths;
    }
    const Cursor t(cpts);
    for (size_t pos = 0; pos < t.size();) {
        size_t n;
        switch (kind) {
        case PreTokenizer::Gpt2:
            n = nextGpt2(t, pos);
            break;
        case PreTokenizer::Llama3:
            n = nextLlama3(t, pos, true);
            break;
        default:
            n = nextLlama3(t, pos, false);
            break;
        }
        if (n == 0 || n > t.size() - pos) n = 1; // cannot happen; keeps the loop finite
        lengths.push_back(n);
        pos += n;
    }
    return lengths;
}

std::vector<std::string> preTokenize(PreTokenizer kind, std::string_view text) {
    const std::vector<uint32_t> cpts = unicode::decode(text);
    std::vector<std::string> words;
    size_t pos = 0;
    for (size_t n : preTokenizeLengths(kind, cpts)) {
        std::string w;
        for (size_t i = pos; i < pos + n; ++i)
            unicode::append(w, cpts[i]);
        words.push_back(std::move(w));
        pos += n;
    }
    return words;
}

} // namespace mobi
