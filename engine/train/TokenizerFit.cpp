#include "train/TokenizerFit.h"

#include "core/Error.h"

namespace mobi {

namespace {

const char kWhere[] = "tokenizer fit";

std::string bytePiece(int b) {
    static const char hex[] = "0123456789ABCDEF";
    return std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
}

SpmVocab layOut(const std::vector<BpePiece>& pieces) {
    SpmVocab v;
    auto add = [&](std::string piece, float score, TokenType type) {
        v.pieces.push_back(std::move(piece));
        v.scores.push_back(score);
        v.types.push_back(static_cast<int>(type));
    };
    add("<unk>", 0.0f, TokenType::Unknown);
    add("<s>", 0.0f, TokenType::Control);
    add("</s>", 0.0f, TokenType::Control);
    for (int b = 0; b < 256; ++b)
        add(bytePiece(b), 0.0f, TokenType::Byte);
    for (size_t rank = 0; rank < pieces.size(); ++rank)
        add(pieces[rank].text(), -static_cast<float>(rank), TokenType::Normal);
    return v;
}

} // namespace

FittedTokenizer fitTokenizer(const std::vector<std::string>& texts, const TokenizerFitOptions& o) {
    if (o.vocabSize < kFitMinVocabSize)
        throw EngineError(kWhere, "vocabulary size " + std::to_string(o.vocabSize) + " is below " +
                                      std::to_string(kFitMinVocabSize) +
                                      " (3 special pieces, 256 byte pieces and the space piece)");
    BpeTrainer trainer(o.minFrequency);
    for (const std::string& t : texts)
        trainer.addText(t);
    if (trainer.empty())
        throw EngineError(kWhere, texts.empty()
                                      ? std::string("no texts to fit on")
                                      : "all " + std::to_string(texts.size()) + " texts are empty");
    FittedTokenizer out;
    out.pieces = trainer.fit(o.vocabSize - kFitFirstPieceId);
    out.stats = trainer.stats();
    out.vocab = layOut(out.pieces);
    return out;
}

SpmVocab fitSentencePieceBpe(const std::vector<std::string>& texts, const TokenizerFitOptions& o) {
    return fitTokenizer(texts, o).vocab;
}

std::shared_ptr<SentencePieceTokenizer> makeFittedTokenizer(SpmVocab vocab) {
    const size_t n = vocab.pieces.size();
    bool ok = n >= static_cast<size_t>(kFitFirstPieceId) && vocab.scores.size() == n &&
              vocab.types.size() == n && vocab.pieces[kFitUnkId] == "<unk>" &&
              vocab.pieces[kFitBosId] == "<s>" && vocab.pieces[kFitEosId] == "</s>";
    for (int b = 0; ok && b < 256; ++b)
        ok = vocab.pieces[static_cast<size_t>(kFitFirstByteId + b)] == bytePiece(b);
    if (!ok)
        throw EngineError(kWhere, "vocabulary of " + std::to_string(n) +
                                      " pieces is not a fitted one (<unk> <s> </s>, then "
                                      "<0x00>..<0xFF>, scores and types for every piece)");
    return std::make_shared<SentencePieceTokenizer>(std::move(vocab), kFitBosId, kFitEosId,
                                                    SentencePieceTokenizer::Flavor::LlamaCpp, true);
}

} // namespace mobi
