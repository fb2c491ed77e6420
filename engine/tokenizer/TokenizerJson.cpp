#include "tokenizer/TokenizerJson.h"

#include "core/Error.h"
#include "tokenizer/BpeTokenizer.h"
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

bool regexKind(const std::string& r, PreTokenizer& out) {
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

const char* regexFor(PreTokenizer p) {
    switch (p) {
    case PreTokenizer::Llama3:
        return kLlama3Regex;
    case PreTokenizer::Qwen2:
        return kQwen2Regex;
    default:
        return kGpt2Regex;
    }
}

// A token's text in an error message: bounded, one line.
std::string show(const std::string& s) {
    std::string out = "'";
    for (char c : s.substr(0, 40))
        out += (c == '\n' || c == '\r') ? ' ' : c;
    if (s.size() > 40) out += "...";
    return out + "'";
}

std::string tokenContent(const Json* j) {
    if (!j) return {};
    if (j->isString()) return j->asString();
    if (j->isObject()) return j->string("content", "");
    return {};
}

bool isSpaceMarkReplace(const Json& n) {
    const Json* pat = n.find("pattern");
    return pat && pat->string("String", "") == " " && n.string("content", "") == kSpaceMark;
}

// The leading special token of a TemplateProcessing "single" template
// (searching inside a Sequence post-processor), or "" when there is none.
std::string templateBos(const Json* pp, const std::string& path) {
    if (!pp || !pp->isObject()) return {};
    const std::string type = pp->string("type", "");
    if (type == "Sequence") {
        const Json* list = pp->find("processors");
        if (list && list->isArray())
            for (const Json& p : list->asArray()) {
                std::string b = templateBos(&p, path);
                if (!b.empty()) return b;
            }
        return {};
    }
    if (type != "TemplateProcessing") return {};
    const Json* single = pp->find("single");
    if (!single || !single->isArray()) return {};
    for (const Json& item : single->asArray()) {
        if (item.find("Sequence")) return {};
        if (const Json* st = item.find("SpecialToken")) return st->string("id", "");
    }
    return {};
}

} // namespace

