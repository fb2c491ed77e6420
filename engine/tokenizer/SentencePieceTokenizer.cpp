#include "tokenizer/SentencePieceTokenizer.h"

#include "tokenizer/BigramMerge.h"
#include "tokenizer/SpecialTokenSplit.h"

#include "core/ByteReader.h"
#include "core/Error.h"
#include "core/MappedFile.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mobi {

namespace {

const char kSpaceMark[] = "\xE2\x96\x81"; // U+2581, SentencePiece's visible space

// "<0xNN>" (either hex case) -> the byte, else -1.
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

// llama.cpp's unicode_len_utf8: the length a lead byte announces (stray
// continuation bytes count as 1).
size_t utf8Len(unsigned char c) {
    static const uint8_t lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lookup[c >> 4];
}

} // namespace

SentencePieceTokenizer::SentencePieceTokenizer(SpmVocab vocab, int bos, int eos, Flavor flavor,
                                               bool addSpacePrefix)
    : vocab_(std::move(vocab)), flavor_(flavor), addSpacePrefix_(addSpacePrefix) {
    const size_t n = vocab_.pieces.size();
    if (n == 0) throw FormatError("tokenizer", "vocabulary is empty");
    if (n > static_cast<size_t>(INT32_MAX))
        throw FormatError("tokenizer", "vocabulary has too many tokens");
    if (vocab_.scores.size() != n)
        throw FormatError("tokenizer", "vocabulary has " + std::to_string(n) + " pieces but " +
                                           std::to_string(vocab_.scores.size()) + " scores");
    if (!vocab_.types.empty() && vocab_.types.size() != n)
        throw FormatError("tokenizer", "vocabulary has " + std::to_string(n) + " pieces but " +
                                           std::to_string(vocab_.types.size()) + " token types");
    const int ni = static_cast<int>(n);
    if (bos < -1 || bos >= ni || eos < -1 || eos >= ni)
        throw FormatError("tokenizer", "BOS " + std::to_string(bos) + " or EOS " +
                                           std::to_string(eos) + " is outside the vocabulary of " +
                                           std::to_string(n));
    setSpecial(bos, eos);

    // tokenizer.bin stores no types: infer them the way the pieces read.
    if (vocab_.types.empty()) {
        vocab_.types.resize(n, static_cast<int>(TokenType::Normal));
        for (int i = 0; i < ni; ++i) {
            if (parseByteToken(vocab_.pieces[i]) >= 0)
                vocab_.types[i] = static_cast<int>(TokenType::Byte);
            else if (i == bos || i == eos)
                vocab_.types[i] = static_cast<int>(TokenType::Control);
            else if (vocab_.pieces[i] == "<unk>")
                vocab_.types[i] = static_cast<int>(TokenType::Unknown);
        }
    }

    // Later duplicates win, as in llama.cpp's token_to_id.
    index_.reserve(n);
    for (int i = 0; i < ni; ++i)
        index_[vocab_.pieces[i]] = i;

    for (int i = 0; i < ni && unkId_ < 0; ++i)
        if (vocab_.types[i] == static_cast<int>(TokenType::Unknown)) unkId_ = i;
    if (unkId_ < 0) unkId_ = lookup("<unk>");

    // llama.cpp's byte_to_token: "<0xNN>" (upper-case hex), else the byte itself.
    static const char* hexDigits = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
        const char buf[6] = {'<', '0', 'x', hexDigits[b >> 4], hexDigits[b & 15], '>'};
        int id = lookup(std::string_view(buf, 6));
        if (id < 0) {
            const char c = static_cast<char>(b);
            id = lookup(std::string_view(&c, 1));
        }
        byteTokens_[b] = id;
    }

    // User-defined tokens are split out of the text before SPM runs, even
    // without parse_special (llama.cpp tokenizer_st_partition); control and
    // unknown tokens are only matched with parse_special, which encode() does
    // not do (llama.cpp's common_tokenize default). Empty pieces would match
    // everywhere, so they are left out.
    for (int i = 0; i < ni; ++i)
        if (vocab_.types[i] == static_cast<int>(TokenType::UserDefined) &&
            !vocab_.pieces[i].empty())
            userDefined_.push_back(i);
    std::stable_sort(userDefined_.begin(), userDefined_.end(), [&](int a, int b) {
        return vocab_.pieces[a].size() > vocab_.pieces[b].size();
    });
    // With parseSpecial (llama.cpp parse_special = true) control and unknown
    // tokens are matched too, longest first.
    for (int i = 0; i < ni; ++i)
        if (!vocab_.pieces[i].empty() &&
            (vocab_.types[i] == static_cast<int>(TokenType::UserDefined) ||
             vocab_.types[i] == static_cast<int>(TokenType::Control) ||
             vocab_.types[i] == static_cast<int>(TokenType::Unknown)))
            specials_.push_back(i);
    std::stable_sort(specials_.begin(), specials_.end(), [&](int a, int b) {
        return vocab_.pieces[a].size() > vocab_.pieces[b].size();
    });
}

