// Our tokenizers -> Hugging Face tokenizer.json.
#include "tokenizer/TokenizerJson.h"

#include "core/Error.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/PreTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "tokenizer/Unicode.h"
#include "util/Json.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace mobi {

namespace {

const char kSpaceMark[] = "\xE2\x96\x81"; // U+2581

Json tokenEntry(int id, const std::string& content, bool special) {
    Json t{Json::Object{}};
    t.set("id", Json(id));
    t.set("content", Json(content));
    t.set("single_word", Json(false));
    t.set("lstrip", Json(false));
    t.set("rstrip", Json(false));
    t.set("normalized", Json(!special));
    t.set("special", Json(special));
    return t;
}

// Merges as "a b" strings, or [a, b] pairs when a token holds a space.
Json mergesJson(const std::vector<std::pair<std::string, std::string>>& merges) {
    bool spaces = false;
    for (const auto& [a, b] : merges)
        spaces = spaces || a.find(' ') != std::string::npos || b.find(' ') != std::string::npos;
    Json::Array arr;
    arr.reserve(merges.size());
    for (const auto& [a, b] : merges)
        arr.push_back(spaces ? Json(Json::Array{Json(a), Json(b)}) : Json(a + " " + b));
    return Json(std::move(arr));
}

Json spmNormalizer(bool prefix) {
    Json replace{Json::Object{}};
    replace.set("type", Json("Replace"));
    Json pat{Json::Object{}};
    pat.set("String", Json(" "));
    replace.set("pattern", pat);
    replace.set("content", Json(kSpaceMark));
    Json::Array list;
    if (prefix) {
        Json prepend{Json::Object{}};
        prepend.set("type", Json("Prepend"));
        prepend.set("prepend", Json(kSpaceMark));
        list.push_back(prepend);
    }
    list.push_back(replace);
    Json n{Json::Object{}};
    n.set("type", Json("Sequence"));
    n.set("normalizers", Json(std::move(list)));
    return n;
}

Json spmDecoder() {
    Json rep{Json::Object{}};
    rep.set("type", Json("Replace"));
    Json pat{Json::Object{}};
    pat.set("String", Json(kSpaceMark));
    rep.set("pattern", pat);
    rep.set("content", Json(" "));
    Json fb{Json::Object{}};
    fb.set("type", Json("ByteFallback"));
    Json fuse{Json::Object{}};
    fuse.set("type", Json("Fuse"));
    Json strip{Json::Object{}};
    strip.set("type", Json("Strip"));
    strip.set("content", Json(" "));
    strip.set("start", Json(1));
    strip.set("stop", Json(0));
    Json d{Json::Object{}};
    d.set("type", Json("Sequence"));
    d.set("decoders", Json(Json::Array{rep, fb, fuse, strip}));
    return d;
}

Json byteLevel(bool useRegex, bool prefixSpace = false) {
    Json b{Json::Object{}};
    b.set("type", Json("ByteLevel"));
    b.set("add_prefix_space", Json(prefixSpace));
    b.set("trim_offsets", Json(true));
    b.set("use_regex", Json(useRegex));
    return b;
}

// BOS first when the tokenizer adds it (this is where tokenizer.json keeps it).
Json postProcessor(const std::string& bosText, int bos, const Json& fallback) {
    if (bos < 0) return fallback;
    Json st{Json::Object{}};
    st.set("id", Json(bosText));
    st.set("type_id", Json(0));
    Json first{Json::Object{}};
    first.set("SpecialToken", st);
    Json seqA{Json::Object{}};
    seqA.set("id", Json("A"));
    seqA.set("type_id", Json(0));
    Json a{Json::Object{}};
    a.set("Sequence", seqA);
    Json seqB{Json::Object{}};
    seqB.set("id", Json("B"));
    seqB.set("type_id", Json(1));
    Json b{Json::Object{}};
    b.set("Sequence", seqB);
    Json spec{Json::Object{}};
    spec.set("id", Json(bosText));
    spec.set("ids", Json(Json::Array{Json(bos)}));
    spec.set("tokens", Json(Json::Array{Json(bosText)}));
    Json specials{Json::Object{}};
    specials.set(bosText, spec);
    Json pp{Json::Object{}};
    pp.set("type", Json("TemplateProcessing"));
    pp.set("single", Json(Json::Array{first, a}));
    pp.set("pair", Json(Json::Array{first, a, first, b}));
    pp.set("special_tokens", specials);
    return pp;
}

Json modelJson(const std::vector<std::string>& names, const Json& merges, bool byteFallback,
               const std::string& unk, bool ignoreMerges) {
    Json::Object vocab;
    vocab.reserve(names.size());
    for (size_t i = 0; i < names.size(); ++i)
        vocab.emplace_back(names[i], Json(static_cast<int64_t>(i)));
    Json m{Json::Object{}};
    m.set("type", Json("BPE"));
    m.set("dropout", Json(nullptr));
    m.set("unk_token", unk.empty() ? Json(nullptr) : Json(unk));
    m.set("continuing_subword_prefix", Json(nullptr));
    m.set("end_of_word_suffix", Json(nullptr));
    m.set("fuse_unk", Json(byteFallback));
    m.set("byte_fallback", Json(byteFallback));
    m.set("ignore_merges", Json(ignoreMerges));
    m.set("vocab", Json(std::move(vocab)));
    m.set("merges", merges);
    return m;
}

Json document(Json added, Json normalizer, Json pre, Json post, Json decoder, Json model) {
    Json root{Json::Object{}};
    root.set("version", Json("1.0"));
    root.set("truncation", Json(nullptr));
    root.set("padding", Json(nullptr));
    root.set("added_tokens", std::move(added));
    root.set("normalizer", std::move(normalizer));
    root.set("pre_tokenizer", std::move(pre));
    root.set("post_processor", std::move(post));
    root.set("decoder", std::move(decoder));
    root.set("model", std::move(model));
    return root;
}

Json addedTokens(const std::vector<std::string>& names, const std::vector<int>& types) {
    Json::Array added;
    for (size_t i = 0; i < names.size() && i < types.size(); ++i) {
        const auto t = static_cast<TokenType>(types[i]);
        if (t == TokenType::Control || t == TokenType::Unknown || t == TokenType::UserDefined)
            added.push_back(tokenEntry(static_cast<int>(i), names[i], t != TokenType::UserDefined));
    }
    return Json(std::move(added));
}

std::string unkName(const std::vector<std::string>& names, const std::vector<int>& types) {
    for (size_t i = 0; i < names.size() && i < types.size(); ++i)
        if (types[i] == static_cast<int>(TokenType::Unknown)) return names[i];
    return {};
}

// Llama-2's HF form of a SentencePiece vocabulary. Merges follow
// transformers' SentencePieceExtractor: every split of a piece into two
// pieces (at character boundaries) is a merge, ordered by the merged piece's
// score, highest first, then by the ids of the two halves. Splits are looked
// up in the pieces as the encoder sees them (llama2.c's ' ' and "\n<s>\n"),
// so exactly the pairs the score-based encoder could merge become merges.
Json spmToJson(const SentencePieceTokenizer& sp) {
    const SpmVocab& v = sp.vocab();
    const bool llama2c = sp.flavor() == SentencePieceTokenizer::Flavor::Llama2c;
    const size_t n = v.pieces.size();
    std::vector<std::string> names(n);
    std::vector<int> types = v.types;
    types.resize(n, static_cast<int>(TokenType::Normal));
    std::unordered_map<std::string, int> index;
    index.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        index[v.pieces[i]] = static_cast<int>(i);
        if (llama2c && static_cast<int>(i) == sp.bos()) {
            names[i] = "<s>";
        } else if (llama2c && static_cast<int>(i) == sp.eos()) {
            names[i] = "</s>";
        } else if (llama2c) {
            for (char c : v.pieces[i]) {
                if (c == ' ')
                    names[i] += kSpaceMark;
                else
                    names[i] += c;
            }
        } else {
            names[i] = v.pieces[i];
        }
    }