std::shared_ptr<BpeTokenizer> BpeTokenizer::fromTokenizerJson(const std::string& path) {
    const Json root = Json::parseFile(path);
    auto fail = [&](const std::string& what) -> void { throw FormatError(path, what); };
    auto unsupported = [&](const std::string& what) -> void { throw UnsupportedError(path, what); };
    if (!root.isObject()) fail("tokenizer.json is not a JSON object");
    const Json* model = root.find("model");
    if (!model || !model->isObject()) fail("no \"model\" object");
    const std::string modelType = model->string("type", "BPE");
    if (modelType != "BPE")
        unsupported("tokenizer model type " + show(modelType) + " is not supported (only BPE)");
    const Json* vocabJ = model->find("vocab");
    if (!vocabJ || !vocabJ->isObject()) fail("model.vocab is not an object");
    if (const Json* d = model->find("dropout"); d && d->isNumber() && d->asNumber() > 0)
        unsupported("BPE dropout is not supported");
    for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (!model->string(k, "").empty())
            unsupported(std::string("BPE ") + k + " is not supported");

    // ---- tokens: model.vocab plus added_tokens (which may extend it) ----
    const Json::Object& vocabObj = vocabJ->asObject();
    const Json* addedJ = root.find("added_tokens");
    static const Json::Array kNoTokens;
    const Json::Array& added = addedJ && addedJ->isArray() ? addedJ->asArray() : kNoTokens;
    const size_t entries = vocabObj.size() + added.size();
    if (entries == 0) fail("vocabulary is empty");
    // Ids index a vector; bounding them by the entry count keeps a hostile
    // id from allocating more than the file itself describes.
    auto idOf = [&](const Json& j, const std::string& what) -> size_t {
        if (!j.isNumber() || j.asNumber() < 0 || j.asNumber() != std::floor(j.asNumber()) ||
            j.asNumber() >= static_cast<double>(entries))
            fail(what + " has id " + (j.isNumber() ? Json(j.asNumber()).dump() : j.dump()) +
                 ", not an integer in 0.." + std::to_string(entries - 1));
        return static_cast<size_t>(j.asNumber());
    };
    std::vector<std::string> tokens(entries);
    std::vector<char> filled(entries, 0);
    std::vector<int> types(entries, static_cast<int>(TokenType::Normal));
    std::unordered_map<std::string, size_t> byText;
    byText.reserve(entries);
    size_t maxId = 0;
    auto place = [&](const std::string& text, size_t id, const std::string& what) {
        if (filled[id] && tokens[id] != text)
            fail("token id " + std::to_string(id) + " is both " + show(tokens[id]) + " and " +
                 show(text));
        auto [it, fresh] = byText.emplace(text, id);
        if (!fresh && it->second != id)
            fail(what + " " + show(text) + " has two ids, " + std::to_string(it->second) + " and " +
                 std::to_string(id));
        tokens[id] = text;
        filled[id] = 1;
        maxId = std::max(maxId, id);
    };
    for (const auto& [text, idJ] : vocabObj)
        place(text, idOf(idJ, "token " + show(text)), "token");
    for (const Json& a : added) {
        if (!a.isObject()) fail("added_tokens holds a non-object entry");
        const Json* c = a.find("content");
        if (!c || !c->isString()) fail("an added token has no content");
        const Json* idJ = a.find("id");
        if (!idJ) fail("added token " + show(c->asString()) + " has no id");
        const size_t id = idOf(*idJ, "added token " + show(c->asString()));
        place(c->asString(), id, "added token");
        types[id] = static_cast<int>(a.boolean("special", false) ? TokenType::Control
                                                                 : TokenType::UserDefined);
    }
    const size_t n = maxId + 1;
    for (size_t i = 0; i < n; ++i)
        if (!filled[i]) fail("token id " + std::to_string(i) + " is missing (ids have a gap)");
    tokens.resize(n);
    types.resize(n);

    // ---- normalizer and pre-tokenizer -> mode ----
    bool spm = false, spmPrefix = false, byteLevel = false, prefixSpace = false;
    bool sawPrepend = false, sawReplace = false;
    PreTokenizer pre = PreTokenizer::None;
    std::vector<const Json*> norms;
    if (const Json* nj = root.find("normalizer"); nj && !nj->isNull()) {
        if (nj->string("type", "") == "Sequence") {
            const Json* list = nj->find("normalizers");
            if (list && list->isArray())
                for (const Json& x : list->asArray())
                    norms.push_back(&x);
        } else {
            norms.push_back(nj);
        }
    }
    for (const Json* x : norms) {
        const std::string t = x->string("type", "");
        if (t == "Prepend" && x->string("prepend", "") == kSpaceMark)
            sawPrepend = true;
        else if (t == "Replace" && isSpaceMarkReplace(*x))
            sawReplace = true;
        else if (t == "NFC")
            continue; // Qwen2: llama.cpp does not normalize either; ids match it
        else
            unsupported("normalizer " + show(t) + " is not supported");
    }
    if (sawPrepend && !sawReplace) unsupported("a Prepend normalizer without Replace(' ', U+2581)");
    if (sawReplace) {
        spm = true;
        spmPrefix = sawPrepend;
    }

    std::vector<const Json*> pres;
    if (const Json* pj = root.find("pre_tokenizer"); pj && !pj->isNull()) {
        if (pj->string("type", "") == "Sequence") {
            const Json* list = pj->find("pretokenizers");
            if (list && list->isArray())
                for (const Json& x : list->asArray())
                    pres.push_back(&x);
        } else {
            pres.push_back(pj);
        }
    }
    bool sawSplit = false;
    for (const Json* x : pres) {
        const std::string t = x->string("type", "");
        if (t == "Split") {
            const Json* pat = x->find("pattern");
            const std::string re = pat ? pat->string("Regex", "") : "";
            if (sawSplit || !regexKind(re, pre))
                unsupported("pre-tokenizer regex " + show(re) +
                            " is not one of GPT-2's, Llama-3's or Qwen2's");
            if (x->string("behavior", "Isolated") != "Isolated" || x->boolean("invert", false))
                unsupported("a Split pre-tokenizer that is not Isolated");
            sawSplit = true;
        } else if (t == "ByteLevel") {
            byteLevel = true;
            prefixSpace = x->boolean("add_prefix_space", false);
            if (x->boolean("use_regex", true)) {
                if (sawSplit) unsupported("ByteLevel with use_regex after a Split");
                pre = PreTokenizer::Gpt2;
            }
        } else if (t == "Metaspace") {
            if (x->string("replacement", kSpaceMark) != kSpaceMark)
                unsupported("Metaspace with a replacement other than U+2581");
            if (x->boolean("split", true))
                unsupported("Metaspace with split=true (words split at U+2581)");
            spm = true;
            const std::string scheme = x->string("prepend_scheme", "");
            spmPrefix = scheme.empty() ? x->boolean("add_prefix_space", true) : scheme != "never";
        } else {
            unsupported("pre-tokenizer " + show(t) + " is not supported");
        }
    }
    if (spm && (byteLevel || sawSplit))
        unsupported("both a U+2581 normalizer and a byte-level pre-tokenizer");
    if (!spm && !byteLevel)
        unsupported("neither a ByteLevel pre-tokenizer nor Llama-2's U+2581 normalizer");
    if (spm) pre = PreTokenizer::None;

    // ---- merges ----
    std::vector<MergePair> pairs;
    std::vector<std::string> mergeStrings;
    if (const Json* mj = model->find("merges"); mj && !mj->isNull()) {
        if (!mj->isArray()) fail("model.merges is not an array");
        const Json::Array& ms = mj->asArray();
        pairs.reserve(ms.size());
        mergeStrings.reserve(ms.size());
        for (size_t k = 0; k < ms.size(); ++k) {
            const Json& m = ms[k];
            MergePair p;
            if (m.isString()) {
                const std::string& s = m.asString();
                const size_t sp = s.find(' ');
                if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
                    fail("merge " + std::to_string(k) + " " + show(s) +
                         " is not two tokens separated by one space");
                p = {s.substr(0, sp), s.substr(sp + 1)};
            } else if (m.isArray() && m.asArray().size() == 2 && m.asArray()[0].isString() &&
                       m.asArray()[1].isString()) {
                p = {m.asArray()[0].asString(), m.asArray()[1].asString()};
            } else {
                fail("merge " + std::to_string(k) + " is neither \"a b\" nor [a, b]");
            }
            for (const std::string* part : {&p.first, &p.second})
                if (!byText.count(*part))
                    fail("merge " + std::to_string(k) + " uses unknown token " + show(*part));
            if (!byText.count(p.first + p.second))
                fail("merge " + std::to_string(k) + " makes " + show(p.first + p.second) +
                     ", which is not in the vocabulary");
            mergeStrings.push_back(p.first + " " + p.second);
            pairs.push_back(std::move(p));
        }
    }

    // ---- token types that matter for encoding and decoding ----
    const std::string unkText = tokenContent(model->find("unk_token"));
    int unk = -1;
    if (!unkText.empty()) {
        auto it = byText.find(unkText);
        if (it == byText.end()) fail("unk_token " + show(unkText) + " is not in the vocabulary");
        unk = static_cast<int>(it->second);
        types[unk] = static_cast<int>(TokenType::Unknown);
    }
    if (spm && model->boolean("byte_fallback", false))
        for (size_t i = 0; i < n; ++i)
            if (types[i] == static_cast<int>(TokenType::Normal) && tokens[i].size() == 6 &&
                tokens[i].compare(0, 3, "<0x") == 0 && tokens[i][5] == '>')
                types[i] = static_cast<int>(TokenType::Byte);

    // ---- BOS/EOS: the post-processor's template, then tokenizer_config.json ----
    auto idFor = [&](const std::string& text) -> int {
        auto it = byText.find(text);
        return it == byText.end() ? -1 : static_cast<int>(it->second);
    };
    int bos = -1, eos = -1;
    bool addBos = false;
    if (std::string b = templateBos(root.find("post_processor"), path); !b.empty()) {
        bos = idFor(b);
        addBos = bos >= 0;
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path cfgPath = fs::path(path).parent_path() / "tokenizer_config.json";
    if (fs::is_regular_file(cfgPath, ec)) {
        const Json cfg = Json::parseFile(cfgPath.string());
        // A name the vocabulary lacks (e.g. llama2.c's "\n<s>\n") is ignored.
        if (int id = idFor(tokenContent(cfg.find("bos_token"))); id >= 0) bos = id;
        if (int id = idFor(tokenContent(cfg.find("eos_token"))); id >= 0) eos = id;
        if (const Json* ab = cfg.find("add_bos_token"); ab && ab->isBool()) addBos = ab->asBool();
    }
    if (bos < 0 && spm) bos = idFor("<s>");
    if (eos < 0)
        for (const char* e : {"</s>", "<|endoftext|>", "<|end_of_text|>"})
            if ((eos = idFor(e)) >= 0) break;

    std::shared_ptr<BpeTokenizer> tok;
    try {
        BpeVocab v{std::move(tokens), {}, std::move(types)};
        tok = std::make_shared<BpeTokenizer>(
            std::move(v), spm ? Mode::SpmCompatible : Mode::ByteLevel, pre, bos, eos, addBos);
    } catch (const EngineError& e) {
        throw FormatError(path, e.problem());
    }
    tok->vocab_.merges = std::move(mergeStrings);
    tok->setMerges(pairs);
    tok->ignoreMerges_ = model->boolean("ignore_merges", false);
    tok->addPrefixSpace_ = spm ? spmPrefix : prefixSpace;
    if (unk >= 0) tok->unkId_ = unk;
    return tok;
}

// ---------------------------------------------------------------- writing

namespace {

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
        pat.set("Regex", Json(regexFor(b.preTokenizer())));
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