std::shared_ptr<SentencePieceTokenizer>
SentencePieceTokenizer::loadLlama2cFile(const std::string& path, int vocabSize) {
    auto file = MappedFile::open(path);
    ByteReader r(file->data(), file->size(), path);
    if (file->size() < 4) r.fail("too small for a llama2.c tokenizer (no max_token_length)");
    const int32_t maxLen = r.read<int32_t>("max_token_length");
    // run.c sizes its merge buffer from max_token_length; real vocabularies
    // stay far below 1024 bytes per piece.
    if (maxLen <= 0 || maxLen > 65536)
        r.fail("max_token_length " + std::to_string(maxLen) + " is not in 1..65536");
    SpmVocab v;
    // Every entry takes at least 8 bytes, which bounds the count by the size.
    while (r.remaining() > 0) {
        const size_t k = v.pieces.size();
        if (r.remaining() < 8)
            r.fail("truncated: token " + std::to_string(k) + " header needs 8 bytes at offset " +
                   std::to_string(r.pos()) + ", " + std::to_string(r.remaining()) + " left");
        const float score = r.read<float>("score");
        const int32_t len = r.read<int32_t>("length");
        if (len < 0 || len > maxLen)
            r.fail("token " + std::to_string(k) + " has length " + std::to_string(len) +
                   " (max_token_length is " + std::to_string(maxLen) + ")");
        if (static_cast<size_t>(len) > r.remaining())
            r.fail("truncated: token " + std::to_string(k) + " needs " + std::to_string(len) +
                   " bytes at offset " + std::to_string(r.pos()) + ", " +
                   std::to_string(r.remaining()) + " left");
        v.pieces.push_back(r.string(static_cast<size_t>(len), "piece"));
        v.scores.push_back(score);
    }
    const size_t n = v.pieces.size();
    if (n == 0) r.fail("holds no tokens");
    if (vocabSize > 0 && n != static_cast<size_t>(vocabSize))
        r.fail("holds " + std::to_string(n) + " tokens but the model's vocabulary has " +
               std::to_string(vocabSize));
    // run.c hard-codes BOS 1 and EOS 2.
    const int bos = n > 1 ? 1 : -1;
    const int eos = n > 2 ? 2 : -1;
    return std::make_shared<SentencePieceTokenizer>(std::move(v), bos, eos, Flavor::Llama2c, true);
}

int SentencePieceTokenizer::lookup(std::string_view text) const {
    auto it = index_.find(text);
    return it == index_.end() ? -1 : it->second;
}

// run.c: byte b is token b + 3 (after <unk>, <s>, </s>). A vocabulary too
// small for that (only hostile files) gets <unk> instead of an id past its end.
int SentencePieceTokenizer::byteFallbackLlama2c(unsigned char byte) const {
    const int id = byte + 3;
    if (id < vocabSize()) return id;
    return unkId_ >= 0 ? unkId_ : 0;
}