    struct Merge {
        float score;
        int left, right;
    };
    std::vector<Merge> merges;
    for (size_t i = 0; i < n; ++i) {
        const float score = v.scores[i];
        if (std::isnan(score) || (llama2c && !(score > -1e10f))) continue; // never merged
        const std::string& p = v.pieces[i];
        if (index[p] != static_cast<int>(i)) continue; // a duplicate the encoder never yields
        const size_t first = merges.size();
        for (size_t k = unicode::sequenceLength(static_cast<unsigned char>(p[0])); k < p.size();
             k += unicode::sequenceLength(static_cast<unsigned char>(p[k]))) {
            auto l = index.find(p.substr(0, k));
            auto r = index.find(p.substr(k));
            if (l != index.end() && r != index.end())
                merges.push_back({score, l->second, r->second});
        }
        std::sort(merges.begin() + static_cast<std::ptrdiff_t>(first), merges.end(),
                  [](const Merge& a, const Merge& b) {
                      return a.left != b.left ? a.left < b.left : a.right < b.right;
                  });
    }
    std::stable_sort(merges.begin(), merges.end(),
                     [](const Merge& a, const Merge& b) { return a.score > b.score; });
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(merges.size());
    for (const Merge& m : merges)
        pairs.emplace_back(names[m.left], names[m.right]);

