// SentencePiece-style BPE with scores and byte fallback: llama2.c
// tokenizer.bin (run.c's encoder) and GGUF `llama` vocabularies (llama.cpp's
// SPM encoder).
#pragma once

#include "tokenizer/Tokenizer.h"

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mobi {

// GGUF tokenizer.ggml.token_type values.
enum class TokenType : int {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6
};

struct SpmVocab {
    std::vector<std::string>
        pieces; // as stored: GGUF uses U+2581 for space, tokenizer.bin a plain ' '
    std::vector<float> scores;
    std::vector<int> types; // TokenType per piece; may be empty (then inferred)
};

class SentencePieceTokenizer : public Tokenizer {
  public:
    // Llama2c: run.c's algorithm on tokenizer.bin pieces (spaces as ' ').
    // LlamaCpp: llama.cpp's llm_tokenizer_spm on GGUF pieces (spaces as U+2581).
    enum class Flavor { Llama2c, LlamaCpp };

    SentencePieceTokenizer(SpmVocab vocab, int bos, int eos, Flavor flavor,
                           bool addSpacePrefix = true);

    // Reads a llama2.c tokenizer.bin; throws FormatError naming the file.
    // vocabSize is the model's (the file does not store it).
    static std::shared_ptr<SentencePieceTokenizer> loadLlama2cFile(const std::string& path,
                                                                   int vocabSize);

    std::vector<int> encode(std::string_view text, bool addBos) const override;
    std::string decodeToken(int prev, int id) const override;
    const std::string& piece(int id) const override;
    int vocabSize() const override { return static_cast<int>(vocab_.pieces.size()); }
    const char* kind() const override { return "sentencepiece"; }

    const SpmVocab& vocab() const { return vocab_; }
    Flavor flavor() const { return flavor_; }
    bool addSpacePrefix() const { return addSpacePrefix_; }

  private:
    // Lets index_ be probed with string_views (no allocation per bigram).
    struct PieceHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    int lookup(std::string_view text) const;
    int byteFallbackLlama2c(unsigned char byte) const;
    int byteFallbackLlamaCpp(unsigned char byte) const;
    std::vector<int> encodeLlama2c(std::string_view text, bool addBos) const;
    std::vector<int> encodeLlamaCpp(std::string_view text, bool addBos) const;
    void spmSession(const std::string& text, std::vector<int>& out) const;

    SpmVocab vocab_;
    Flavor flavor_;
    bool addSpacePrefix_;
    std::unordered_map<std::string, int, PieceHash, std::equal_to<>> index_;
    int byteTokens_[256];
    int unkId_ = -1;
    std::vector<int> userDefined_; // split out of raw text before encoding, longest first
    std::vector<int> specials_;    // userDefined_ + control and unknown (parseSpecial)
};

} // namespace mobi
