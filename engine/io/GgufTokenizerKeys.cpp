#include "io/GgufTokenizerKeys.h"

#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <cctype>
#include <unordered_map>

namespace mobi {

namespace {

// Pieces of a run.c tokenizer.bin spell spaces as ' ' and wrap BOS/EOS in
// newlines; llama.cpp's convert-llama2c-to-ggml writes them as GGUF expects.
std::string llama2cPieceToGguf(const std::string& p) {
    if (p == "\n<s>\n") return "<s>";
    if (p == "\n</s>\n") return "</s>";
    std::string out;
    for (char ch : p) {
        if (ch == ' ')
            out += "\xE2\x96\x81"; // U+2581
        else
            out += ch;
    }
    return out;
}

bool isBytePiece(const std::string& p) {
    return p.size() == 6 && p.compare(0, 3, "<0x") == 0 && p[5] == '>' &&
           std::isxdigit(static_cast<unsigned char>(p[3])) &&
           std::isxdigit(static_cast<unsigned char>(p[4]));
}

int inferTokenType(const std::string& p, int id, int bos, int eos) {
    if (isBytePiece(p)) return static_cast<int>(TokenType::Byte);
    if (p == "<unk>") return static_cast<int>(TokenType::Unknown);
    if (p == "<s>" || p == "</s>" || id == bos || id == eos)
        return static_cast<int>(TokenType::Control);
    return static_cast<int>(TokenType::Normal);
}

void putSpecialIds(GgufMetadataBuilder& md, const Tokenizer& tok,
                   const std::vector<std::string>& pieces) {
    if (tok.bos() >= 0) md.putU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(tok.bos()));
    if (tok.eos() >= 0) md.putU32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(tok.eos()));
    for (size_t i = 0; i < pieces.size(); ++i)
        if (pieces[i] == "<unk>") {
            md.putU32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(i));
            break;
        }
}

void putSpm(GgufMetadataBuilder& md, const SentencePieceTokenizer& tok) {
    const SpmVocab& v = tok.vocab();
    const bool llama2c = tok.flavor() == SentencePieceTokenizer::Flavor::Llama2c;
    std::vector<std::string> pieces;
    pieces.reserve(v.pieces.size());
    for (const std::string& p : v.pieces)
        pieces.push_back(llama2c ? llama2cPieceToGguf(p) : p);
    std::vector<float> scores = v.scores;
    scores.resize(pieces.size(), 0.0f);
    std::vector<int> types = v.types;
    if (types.size() != pieces.size()) {
        types.resize(pieces.size());
        for (size_t i = 0; i < pieces.size(); ++i)
            types[i] = inferTokenType(pieces[i], static_cast<int>(i), tok.bos(), tok.eos());
    }
    md.putString("tokenizer.ggml.model", "llama");
    md.putStringArray("tokenizer.ggml.tokens", pieces);
    md.putF32Array("tokenizer.ggml.scores", scores);
    md.putI32Array("tokenizer.ggml.token_type", types);
    putSpecialIds(md, tok, pieces);
    md.putBool("tokenizer.ggml.add_space_prefix", tok.addSpacePrefix());
}

// Llama-2's tokenizer.json is SentencePiece BPE written as merges; GGUF keeps
// such vocabularies as `llama` with scores. SentencePiece merges the pair whose
// result scores highest, so a piece scores minus the rank of the first merge
// that produces it.
void putSpmCompatibleBpe(GgufMetadataBuilder& md, const BpeTokenizer& tok) {
    const BpeVocab& v = tok.vocab();
    std::unordered_map<std::string, size_t> firstRank;
    for (size_t r = 0; r < v.merges.size(); ++r) {
        const std::string& m = v.merges[r];
        const size_t sp = m.find(' ', 1);
        if (sp == std::string::npos) continue;
        firstRank.emplace(m.substr(0, sp) + m.substr(sp + 1), r);
    }
    std::vector<float> scores(v.tokens.size(), 0.0f);
    std::vector<int> types = v.types;
    const bool inferTypes = types.size() != v.tokens.size();
    types.resize(v.tokens.size());
    for (size_t i = 0; i < v.tokens.size(); ++i) {
        auto it = firstRank.find(v.tokens[i]);
        if (it != firstRank.end()) scores[i] = -static_cast<float>(it->second);
        if (inferTypes)
            types[i] = inferTokenType(v.tokens[i], static_cast<int>(i), tok.bos(), tok.eos());
    }
    md.putString("tokenizer.ggml.model", "llama");
    md.putStringArray("tokenizer.ggml.tokens", v.tokens);
    md.putF32Array("tokenizer.ggml.scores", scores);
    md.putI32Array("tokenizer.ggml.token_type", types);
    putSpecialIds(md, tok, v.tokens);
    md.putBool("tokenizer.ggml.add_space_prefix", true);
}

void putByteLevelBpe(GgufMetadataBuilder& md, const BpeTokenizer& tok) {
    const BpeVocab& v = tok.vocab();
    std::vector<int> types = v.types;
    if (types.size() != v.tokens.size()) {
        types.assign(v.tokens.size(), static_cast<int>(TokenType::Normal));
        for (int id : {tok.bos(), tok.eos()})
            if (id >= 0 && static_cast<size_t>(id) < types.size())
                types[static_cast<size_t>(id)] = static_cast<int>(TokenType::Control);
    }
    md.putString("tokenizer.ggml.model", "gpt2");
    md.putString("tokenizer.ggml.pre", BpeTokenizer::preTokenizerName(tok.preTokenizer()));
    md.putStringArray("tokenizer.ggml.tokens", v.tokens);
    md.putStringArray("tokenizer.ggml.merges", v.merges);
    md.putI32Array("tokenizer.ggml.token_type", types);
    if (tok.bos() >= 0) md.putU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(tok.bos()));
    if (tok.eos() >= 0) md.putU32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(tok.eos()));
    md.putBool("tokenizer.ggml.add_bos_token", tok.addsBos());
}

} // namespace

void putTokenizerKeys(GgufMetadataBuilder& md, const Tokenizer& tok) {
    if (auto* spm = dynamic_cast<const SentencePieceTokenizer*>(&tok)) {
        putSpm(md, *spm);
    } else if (auto* bpe = dynamic_cast<const BpeTokenizer*>(&tok)) {
        if (bpe->mode() == BpeTokenizer::Mode::SpmCompatible)
            putSpmCompatibleBpe(md, *bpe);
        else
            putByteLevelBpe(md, *bpe);
    }
}

} // namespace mobi