    const int bos = sp.bos();
    const std::string bosText = bos >= 0 ? names[bos] : std::string();
    return document(addedTokens(names, types), spmNormalizer(sp.addSpacePrefix()), Json(nullptr),
                    postProcessor(bosText, bos, Json(nullptr)), spmDecoder(),
                    modelJson(names, mergesJson(pairs), true, unkName(names, types), false));
}

Json bpeToJson(const BpeTokenizer& b) {
    const BpeVocab& v = b.vocab();
    std::vector<int> types = v.types;
    types.resize(v.tokens.size(), static_cast<int>(TokenType::Normal));
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(v.merges.size());
    for (const std::string& m : v.merges) {
        const size_t sp = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
        if (sp != std::string::npos) pairs.emplace_back(m.substr(0, sp), m.substr(sp + 1));
    }
    const int bos = b.addsBos() ? b.bos() : -1;
    const std::string bosText = bos >= 0 ? v.tokens[bos] : std::string();
    if (b.mode() == BpeTokenizer::Mode::SpmCompatible)
        return document(addedTokens(v.tokens, types), spmNormalizer(b.addsPrefixSpace()),
                        Json(nullptr), postProcessor(bosText, bos, Json(nullptr)), spmDecoder(),
                        modelJson(v.tokens, mergesJson(pairs), true, unkName(v.tokens, types),
                                  b.ignoresMerges()));
    Json pre;
    switch (b.preTokenizer()) {
    case PreTokenizer::Gpt2:
        pre = byteLevel(true, b.addsPrefixSpace());
        break;
    case PreTokenizer::None:
        pre = byteLevel(false, b.addsPrefixSpace());
        break;
    default: {
        Json split{Json::Object{}};
        split.set("type", Json("Split"));
        Json pat{Json::Object{}};
        pat.set("Regex", Json(preTokenizerRegex(b.preTokenizer())));
        split.set("pattern", pat);
        split.set("behavior", Json("Isolated"));
        split.set("invert", Json(false));
        pre = Json(Json::Object{});
        pre.set("type", Json("Sequence"));
        pre.set("pretokenizers", Json(Json::Array{split, byteLevel(false, b.addsPrefixSpace())}));
    }
    }
    return document(
        addedTokens(v.tokens, types), Json(nullptr), pre,
        postProcessor(bosText, bos, byteLevel(false)), byteLevel(false),
        modelJson(v.tokens, mergesJson(pairs), false, std::string(), b.ignoresMerges()));
}

} // namespace

std::string tokenizerToJson(const Tokenizer& tokenizer) {
    if (auto* sp = dynamic_cast<const SentencePieceTokenizer*>(&tokenizer))
        return spmToJson(*sp).dump(2) + "\n";
    if (auto* b = dynamic_cast<const BpeTokenizer*>(&tokenizer))
        return bpeToJson(*b).dump(2) + "\n";
    throw UnsupportedError("tokenizer.json",
                           std::string("cannot write a '") + tokenizer.kind() + "' tokenizer");
}

void writeTokenizerJson(const Tokenizer& tokenizer, const std::string& path) {
    const std::string text = tokenizerToJson(tokenizer);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw EngineError(path, "cannot open for writing");
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!f) throw EngineError(path, "write failed");
}

} // namespace mobi
