// Shared by the trainer tests: a small SentencePiece vocabulary built in code
// (specials, the 256 byte pieces, a few words) and a tiny GQA model state.
#pragma once

#include "tokenizer/SentencePieceTokenizer.h"
#include "train/TrainData.h"
#include "train/TrainState.h"
#include "train/Trainer.h"

#include <memory>
#include <string>
#include <vector>

namespace tinytrain {

inline std::shared_ptr<mobi::SentencePieceTokenizer> tokenizer() {
    mobi::SpmVocab v;
    auto add = [&](const std::string& p, float score, mobi::TokenType t) {
        v.pieces.push_back(p);
        v.scores.push_back(score);
        v.types.push_back(static_cast<int>(t));
    };
    add("<unk>", 0, mobi::TokenType::Unknown);
    add("<s>", 0, mobi::TokenType::Control);
    add("</s>", 0, mobi::TokenType::Control);
    const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b)
        add(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 0, mobi::TokenType::Byte);
    const std::string sp = "\xE2\x96\x81";
    const char* words[] = {"go",   "to",    "desk", "open",  "drawer", "take", "mug",
                           "look", "task:", "put",  "shelf", "in",     "on"};
    float score = -1;
    for (const char* w : words) {
        add(sp + w, score, mobi::TokenType::Normal);
        add(w, score - 0.5f, mobi::TokenType::Normal);
        score -= 1;
    }
    for (char c = 'a'; c <= 'z'; ++c)
        add(std::string(1, c), -100, mobi::TokenType::Normal);
    add(sp, -100, mobi::TokenType::Normal);
    return std::make_shared<mobi::SentencePieceTokenizer>(
        std::move(v), 1, 2, mobi::SentencePieceTokenizer::Flavor::LlamaCpp, true);
}

inline std::vector<mobi::TextRecord> texts() {
    const char* lines[] = {"a: go to desk\n",          "b: open drawer\n", "c: take mug\n",
                           "d: put mug on shelf\n",    "e: look\n",        "f: go to shelf\n",
                           "g: open desk in drawer\n", "h: take look\n"};
    std::vector<mobi::TextRecord> out;
    for (const char* l : lines) {
        mobi::TextRecord r;
        r.text = l;
        // The record's letter is unpredictable; everything after it is not.
        r.loss = {{2, int64_t(r.text.size())}};
        r.lossEverywhere = false;
        out.push_back(r);
    }
    return out;
}

inline mobi::TrainState state(uint64_t seed = 5) {
    mobi::TrainState s;
    s.tokenizer = tokenizer();
    mobi::ModelConfig& c = s.config;
    c.dim = 32, c.hiddenDim = 64, c.nLayers = 2, c.nHeads = 4, c.nKvHeads = 2, c.headDim = 8;
    c.vocabSize = s.tokenizer->vocabSize(), c.seqLen = 64, c.tiedEmbeddings = true;
    s.hyper.seed = seed;
    s.hyper.batchTokens = 40;
    s.hyper.microTokens = 24; // several micro-batches per step: accumulation is exercised
    s.hyper.lr = 3e-3f;
    s.hyper.minLr = 3e-4f;
    s.hyper.warmup = 10;
    s.hyper.adam.weightDecay = 0.0f;
    mobi::Trainer::initialize(s);
    return s;
}

} // namespace tinytrain
