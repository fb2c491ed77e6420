// A SentencePiece-style BPE vocabulary with byte fallback, fitted on
// training text and laid out for the engine's SentencePieceTokenizer
// (LlamaCpp flavour), which encodes every fitting text exactly as the
// fitter's own application of its merges does (BpeMergeEncoder).
#pragma once

#include "tokenizer/SentencePieceTokenizer.h"
#include "train/BpeTrainer.h"

#include <memory>
#include <string>
#include <vector>

namespace mobi {

struct TokenizerFitOptions {
    int vocabSize = 1024; // total pieces: 3 specials + 256 byte pieces + merges
    int minFrequency = 2; // a pair merged only if seen at least this often
};

// Ids of a fitted vocabulary's fixed part.
inline constexpr int kFitUnkId = 0;
inline constexpr int kFitBosId = 1;
inline constexpr int kFitEosId = 2;
inline constexpr int kFitFirstByteId = 3;    // <0x00>..<0xFF>
inline constexpr int kFitFirstPieceId = 259; // NORMAL pieces in rank order
inline constexpr int kFitMinVocabSize = 260; // the fixed part and the space piece

struct FittedTokenizer {
    SpmVocab vocab;
    std::vector<BpePiece> pieces; // vocab id kFitFirstPieceId + i
    BpeFitStats stats;
};

// Layout: 0 <unk> (UNKNOWN), 1 <s> (CONTROL), 2 </s> (CONTROL),
// 3..258 <0x00>..<0xFF> (BYTE), then NORMAL pieces in rank order with score
// -rank (higher score merges first): U+2581 first, then merges and the
// multi-byte characters worth a piece of their own, best first. Text is
// normalised as the engine does (spaces -> U+2581, a dummy-prefix space);
// pieces never contain '\n' and contain U+2581 only as their first
// character, so tokens never cross a word boundary. Characters without a
// piece (unseen ones, '\n') encode as their UTF-8 bytes. The vocabulary has
// vocabSize pieces, or fewer when no pair occurs minFrequency times any
// more. Throws EngineError for vocabSize below kFitMinVocabSize,
// minFrequency below 1, or no text (no texts, or all empty).
FittedTokenizer fitTokenizer(const std::vector<std::string>& texts, const TokenizerFitOptions& o);

// fitTokenizer's vocabulary.
SpmVocab fitSentencePieceBpe(const std::vector<std::string>& texts, const TokenizerFitOptions& o);

// The engine tokenizer for a fitted vocab (BOS 1, EOS 2, LlamaCpp flavour,
// dummy-prefix space). Throws EngineError when vocab is not laid out as
// fitSentencePieceBpe lays it out.
std::shared_ptr<SentencePieceTokenizer> makeFittedTokenizer(SpmVocab vocab);

} // namespace mobi
