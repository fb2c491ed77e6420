// Text <-> token ids for one vocabulary.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mobi {

class Tokenizer {
  public:
    virtual ~Tokenizer() = default;
    // Encodes text the way the reference implementation does (llama.cpp for
    // GGUF/HF vocabularies, run.c for llama2.c tokenizer.bin), with BOS first
    // when addBos and the vocabulary has one.
    virtual std::vector<int> encode(std::string_view text, bool addBos) const = 0;
    // The bytes token `id` stands for when it follows `prev` (SentencePiece
    // drops the leading space after BOS; byte tokens <0xNN> become raw bytes).
    virtual std::string decodeToken(int prev, int id) const = 0;
    // Concatenated decodeToken over ids.
    std::string decode(const std::vector<int>& ids) const;
    // The raw vocabulary string of a token (for display).
    virtual const std::string& piece(int id) const = 0;
    virtual int vocabSize() const = 0;
    virtual const char* kind() const = 0; // "sentencepiece", "bpe"
    int bos() const { return bos_; }
    int eos() const { return eos_; }
    void setSpecial(int bos, int eos) { bos_ = bos, eos_ = eos; }

    // Special-token text in the input. Off (the default, llama.cpp's
    // parse_special = false): text such as "<|endoftext|>" or "<s>" is encoded
    // as plain text; only user-defined tokens are split out. On (what Hugging
    // Face tokenizers do by default): control and unknown tokens are matched
    // too and become those tokens. llama2.c tokenizer.bin vocabularies (run.c)
    // have no special-token text, so there it changes nothing.
    void setParseSpecial(bool on) { parseSpecial_ = on; }
    bool parseSpecial() const { return parseSpecial_; }

  protected:
    int bos_ = -1;
    int eos_ = -1;
    bool parseSpecial_ = false;
};

} // namespace mobi
