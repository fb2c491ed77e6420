// Byte-level BPE with ranked merges (GGUF `gpt2`, Hugging Face
// tokenizer.json: GPT-2, Llama-3, Qwen2 pre-tokenizers), and the
// SentencePiece-compatible BPE of Llama-2's tokenizer.json (byte fallback,
// U+2581 for spaces).
#pragma once

#include "tokenizer/Tokenizer.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace mobi {

// Which regex split runs before BPE (as llama.cpp's LLAMA_VOCAB_PRE_TYPE_*).
enum class PreTokenizer { Gpt2, Llama3, Qwen2, None };

struct BpeVocab {
    std::vector<std::string> tokens; // vocabulary strings (byte-level: GPT-2 byte->unicode map)
    std::vector<std::string> merges; // "left right", rank = index
    std::vector<int> types;          // TokenType per token; may be empty
};

class BpeTokenizer : public Tokenizer {
public:
    // ByteLevel: GPT-2 byte-to-unicode alphabet. SpmCompatible: Llama-2 HF
    // tokenizer.json (prepend U+2581, spaces -> U+2581, <0xNN> byte fallback).
    enum class Mode { ByteLevel, SpmCompatible };

    BpeTokenizer(BpeVocab vocab, Mode mode, PreTokenizer pre, int bos, int eos, bool addBos);

    // Hugging Face tokenizer.json; throws FormatError naming the file.
    static std::shared_ptr<BpeTokenizer> fromTokenizerJson(const std::string& path);
    // tokenizer.ggml.pre value -> pre-tokenizer ("llama-bpe", "qwen2", "gpt2", ...).
    static PreTokenizer preTokenizerFromName(const std::string& name);
    static const char* preTokenizerName(PreTokenizer p);

    std::vector<int> encode(std::string_view text, bool addBos) const override;
    std::string decodeToken(int prev, int id) const override;
    const std::string& piece(int id) const override;
    int vocabSize() const override { return static_cast<int>(vocab_.tokens.size()); }
    const char* kind() const override { return "bpe"; }

    const BpeVocab& vocab() const { return vocab_; }
    Mode mode() const { return mode_; }
    PreTokenizer preTokenizer() const { return pre_; }
    bool addsBos() const { return addBos_; }

private:
    BpeVocab vocab_;
    Mode mode_;
    PreTokenizer pre_;
    bool addBos_;
    std::unordered_map<std::string, int> index_;
    std::unordered_map<std::string, int> mergeRank_;
};

} // namespace mobi
