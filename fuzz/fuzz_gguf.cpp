// libFuzzer target: bytes -> a .gguf file -> GgufFile::open (every accessor on
// every key, every tensor decoded) and loadGguf; a model that loads is written
// back with saveGguf and must load again.
#include "FuzzReach.h"
#include "core/Error.h"
#include "io/GgufFile.h"
#include "io/GgufLoader.h"
#include "io/GgufWriter.h"
#include "model/Model.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

std::string makeDir() {
    char tmpl[] = "/tmp/fuzz_gguf_XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (!d) std::abort();
    return d;
}

const std::string& dirPath() {
    static const std::string* dir = new std::string(makeDir()); // outlives atexit handlers
    return *dir;
}

void removeDir() {
    std::error_code ec;
    std::filesystem::remove_all(dirPath(), ec);
}

void writeFile(const std::string& path, const uint8_t* data, size_t size) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
}

void exerciseAccessors(const mobi::GgufFile& g) {
    for (const std::string& key : g.keys()) {
        const mobi::GgufValue* v = g.find(key);
        if (!v) std::abort();
        (void)v->toString();
        // Each accessor either returns or throws FormatError for a wrong type.
        try {
            (void)g.getString(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.getInt(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.getU32(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.getF32(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.getBool(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.getStringArray(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.getF32Array(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.getI32Array(key);
        } catch (const mobi::FormatError&) {
        }
        try {
            (void)g.arrayLength(key);
        } catch (const mobi::FormatError&) {
        }
    }
    for (const mobi::GgufTensorInfo& ti : g.tensorInfos()) {
        const mobi::Tensor t = g.tensor(ti);
        if (t.numel() <= (1 << 16)) (void)t.toF32(); // reads every byte of the view
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    static const bool registered = (std::atexit(removeDir), true);
    (void)registered;
    const std::string path = dirPath() + "/in.gguf";
    const std::string out = dirPath() + "/out.gguf";
    writeFile(path, data, size);
    try {
        const mobi::GgufFile g = mobi::GgufFile::open(path);
        exerciseAccessors(g);
    } catch (const mobi::FormatError&) {
        return 0;
    } catch (const mobi::UnsupportedError&) {
        return 0;
    }
    mobi::Model m;
    try {
        m = mobi::loadGguf(path, {});
    } catch (const mobi::FormatError&) {
        return 0;
    } catch (const mobi::UnsupportedError&) {
        return 0;
    }
    fuzzreach::parsed();
    if (m.weightBytes() > (1u << 20)) return 0;
    mobi::GgufWriteOptions o;
    o.matrixType = mobi::DType::F32;
    mobi::saveGguf(m, out, o);
    const mobi::Model back = mobi::loadGguf(out, {}); // must not throw
    if (back.config.dim != m.config.dim || back.config.vocabSize != m.config.vocabSize)
        std::abort();
    return 0;
}
