// Byte-level BPE with ranked merges (GGUF `gpt2`, Hugging Face
// tokenizer.json: GPT-2, Llama-3, Qwen2 pre-tokenizers), and the
// SentencePiece-compatible BPE of Llama-2's tokenizer.json (byte fallback,
// U+2581 for spaces).
#pragma once

#include "tokenizer/Tokenizer.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
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
    // encode() splits user-defined tokens out of the text (llama.cpp with
    // parse_special=false); with setParseSpecial(true) (Tokenizer) it also
    // matches control and unknown tokens, as Hugging Face matches every added
    // token.
    bool ignoresMerges() const { return ignoreMerges_; }
    // ByteLevel: add_prefix_space; SpmCompatible: U+2581 prepended to the text.
    bool addsPrefixSpace() const { return addPrefixSpace_; }

  private:
    using MergePair = std::pair<std::string, std::string>;
    void setMerges(const std::vector<MergePair>& pairs);
    int lookup(const std::string& s) const;
    std::string mergeKey(std::string_view left, std::string_view right) const;
    void encodeByteLevelWord(const std::string& word, std::vector<int>& out) const;
    void encodeSpmSegment(std::string_view text, std::vector<int>& out) const;
    void encodeSegment(std::string_view text, std::vector<int>& out) const;

    BpeVocab vocab_;
    Mode mode_;
    PreTokenizer pre_;
    bool addBos_;
    bool ignoreMerges_ = false;   // a whole word in the vocabulary is one token (Llama-3)
    bool addPrefixSpace_ = false; // ByteLevel add_prefix_space; SpmCompatible: prepend U+2581
    int unkId_ = -1;
    int byteTokens_[256];        // SpmCompatible: <0xNN> ids (-1 when absent)
    std::string byteChars_[256]; // ByteLevel: GPT-2 bytes_to_unicode
    std::unordered_map<uint32_t, unsigned char> charBytes_; // its inverse
    std::vector<int> userDefined_;                          // longest first
    std::vector<int> controls_; // control and unknown tokens, longest first
    std::unordered_map<std::string, int> index_;
    // ByteLevel: (left, right) text pair -> rank, as llama.cpp's bpe_ranks.
    std::unordered_map<std::string, int> mergeRank_;
    // SpmCompatible: (left id, right id) -> (rank, merged id), as HF's BPE.
    std::unordered_map<uint64_t, std::pair<int, int>> idMerges_;
};

} // namespace mobi
