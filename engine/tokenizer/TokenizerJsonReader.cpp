// Hugging Face tokenizer.json -> BpeTokenizer (BPE models: byte-level as
// GPT-2/Llama-3/Qwen2 spell it, and Llama-2's U+2581 form with byte fallback).
#include "tokenizer/BpeTokenizer.h"

#include "core/Error.h"
#include "tokenizer/PreTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "util/Json.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>

namespace mobi {

namespace {

const char kSpaceMark[] = "\xE2\x96\x81"; // U+2581

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

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw FormatError(path, what);
}

[[noreturn]] void unsupported(const std::string& path, const std::string& what) {
    throw UnsupportedError(path, what);
}

// model.vocab plus added_tokens (which may extend it), ids without gaps.
struct JsonTokens {
    std::vector<std::string> tokens;
    std::vector<int> types;
    std::unordered_map<std::string, size_t> byText;
    int idFor(const std::string& text) const {
        auto it = byText.find(text);
        return it == byText.end() ? -1 : static_cast<int>(it->second);
    }
};

JsonTokens readTokens(const Json& root, const Json::Object& vocabObj, const std::string& path) {
    const Json* addedJ = root.find("added_tokens");
    static const Json::Array kNoTokens;
    const Json::Array& added = addedJ && addedJ->isArray() ? addedJ->asArray() : kNoTokens;
    const size_t entries = vocabObj.size() + added.size();
    if (entries == 0) fail(path, "vocabulary is empty");
    // Ids index a vector; bounding them by the entry count keeps a hostile
    // id from allocating more than the file itself describes.
    auto idOf = [&](const Json& j, const std::string& what) -> size_t {
        if (!j.isNumber() || j.asNumber() < 0 || j.asNumber() != std::floor(j.asNumber()) ||
            j.asNumber() >= static_cast<double>(entries))
            fail(path, what + " has id " + (j.isNumber() ? Json(j.asNumber()).dump() : j.dump()) +
                           ", not an integer in 0.." + std::to_string(entries - 1));
        return static_cast<size_t>(j.asNumber());
    };
    JsonTokens t;
    t.tokens.resize(entries);
    std::vector<char> filled(entries, 0);
    t.types.assign(entries, static_cast<int>(TokenType::Normal));
    t.byText.reserve(entries);
    size_t maxId = 0;
    auto place = [&](const std::string& text, size_t id, const std::string& what) {
        if (filled[id] && t.tokens[id] != text)
            fail(path, "token id " + std::to_string(id) + " is both " + show(t.tokens[id]) +
                           " and " + show(text));
        auto [it, fresh] = t.byText.emplace(text, id);
        if (!fresh && it->second != id)
            fail(path, what + " " + show(text) + " has two ids, " + std::to_string(it->second) +
                           " and " + std::to_string(id));
        t.tokens[id] = text;
        filled[id] = 1;
        maxId = std::max(maxId, id);
    };
    for (const auto& [text, idJ] : vocabObj)
        place(text, idOf(idJ, "token " + show(text)), "token");
    for (const Json& a : added) {
        if (!a.isObject()) fail(path, "added_tokens holds a non-object entry");
        const Json* c = a.find("content");
        if (!c || !c->isString()) fail(path, "an added token has no content");
        const Json* idJ = a.find("id");
        if (!idJ) fail(path, "added token " + show(c->asString()) + " has no id");
        const size_t id = idOf(*idJ, "added token " + show(c->asString()));
        place(c->asString(), id, "added token");
        t.types[id] = static_cast<int>(a.boolean("special", false) ? TokenType::Control
                                                                   : TokenType::UserDefined);
    }
    const size_t n = maxId + 1;
    for (size_t i = 0; i < n; ++i)
        if (!filled[i])
            fail(path, "token id " + std::to_string(i) + " is missing (ids have a gap)");
    t.tokens.resize(n);
    t.types.resize(n);
    return t;
}

// What the normalizer and pre-tokenizer make of the text.
struct JsonMode {
    bool spm = false, spmPrefix = false, byteLevel = false, prefixSpace = false;
    bool sawSplit = false;
    PreTokenizer pre = PreTokenizer::None;
};

// A node, or the members of a Sequence node under `listKey`.
std::vector<const Json*> sequenceOf(const Json* node, const char* listKey) {
    std::vector<const Json*> out;
    if (!node || node->isNull()) return out;
    if (node->string("type", "") == "Sequence") {
        const Json* list = node->find(listKey);
        if (list && list->isArray())
            for (const Json& x : list->asArray())
                out.push_back(&x);
    } else {
        out.push_back(node);
    }
    return out;
}

void readNormalizer(const Json& root, const std::string& path, JsonMode& m) {
    bool sawPrepend = false, sawReplace = false;
    for (const Json* x : sequenceOf(root.find("normalizer"), "normalizers")) {
        const std::string t = x->string("type", "");
        if (t == "Prepend" && x->string("prepend", "") == kSpaceMark)
            sawPrepend = true;
        else if (t == "Replace" && isSpaceMarkReplace(*x))
            sawReplace = true;
        else if (t == "NFC")
            continue; // Qwen2: llama.cpp does not normalize either; ids match it
        else
            unsupported(path, "normalizer " + show(t) + " is not supported");
    }
    if (sawPrepend && !sawReplace)
        unsupported(path, "a Prepend normalizer without Replace(' ', U+2581)");
    if (sawReplace) {
        m.spm = true;
        m.spmPrefix = sawPrepend;
    }
}

void readPreTokenizer(const Json& root, const std::string& path, JsonMode& m) {
    for (const Json* x : sequenceOf(root.find("pre_tokenizer"), "pretokenizers")) {
        const std::string t = x->string("type", "");
        if (t == "Split") {
            const Json* pat = x->find("pattern");
            const std::string re = pat ? pat->string("Regex", "") : "";
            if (m.sawSplit || !preTokenizerFromRegex(re, m.pre))
                unsupported(path, "pre-tokenizer regex " + show(re) +
                                      " is not one of GPT-2's, Llama-3's or Qwen2's");
            if (x->string("behavior", "Isolated") != "Isolated" || x->boolean("invert", false))
                unsupported(path, "a Split pre-tokenizer that is not Isolated");
            m.sawSplit = true;
        } else if (t == "ByteLevel") {
            m.byteLevel = true;
            m.prefixSpace = x->boolean("add_prefix_space", false);
            if (x->boolean("use_regex", true)) {
                if (m.sawSplit) unsupported(path, "ByteLevel with use_regex after a Split");
                m.pre = PreTokenizer::Gpt2;
            }
        } else if (t == "Metaspace") {
            if (x->string("replacement", kSpaceMark) != kSpaceMark)
                unsupported(path, "Metaspace with a replacement other than U+2581");
            if (x->boolean("split", true))
                unsupported(path, "Metaspace with split=true (words split at U+2581)");
            m.spm = true;
            const std::string scheme = x->string("prepend_scheme", "");
            m.spmPrefix = scheme.empty() ? x->boolean("add_prefix_space", true) : scheme != "never";
        } else {
            unsupported(path, "pre-tokenizer " + show(t) + " is not supported");
        }
    }
}

JsonMode readMode(const Json& root, const std::string& path) {
    JsonMode m;
    readNormalizer(root, path, m);
    readPreTokenizer(root, path, m);
    if (m.spm && (m.byteLevel || m.sawSplit))
        unsupported(path, "both a U+2581 normalizer and a byte-level pre-tokenizer");
    if (!m.spm && !m.byteLevel)
        unsupported(path, "neither a ByteLevel pre-tokenizer nor Llama-2's U+2581 normalizer");
    if (m.spm) m.pre = PreTokenizer::None;
    return m;
}

using StringPair = std::pair<std::string, std::string>;

// model.merges as "a b" strings or [a, b] pairs, each of known tokens making
// a known token.
void readMerges(const Json& model, const JsonTokens& t, const std::string& path,
                std::vector<StringPair>& pairs, std::vector<std::string>& strings) {
    const Json* mj = model.find("merges");
    if (!mj || mj->isNull()) return;
    if (!mj->isArray()) fail(path, "model.merges is not an array");
    const Json::Array& ms = mj->asArray();
    pairs.reserve(ms.size());
    strings.reserve(ms.size());
    for (size_t k = 0; k < ms.size(); ++k) {
        const Json& m = ms[k];
        StringPair p;
        if (m.isString()) {
            const std::string& s = m.asString();
            const size_t sp = s.find(' ');
            if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
                fail(path, "merge " + std::to_string(k) + " " + show(s) +
                               " is not two tokens separated by one space");
            p = {s.substr(0, sp), s.substr(sp + 1)};
        } else if (m.isArray() && m.asArray().size() == 2 && m.asArray()[0].isString() &&
                   m.asArray()[1].isString()) {
            p = {m.asArray()[0].asString(), m.asArray()[1].asString()};
        } else {
            fail(path, "merge " + std::to_string(k) + " is neither \"a b\" nor [a, b]");
        }
        for (const std::string* part : {&p.first, &p.second})
            if (!t.byText.count(*part))
                fail(path, "merge " + std::to_string(k) + " uses unknown token " + show(*part));
        if (!t.byText.count(p.first + p.second))
            fail(path, "merge " + std::to_string(k) + " makes " + show(p.first + p.second) +
                           ", which is not in the vocabulary");
        strings.push_back(p.first + " " + p.second);
        pairs.push_back(std::move(p));
    }
}

struct JsonSpecials {
    int bos = -1, eos = -1;
    bool addBos = false;
};

// BOS/EOS: the post-processor's template, then tokenizer_config.json.
JsonSpecials readSpecials(const Json& root, const JsonTokens& t, bool spm,
                          const std::string& path) {
    JsonSpecials s;
    if (std::string b = templateBos(root.find("post_processor"), path); !b.empty()) {
        s.bos = t.idFor(b);
        s.addBos = s.bos >= 0;
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path cfgPath = fs::path(path).parent_path() / "tokenizer_config.json";
    if (fs::is_regular_file(cfgPath, ec)) {
        const Json cfg = Json::parseFile(cfgPath.string());
        // A name the vocabulary lacks (e.g. llama2.c's "\n<s>\n") is ignored.
        if (int id = t.idFor(tokenContent(cfg.find("bos_token"))); id >= 0) s.bos = id;
        if (int id = t.idFor(tokenContent(cfg.find("eos_token"))); id >= 0) s.eos = id;
        if (const Json* ab = cfg.find("add_bos_token"); ab && ab->isBool()) s.addBos = ab->asBool();
    }
    if (s.bos < 0 && spm) s.bos = t.idFor("<s>");
    if (s.eos < 0)
        for (const char* e : {"</s>", "<|endoftext|>", "<|end_of_text|>"})
            if ((s.eos = t.idFor(e)) >= 0) break;
    return s;
}

} // namespace

std::shared_ptr<BpeTokenizer> BpeTokenizer::fromTokenizerJson(const std::string& path) {
    const Json root = Json::parseFile(path);
    if (!root.isObject()) fail(path, "tokenizer.json is not a JSON object");
    const Json* model = root.find("model");
    if (!model || !model->isObject()) fail(path, "no \"model\" object");
    const std::string modelType = model->string("type", "BPE");
    if (modelType != "BPE")
        unsupported(path,
                    "tokenizer model type " + show(modelType) + " is not supported (only BPE)");
    const Json* vocabJ = model->find("vocab");
    if (!vocabJ || !vocabJ->isObject()) fail(path, "model.vocab is not an object");
    if (const Json* d = model->find("dropout"); d && d->isNumber() && d->asNumber() > 0)
        unsupported(path, "BPE dropout is not supported");
    for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (!model->string(k, "").empty())
            unsupported(path, std::string("BPE ") + k + " is not supported");

    JsonTokens t = readTokens(root, vocabJ->asObject(), path);
    const JsonMode mode = readMode(root, path);
    std::vector<StringPair> pairs;
    std::vector<std::string> mergeStrings;
    readMerges(*model, t, path, pairs, mergeStrings);

    // Token types that matter for encoding and decoding.
    const std::string unkText = tokenContent(model->find("unk_token"));
    int unk = -1;
    if (!unkText.empty()) {
        unk = t.idFor(unkText);
        if (unk < 0) fail(path, "unk_token " + show(unkText) + " is not in the vocabulary");
        t.types[size_t(unk)] = static_cast<int>(TokenType::Unknown);
    }
    if (mode.spm && model->boolean("byte_fallback", false))
        for (size_t i = 0; i < t.tokens.size(); ++i)
            if (t.types[i] == static_cast<int>(TokenType::Normal) && t.tokens[i].size() == 6 &&
                t.tokens[i].compare(0, 3, "<0x") == 0 && t.tokens[i][5] == '>')
                t.types[i] = static_cast<int>(TokenType::Byte);
    const JsonSpecials sp = readSpecials(root, t, mode.spm, path);

    std::shared_ptr<BpeTokenizer> tok;
    try {
        BpeVocab v{std::move(t.tokens), {}, std::move(t.types)};
        tok = std::make_shared<BpeTokenizer>(std::move(v),
                                             mode.spm ? Mode::SpmCompatible : Mode::ByteLevel,
                                             mode.pre, sp.bos, sp.eos, sp.addBos);
    } catch (const EngineError& e) {
        throw FormatError(path, e.problem());
    }
    tok->vocab_.merges = std::move(mergeStrings);
    tok->setMerges(pairs);
    tok->ignoreMerges_ = model->boolean("ignore_merges", false);
    tok->addPrefixSpace_ = mode.spm ? mode.spmPrefix : mode.prefixSpace;
    if (unk >= 0) tok->unkId_ = unk;
    return tok;
}

} // namespace mobi
