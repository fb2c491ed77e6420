#include "io/ModelLoader.h"

#include "core/Error.h"
#include "io/GgufLoader.h"
#include "io/HfLoader.h"
#include "io/Llama2cLoader.h"
#include "tokenizer/Tokenizer.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace mobi {

ModelFormat detectModelFormat(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(path, ec)) return ModelFormat::HfDirectory;
    std::ifstream f(path, std::ios::binary);
    if (!f) return ModelFormat::Unknown;
    char magic[4] = {0, 0, 0, 0};
    f.read(magic, 4);
    if (f.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0) return ModelFormat::Gguf;
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".gguf") return ModelFormat::Gguf; // wrong magic: the GGUF loader says so
    if (ext == ".safetensors" || fs::path(path).filename() == "config.json")
        return ModelFormat::HfDirectory;
    return ModelFormat::Llama2c; // no magic of its own (legacy) or "ak42"
}

Model loadModel(const std::string& path, const LoadOptions& options) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw EngineError(path, "no such file or directory");
    Model m;
    switch (detectModelFormat(path)) {
    case ModelFormat::Gguf: m = loadGguf(path, options); break;
    case ModelFormat::HfDirectory: {
        fs::path p(path);
        if (!fs::is_directory(p, ec)) p = p.parent_path();
        m = loadHfDirectory(p.string(), options);
        break;
    }
    case ModelFormat::Llama2c: m = loadLlama2c(path, options); break;
    case ModelFormat::Unknown: throw EngineError(path, "cannot read the file");
    }
    m.validate();
    if (options.requireTokenizer && !m.tokenizer)
        throw EngineError(path, "no tokenizer found for this model; pass --tokenizer FILE");
    if (m.tokenizer) m.tokenizer->setParseSpecial(options.parseSpecial);
    return m;
}

} // namespace mobi
