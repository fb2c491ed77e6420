// libFuzzer target: bytes -> model.safetensors next to a fixed valid
// config.json -> SafetensorsFile::open and loadHfDirectory (+ validate).
#include "FuzzReach.h"
#include "core/Error.h"
#include "io/HfLoader.h"
#include "io/SafetensorsFile.h"
#include "model/Model.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

// A tiny llama: dim 4, hidden 8, 1 layer, 2 heads, vocab 6.
const char kConfig[] = R"({"architectures":["LlamaForCausalLM"],"hidden_size":4,
"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,
"rms_norm_eps":1e-5,"vocab_size":6,"max_position_embeddings":32})";

std::string makeDir();

const std::string& dirPath() {
    static const std::string* dir = new std::string(makeDir()); // outlives atexit handlers
    return *dir;
}

std::string makeDir() {
    char tmpl[] = "/tmp/fuzz_safetensors_XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (!d) std::abort();
    const std::string dir = d;
    FILE* f = std::fopen((dir + "/config.json").c_str(), "wb");
    if (!f) std::abort();
    std::fwrite(kConfig, 1, sizeof kConfig - 1, f);
    std::fclose(f);
    return dir;
}

void removeDir() {
    std::error_code ec;
    std::filesystem::remove_all(dirPath(), ec);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    static const bool registered = (std::atexit(removeDir), true);
    (void)registered;
    const std::string& dir = dirPath();
    const std::string path = dir + "/model.safetensors";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);

    try {
        const mobi::SafetensorsFile sf = mobi::SafetensorsFile::open(path);
        // Touch every byte each tensor claims, so a range past the map faults.
        volatile uint8_t sink = 0;
        for (const mobi::Tensor& t : sf.tensors()) {
            const uint8_t* p = static_cast<const uint8_t*>(t.data);
            for (uint64_t i = 0; i < t.nbytes; ++i)
                sink = sink ^ p[i];
            (void)t.numel();
        }
    } catch (const mobi::EngineError&) {
    }
    try {
        const mobi::Model m = mobi::loadHfDirectory(dir, {});
        m.validate();
        fuzzreach::parsed();
        for (const mobi::LayerWeights& L : m.weights.layers)
            (void)L.wq.toF32();
        (void)m.weights.tokEmbeddings.toF32();
    } catch (const mobi::EngineError&) {
    }
    return 0;
}
