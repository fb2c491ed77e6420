// libFuzzer target: bytes as a tokenizer.json (through a temp file), then a
// few encodes and decodes with whatever tokenizer it describes.
#include "FuzzReach.h"
#include "core/Error.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/TokenizerJson.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

// A directory of our own, so no tokenizer_config.json sits next to the file.
const std::string& tempPath() {
    static const std::string path = [] {
        char dir[] = "/tmp/fuzz_tokenizer_json.XXXXXX";
        if (!mkdtemp(dir)) std::abort();
        return std::string(dir) + "/tokenizer.json";
    }();
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    const std::string& path = tempPath();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    std::shared_ptr<mobi::BpeTokenizer> tok;
    try {
        tok = mobi::BpeTokenizer::fromTokenizerJson(path);
    } catch (const mobi::EngineError&) {
        return 0;
    }
    fuzzreach::parsed();
    static const char* samples[] = {"", "Hello world", "  the cat's 1234\n\n x",
                                    "caf\xC3\xA9 \xF0\x9F\x98\x80 \xFF\x80", "<s></s><unk>"};
    for (bool special : {false, true}) {
        tok->setParseSpecial(special);
        for (const char* s : samples) {
            const std::vector<int> ids = tok->encode(s, true);
            for (int id : ids)
                if (id < 0 || id >= tok->vocabSize()) std::abort();
            (void)tok->decode(ids);
        }
    }
    // Writing it back must give a file that loads again, to the same ids.
    mobi::writeTokenizerJson(*tok, path);
    auto back = mobi::BpeTokenizer::fromTokenizerJson(path);
    back->setParseSpecial(true);
    for (const char* s : samples)
        if (back->encode(s, true) != tok->encode(s, true)) std::abort();
    return 0;
}
