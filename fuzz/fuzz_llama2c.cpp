// libFuzzer target: bytes -> llama2.c checkpoint (legacy or ak42) on disk -> loadLlama2c,
// with no tokenizer, a tokenizer.bin found next to it, or one passed explicitly.
#include "FuzzReach.h"
#include "core/Error.h"
#include "io/Llama2cLoader.h"
#include "tokenizer/Tokenizer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

std::string tempDir() {
    char tmpl[] = "/tmp/fuzz_llama2c_XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (!d) std::abort();
    return d;
}

void writeFile(const std::string& path, const uint8_t* data, size_t size) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
}

// Reads every tensor's first and last row so a view past its storage trips ASan.
float touch(const mobi::Tensor& t) {
    if (t.empty()) return 0;
    std::vector<float> row(static_cast<size_t>(t.cols()));
    t.rowToF32(0, row.data());
    float s = row.front();
    t.rowToF32(t.rows() - 1, row.data());
    return s + row.back();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    static const std::string dir = tempDir();
    static const std::string model = dir + "/model.bin";
    static const std::string tokBin = dir + "/tokenizer.bin";
    static const std::string tokOther = dir + "/explicit_tok.bin";
    if (size < 1) return 0;
    const int mode = data[0] % 3; // 0: no tokenizer, 1: tokenizer.bin beside, 2: explicit path
    ++data, --size;
    size_t tokLen = 0;
    if (mode != 0 && size >= 2) {
        tokLen = (data[size - 2] | (data[size - 1] << 8)) % (size - 1);
        size -= 2;
    }
    const size_t modelLen = size - tokLen;
    writeFile(model, data, modelLen);
    unlink(tokBin.c_str());
    mobi::LoadOptions options;
    if (mode == 1) writeFile(tokBin, data + modelLen, tokLen);
    if (mode == 2) {
        writeFile(tokOther, data + modelLen, tokLen);
        options.tokenizerPath = tokOther;
    }
    try {
        const mobi::Model m = mobi::loadLlama2c(model, options);
        fuzzreach::parsed();
        volatile float sink = touch(m.weights.tokEmbeddings) + touch(m.weights.finalNorm) +
                              touch(m.weights.classifier());
        for (const mobi::LayerWeights& L : m.weights.layers)
            for (const mobi::Tensor* t :
                 {&L.attnNorm, &L.wq, &L.wk, &L.wv, &L.wo, &L.ffnNorm, &L.wGate, &L.wUp, &L.wDown})
                sink = sink + touch(*t);
        (void)sink;
        if (m.tokenizer) {
            const std::vector<int> ids =
                m.tokenizer->encode("Once upon a time, 3 \xF0\x9F\xA6\x99", true);
            for (int id : ids)
                if (id < 0 || id >= m.config.vocabSize) std::abort();
            (void)m.tokenizer->decode(ids);
        }
    } catch (const mobi::EngineError&) {
        // Refused with a message: the expected outcome for most inputs.
    }
    return 0;
}
