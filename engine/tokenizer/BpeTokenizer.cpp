#include "tokenizer/BpeTokenizer.h"

#include "tokenizer/BigramMerge.h"
#include "tokenizer/SpecialTokenSplit.h"

#include "core/Error.h"
#include "tokenizer/PreTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "tokenizer/Unicode.h"

#include <algorithm>
#include <cstring>

namespace mobi {

namespace {

const char kSpaceMark[] = "\xE2\x96\x81"; // U+2581

int parseByteToken(std::string_view piece) {
    if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
    auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    const int hi = hex(piece[3]), lo = hex(piece[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

bool isType(const std::vector<int>& types, int id, TokenType t) {
    return static_cast<size_t>(id) < types.size() && types[id] == static_cast<int>(t);
}

} // namespace

BpeTokenizer::BpeTokenizer(BpeVocab vocab, Mode mode, PreTokenizer pre, int bos, int eos,
                           bool addBos)
    : vocab_(std::move(vocab)), mode_(mode), pre_(pre), addBos_(addBos) {
    const size_t n = vocab_.tokens.size();
    if (n == 0) throw FormatError("tokenizer", "vocabulary is empty");
    if (n > static_cast<size_t>(INT32_MAX))
        throw FormatError("tokenizer", "vocabulary has too many tokens");
    if (!vocab_.types.empty() && vocab_.types.size() != n)
        throw FormatError("tokenizer", "vocabulary has " + std::to_string(n) + " tokens but " +
                                           std::to_string(vocab_.types.size()) + " token types");
    const int ni = static_cast<int>(n);
    if (bos < -1 || bos >= ni || eos < -1 || eos >= ni)
        throw FormatError("tokenizer", "BOS " + std::to_string(bos) + " or EOS " +
                                           std::to_string(eos) + " is outside the vocabulary of " +
                                           std::to_string(n));
    setSpecial(bos, eos);
    ignoreMerges_ = pre_ == PreTokenizer::Llama3; // llama.cpp sets it for llama-bpe
    addPrefixSpace_ = mode_ == Mode::SpmCompatible;
    if (mode_ == Mode::SpmCompatible) pre_ = PreTokenizer::None; // no regex split

    if (vocab_.types.empty()) {
        vocab_.types.assign(n, static_cast<int>(TokenType::Normal));
        for (int i = 0; i < ni; ++i) {
            if (mode_ == Mode::SpmCompatible && parseByteToken(vocab_.tokens[i]) >= 0)
                vocab_.types[i] = static_cast<int>(TokenType::Byte);
            else if (i == bos || i == eos)
                vocab_.types[i] = static_cast<int>(TokenType::Control);
            else if (mode_ == Mode::SpmCompatible && vocab_.tokens[i] == "<unk>")
                vocab_.types[i] = static_cast<int>(TokenType::Unknown);
        }
    }

    // Later duplicates win, as in llama.cpp's token_to_id.
    index_.reserve(n);
    for (int i = 0; i < ni; ++i)
        index_[vocab_.tokens[i]] = i;
    for (int i = 0; i < ni && unkId_ < 0; ++i)
        if (isType(vocab_.types, i, TokenType::Unknown)) unkId_ = i;

    static const char* hexDigits = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
        const char buf[6] = {'<', '0', 'x', hexDigits[b >> 4], hexDigits[b & 15], '>'};
        byteTokens_[b] = lookup(std::string(buf, 6));
    }

    // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
    // the other 68 bytes take U+0100 upwards in byte order.
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        const uint32_t cp = printable ? static_cast<uint32_t>(b) : next++;
        byteChars_[b] = unicode::encode(cp);
        charBytes_[cp] = static_cast<unsigned char>(b);
    }

    for (int i = 0; i < ni; ++i) {
        if (vocab_.tokens[i].empty()) continue; // would match everywhere
        if (isType(vocab_.types, i, TokenType::UserDefined))
            userDefined_.push_back(i);
        else if (isType(vocab_.types, i, TokenType::Control) ||
                 isType(vocab_.types, i, TokenType::Unknown))
            controls_.push_back(i);
    }
    auto longestFirst = [&](int a, int b) {
        return vocab_.tokens[a].size() > vocab_.tokens[b].size();
    };
    std::stable_sort(userDefined_.begin(), userDefined_.end(), longestFirst);
    std::stable_sort(controls_.begin(), controls_.end(), longestFirst);

    // GGUF merges are "left right"; llama.cpp splits at the first space after
    // the first byte, so a left side that is itself a space still works.
    std::vector<MergePair> pairs;
    pairs.reserve(vocab_.merges.size());
    for (const std::string& m : vocab_.merges) {
        const size_t sp = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
        if (sp == std::string::npos) continue; // llama.cpp asserts; a broken line merges nothing
        pairs.emplace_back(m.substr(0, sp), m.substr(sp + 1));
    }
    setMerges(pairs);
}

void BpeTokenizer::setMerges(const std::vector<MergePair>& pairs) {
    mergeRank_.clear();
    idMerges_.clear();
    const int n = static_cast<int>(pairs.size());
    if (mode_ == Mode::ByteLevel) {
        mergeRank_.reserve(pairs.size());
        for (int r = 0; r < n; ++r)
            mergeRank_.emplace(mergeKey(pairs[r].first, pairs[r].second), r); // first rank wins
        return;
    }
    idMerges_.reserve(pairs.size());
    for (int r = 0; r < n; ++r) {
        const int a = lookup(pairs[r].first), b = lookup(pairs[r].second);
        const int m = lookup(pairs[r].first + pairs[r].second);
        if (a < 0 || b < 0 || m < 0) continue; // fromTokenizerJson rejects these
        idMerges_.emplace((static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b),
                          std::make_pair(r, m));
    }
}

int BpeTokenizer::lookup(const std::string& s) const {
    auto it = index_.find(s);
    return it == index_.end() ? -1 : it->second;
}

// Unambiguous even when pieces contain spaces: the left side's length leads.
std::string BpeTokenizer::mergeKey(std::string_view left, std::string_view right) const {
    std::string key;
    key.reserve(left.size() + right.size() + 4);
    const uint32_t len = static_cast<uint32_t>(left.size());
    key.append(reinterpret_cast<const char*>(&len), 4);
    key.append(left);
    key.append(right);
    return key;
}

PreTokenizer BpeTokenizer::preTokenizerFromName(const std::string& name) {
    // llama.cpp's tokenizer.ggml.pre values grouped by the regex they select.
    static const char* llama3[] = {"llama3",      "llama-v3", "llama-bpe", "falcon3",
                                   "falcon-h1",   "pixtral",  "dbrx",      "smaug-bpe",
                                   "chatglm-bpe", "midm-2.0", "lfm2"};
    static const char* qwen2[] = {"qwen2",  "stablelm2",  "hunyuan", "deepseek-r1-qwen",
                                  "megrez", "solar-open", "grok-2"};
    for (const char* s : llama3)
        if (name == s) return PreTokenizer::Llama3;
    for (const char* s : qwen2)
        if (name == s) return PreTokenizer::Qwen2;
    if (name == "none") return PreTokenizer::None;
    // "gpt2", "gpt-2", "default", "", "mpt", "olmo", "jais", "phi-2", ... and
    // any name we do not know: GPT-2's regex is the common base of them all.
    return PreTokenizer::Gpt2;
}

const char* BpeTokenizer::preTokenizerName(PreTokenizer p) {
    switch (p) {
    case PreTokenizer::Gpt2:
        return "gpt2";
    case PreTokenizer::Llama3:
        return "llama-bpe";
    case PreTokenizer::Qwen2:
        return "qwen2";
    case PreTokenizer::None:
        return "none";
    }
    return "gpt2";
}

std::vector<int> BpeTokenizer::encode(std::string_view text, bool addBos) const {
    std::vector<int> out;
    if (addBos && addBos_ && bos_ >= 0) out.push_back(bos_);
    if (text.empty()) return out;

    // Special tokens split the text first (llama.cpp's tokenizer_st_partition:
    // each token, longest first, splits what is left).
    std::vector<int> specials = userDefined_;
    if (parseSpecial_) {
        specials.insert(specials.begin(), controls_.begin(), controls_.end());
        std::stable_sort(specials.begin(), specials.end(), [&](int a, int b) {
            return vocab_.tokens[a].size() > vocab_.tokens[b].size();
        });
    }
    const std::vector<TextFragment> frags = splitOnSpecialTokens(text, specials, vocab_.tokens);
    for (const TextFragment& f : frags) {
        if (f.token >= 0)
            out.push_back(f.token);
        else
            encodeSegment(text.substr(f.off, f.len), out);
    }
    return out;
}

void BpeTokenizer::encodeSegment(std::string_view text, std::vector<int>& out) const {
    if (mode_ == Mode::SpmCompatible) {
        encodeSpmSegment(text, out);
        return;
    }
    std::string prefixed;
    if (addPrefixSpace_ && !text.empty() && text[0] != ' ') {
        prefixed = " ";
        prefixed.append(text);
        text = prefixed;
    }
    const std::vector<uint32_t> cpts = unicode::decode(text);
    size_t pos = 0;
    std::string utf8, word;
    for (size_t len : preTokenizeLengths(pre_, cpts)) {
        utf8.clear();
        for (size_t i = pos; i < pos + len; ++i)
            unicode::append(utf8, cpts[i]);
        pos += len;
        word.clear();
        for (char c : utf8)
            word += byteChars_[static_cast<unsigned char>(c)];
        encodeByteLevelWord(word, out);
    }
}

// llama.cpp's llm_tokenizer_bpe_session: symbols are the word's UTF-8
// characters; the adjacent pair with the lowest merge rank merges first
// (leftmost on ties) until no pair has a rank.
void BpeTokenizer::encodeByteLevelWord(const std::string& word, std::vector<int>& out) const {
    if (ignoreMerges_) {
        const int id = lookup(word);
        if (id >= 0) {
            out.push_back(id);
            return;
        }
    }
    struct Span {
        size_t off, n;
    };
    std::vector<Span> sym;
    for (size_t off = 0; off < word.size();) {
        const size_t n = std::min(unicode::sequenceLength(static_cast<unsigned char>(word[off])),
                                  word.size() - off);
        sym.push_back({off, n});
        off += n;
    }
    if (sym.empty()) return;
    const std::string_view w(word);
    std::vector<MergeSymbol> links = linkMergeSymbols(static_cast<int>(sym.size()));
    mergeBigrams(
        links,
        [&](int l, int r, double& rank, int&) {
            auto it = mergeRank_.find(
                mergeKey(w.substr(sym[l].off, sym[l].n), w.substr(sym[r].off, sym[r].n)));
            if (it == mergeRank_.end()) return false;
            rank = it->second;
            return true;
        },
        [&](int l, int r, int) { sym[l].n += sym[r].n; });
    std::string piece;
    for (int i = 0; i != -1; i = links[size_t(i)].next) {
        piece.assign(w.substr(sym[i].off, sym[i].n));
        const int id = lookup(piece);
        if (id >= 0) {
            out.push_back(id);
            continue;
        }
        // Not in the vocabulary (only with merges whose result is missing):
        // one token per byte-level character, skipping characters that have none.
        for (size_t off = 0; off < piece.size();) {
            const size_t n =
                std::min(unicode::sequenceLength(static_cast<unsigned char>(piece[off])),
                         piece.size() - off);
            const int c = lookup(piece.substr(off, n));
            if (c >= 0) out.push_back(c);
            off += n;
        }
    }
}

// Hugging Face's BPE model on Llama-2's normalized text (prepend U+2581,
// spaces to U+2581): characters in the vocabulary are symbols, others become
// their <0xNN> byte tokens (or <unk>, fused); then the pair with the lowest
// merge rank merges first (leftmost on ties).
void BpeTokenizer::encodeSpmSegment(std::string_view text, std::vector<int>& out) const {
    if (text.empty()) return;
    std::string norm;
    norm.reserve(text.size() * 2 + 3);
    if (addPrefixSpace_) norm = kSpaceMark; // the Prepend normalizer
    for (char c : text) {
        if (c == ' ')
            norm += kSpaceMark;
        else
            norm += c;
    }

    std::vector<int> ids;
    ids.reserve(norm.size());
    std::string ch;
    for (size_t off = 0; off < norm.size();) {
        const size_t n = std::min(unicode::sequenceLength(static_cast<unsigned char>(norm[off])),
                                  norm.size() - off);
        ch.assign(norm, off, n);
        off += n;
        const int id = lookup(ch);
        if (id >= 0) {
            ids.push_back(id);
            continue;
        }
        bool allBytes = true;
        for (char c : ch)
            allBytes = allBytes && byteTokens_[static_cast<unsigned char>(c)] >= 0;
        if (allBytes) {
            for (char c : ch)
                ids.push_back(byteTokens_[static_cast<unsigned char>(c)]);
        } else if (unkId_ >= 0 && (ids.empty() || ids.back() != unkId_)) {
            ids.push_back(unkId_); // fuse_unk
        }
    }

    const int n = static_cast<int>(ids.size());
    if (n == 0) return;
    std::vector<MergeSymbol> links = linkMergeSymbols(n);
    mergeBigrams(
        links,
        [&](int l, int r, double& rank, int& merged) {
            auto it = idMerges_.find((static_cast<uint64_t>(ids[size_t(l)]) << 32) |
                                     static_cast<uint32_t>(ids[size_t(r)]));
            if (it == idMerges_.end()) return false;
            rank = it->second.first;
            merged = it->second.second;
            return true;
        },
        [&](int l, int, int merged) { ids[size_t(l)] = merged; });
    for (int i = 0; i != -1; i = links[size_t(i)].next)
        out.push_back(ids[size_t(i)]);
}

std::string BpeTokenizer::decodeToken(int prev, int id) const {
    if (id < 0 || id >= vocabSize())
        throw EngineError("tokenizer", "token id " + std::to_string(id) +
                                           " is outside the vocabulary of " +
                                           std::to_string(vocabSize()));
    const std::string& p = vocab_.tokens[id];
    const auto type = static_cast<TokenType>(vocab_.types[id]);
    if (type == TokenType::UserDefined) return p;
    if (type == TokenType::Control || type == TokenType::Unknown || type == TokenType::Unused)
        return {};
    if (mode_ == Mode::SpmCompatible) {
        if (type == TokenType::Byte) {
            const int byte = parseByteToken(p);
            return byte >= 0 ? std::string(1, static_cast<char>(byte)) : std::string();
        }
        std::string s;
        for (size_t i = 0; i < p.size();) {
            if (p.compare(i, 3, kSpaceMark) == 0) {
                s += ' ';
                i += 3;
            } else {
                s += p[i++];
            }
        }
        // SentencePiece drops the space the normalizer prefixed to the text.
        if (prev >= 0 && prev == bos_ && !s.empty() && s[0] == ' ') s.erase(0, 1);
        return s;
    }
    // Byte-level: each character stands for one byte; a character outside
    // the 256-entry alphabet is kept as it is.
    std::string s;
    for (size_t pos = 0; pos < p.size();) {
        const size_t start = pos;
        const uint32_t cp = unicode::decodeOne(p, pos);
        auto it = charBytes_.find(cp);
        if (it != charBytes_.end())
            s += static_cast<char>(it->second);
        else
            s.append(p, start, pos - start);
    }
    return s;
}

const std::string& BpeTokenizer::piece(int id) const {
    if (id < 0 || id >= vocabSize())
        throw EngineError("tokenizer", "token id " + std::to_string(id) +
                                           " is outside the vocabulary of " +
                                           std::to_string(vocabSize()));
    return vocab_.tokens[id];
}

} // namespace mobi