// llama.cpp throws (token_to_id.at) when neither byte form exists; <unk> is
// the closest well-defined answer.
int SentencePieceTokenizer::byteFallbackLlamaCpp(unsigned char byte) const {
    const int id = byteTokens_[byte];
    if (id >= 0) return id;
    return unkId_ >= 0 ? unkId_ : 0;
}

std::vector<int> SentencePieceTokenizer::encode(std::string_view text, bool addBos) const {
    return flavor_ == Flavor::Llama2c ? encodeLlama2c(text, addBos) : encodeLlamaCpp(text, addBos);
}

// run.c encode(): dummy-prefix " " token, one token per UTF-8 codepoint (or
// its bytes + 3), then merge the best-scoring adjacent pair until none is in
// the vocabulary. run.c rescans all pairs after each merge; a priority queue
// with stale-entry checks picks the same pair (highest score, leftmost) in
// O(n log n). run.c only merges scores above its -1e10 floor (and never NaN),
// which the same test keeps. Unlike run.c, BOS is kept out of the pair scan:
// its piece "\n<s>\n" never forms a vocabulary entry with a following piece,
// and this keeps BOS first for any vocabulary.
std::vector<int> SentencePieceTokenizer::encodeLlama2c(std::string_view text, bool addBos) const {
    std::vector<int> out;
    if (addBos && bos_ >= 0) out.push_back(bos_);
    if (text.empty()) return out;

    std::vector<int> ids;
    ids.reserve(text.size() + 1);
    if (addSpacePrefix_) {
        const int sp = lookup(" ");
        ids.push_back(sp >= 0 ? sp : byteFallbackLlama2c(' '));
    }
    std::string buf;
    for (size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) != 0x80) buf.clear();
        buf.push_back(static_cast<char>(c));
        const bool nextIsCont =
            i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
        if (nextIsCont && buf.size() < 4) continue;
        const int id = lookup(buf);
        if (id >= 0) {
            ids.push_back(id);
        } else {
            for (char b : buf)
                ids.push_back(byteFallbackLlama2c(static_cast<unsigned char>(b)));
        }
        buf.clear();
    }

    // Pairs as run.c picks them: highest score first, leftmost on ties.
    const int n = static_cast<int>(ids.size());
    std::vector<MergeSymbol> links = linkMergeSymbols(n);
    std::string cat;
    mergeBigrams(
        links,
        [&](int l, int r, double& priority, int& merged) {
            cat.assign(vocab_.pieces[ids[size_t(l)]]).append(vocab_.pieces[ids[size_t(r)]]);
            const int id = lookup(cat);
            if (id < 0) return false;
            const float score = vocab_.scores[id];
            if (!(score > -1e10f)) return false;
            priority = -static_cast<double>(score);
            merged = id;
            return true;
        },
        [&](int l, int, int merged) { ids[size_t(l)] = merged; });
    for (int i = n > 0 ? 0 : -1; i != -1; i = links[size_t(i)].next)
        out.push_back(ids[size_t(i)]);
    return out;
}

// llama.cpp llama_vocab::impl::tokenize for SPM vocabularies with
// add_special = addBos and parse_special = false.
std::vector<int> SentencePieceTokenizer::encodeLlamaCpp(std::string_view text, bool addBos) const {
    std::vector<int> out;
    if (addBos && bos_ >= 0) out.push_back(bos_);
    if (text.empty()) return out;

    // User-defined tokens (and with parseSpecial control and unknown ones)
    // split the text first, in order.
    const std::vector<TextFragment> frags =
        splitOnSpecialTokens(text, parseSpecial_ ? specials_ : userDefined_, vocab_.pieces);

    bool prevSpecial = true; // the space prefix goes at the start and after special tokens
    std::string buf;
    for (const TextFragment& f : frags) {
        if (f.token >= 0) {
            out.push_back(f.token);
            prevSpecial = true;
            continue;
        }
        buf.clear();
        if (addSpacePrefix_ && prevSpecial) buf = kSpaceMark;
        for (char c : text.substr(f.off, f.len)) {
            if (c == ' ')
                buf += kSpaceMark;
            else
                buf += c;
        }
        spmSession(buf, out);
        prevSpecial = false;
    }
    return out;
}

