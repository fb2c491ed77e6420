// libFuzzer target: bytes -> llama2.c tokenizer.bin on disk -> loadLlama2cFile, then both
// SentencePiece encoders (run.c and llama.cpp flavors) on fixed text and on fuzzed text.
#include "FuzzReach.h"
#include "core/Error.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::string tempFile() {
    char tmpl[] = "/tmp/fuzz_tokbin_XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) std::abort();
    return tmpl;
}

void check(const mobi::Tokenizer& t, std::string_view text, bool bos) {
    const std::vector<int> ids = t.encode(text, bos);
    for (int id : ids)
        if (id < 0 || id >= t.vocabSize()) std::abort();
    (void)t.decode(ids);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    static const std::string path = tempFile();
    if (size < 1) return 0;
    // The first byte picks the declared vocabulary size (0: whatever the file holds)
    // and how much of the input's tail is also used as text to encode.
    const int vocab = data[0] & 0x0f;
    const size_t textLen = std::min<size_t>(size - 1, (data[0] >> 4) * 8);
    ++data, --size;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    const std::string_view tail(reinterpret_cast<const char*>(data + size - textLen), textLen);
    try {
        auto tok = mobi::SentencePieceTokenizer::loadLlama2cFile(path, vocab);
        fuzzreach::parsed();
        mobi::SentencePieceTokenizer cpp(tok->vocab(), tok->bos(), tok->eos(),
                                         mobi::SentencePieceTokenizer::Flavor::LlamaCpp);
        for (const mobi::Tokenizer* t : {static_cast<const mobi::Tokenizer*>(tok.get()),
                                         static_cast<const mobi::Tokenizer*>(&cpp)}) {
            for (const char* s :
                 {"", " ", "Once upon a time", "aaaaaaaaaaaaaaaa", "\xF0\x9F\xA6\x99 \xC3"}) {
                check(*t, s, true);
                check(*t, s, false);
            }
            check(*t, tail, true);
            for (int id = 0; id < t->vocabSize(); ++id)
                (void)t->decodeToken(1, id);
        }
    } catch (const mobi::EngineError&) {
    }
    return 0;
}