// llm_tokenizer_spm_session::tokenize: symbols are UTF-8 characters, the
// best-scoring adjacent pair whose text is a piece merges first (leftmost on
// ties), then each final symbol is emitted as its piece or as byte tokens.
// llama.cpp's resegment() also consults a reverse-merge map, but that path is
// unreachable: every merged symbol's text is a piece by construction, and the
// map only holds such texts, so a symbol that is not a piece is never in it.
void SentencePieceTokenizer::spmSession(const std::string& text, std::vector<int>& out) const {
    struct Span {
        size_t off, n;
    };
    std::vector<Span> sym;
    sym.reserve(text.size());
    for (size_t off = 0; off < text.size();) {
        const size_t n =
            std::min(utf8Len(static_cast<unsigned char>(text[off])), text.size() - off);
        sym.push_back({off, n});
        off += n;
    }
    if (sym.empty()) return;

    const std::string_view tv(text);
    std::vector<MergeSymbol> links = linkMergeSymbols(static_cast<int>(sym.size()));
    mergeBigrams(
        links,
        [&](int l, int r, double& priority, int& merged) {
            const int id = lookup(tv.substr(sym[l].off, sym[l].n + sym[r].n));
            if (id < 0) return false;
            const float score = vocab_.scores[id];
            // A NaN score has no place in the queue's order; such a piece never merges.
            if (std::isnan(score)) return false;
            priority = -static_cast<double>(score);
            merged = id;
            return true;
        },
        [&](int l, int r, int) { sym[l].n += sym[r].n; });
    for (int i = 0; i != -1; i = links[size_t(i)].next) {
        const std::string_view s = tv.substr(sym[i].off, sym[i].n);
        const int id = lookup(s);
        if (id >= 0) {
            out.push_back(id);
        } else {
            for (char c : s)
                out.push_back(byteFallbackLlamaCpp(static_cast<unsigned char>(c)));
        }
    }
}

std::string SentencePieceTokenizer::decodeToken(int prev, int id) const {
    if (id < 0 || id >= vocabSize())
        throw EngineError("tokenizer", "token id " + std::to_string(id) +
                                           " is outside the vocabulary of " +
                                           std::to_string(vocabSize()));
    const std::string& p = vocab_.pieces[id];
    std::string s;
    if (flavor_ == Flavor::Llama2c) {
        // run.c stops before printing BOS/EOS; their pieces ("\n<s>\n") are not text.
        if (id == bos_ || id == eos_) return {};
        const int byte = parseByteToken(p);
        if (byte >= 0) return std::string(1, static_cast<char>(byte));
        s = p;
    } else {
        switch (static_cast<TokenType>(vocab_.types[id])) {
        case TokenType::Normal:
            for (size_t i = 0; i < p.size();) {
                if (p.compare(i, 3, kSpaceMark) == 0) {
                    s += ' ';
                    i += 3;
                } else {
                    s += p[i++];
                }
            }
            break;
        case TokenType::Byte: {
            const int byte = parseByteToken(p);
            return byte >= 0 ? std::string(1, static_cast<char>(byte)) : std::string();
        }
        case TokenType::UserDefined:
            return p;
        default:
            return {}; // control, unknown, unused, undefined: not text
        }
    }
    // SentencePiece drops the space the encoder prefixed to the text.
    if (prev >= 0 && prev == bos_ && !s.empty() && s[0] == ' ') s.erase(0, 1);
    return s;
}

const std::string& SentencePieceTokenizer::piece(int id) const {
    if (id < 0 || id >= vocabSize())
        throw EngineError("tokenizer", "token id " + std::to_string(id) +
                                           " is outside the vocabulary of " +
                                           std::to_string(vocabSize()));
    return vocab_.pieces[id];
}

} // namespace mobi
