#include "train/TrainCheckpoint.h"

#include "core/ByteReader.h"
#include "core/Error.h"
#include "train/ParamLayout.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mobi {

namespace {

constexpr char kMagic[8] = {'M', 'O', 'B', 'I', 'T', 'R', 'N', '\0'};
constexpr uint32_t kVersion = 1;

uint64_t fnv1a(const uint8_t* p, size_t n) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001B3ull;
    }
    return h;
}

class Writer {
  public:
    template <typename T> void pod(T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        out.append(b, sizeof(T));
    }
    void str(const std::string& s) {
        pod<uint64_t>(s.size());
        out += s;
    }
    void floats(const std::vector<float>& v) {
        pod<uint64_t>(v.size());
        out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    }
    std::string out;
};

std::string readStr(ByteReader& r) {
    const uint64_t n = r.read<uint64_t>("string length");
    if (n > r.remaining()) r.fail("truncated string");
    return r.string(size_t(n));
}

std::vector<float> readFloats(ByteReader& r, size_t expect, const char* what) {
    const uint64_t n = r.read<uint64_t>(what);
    if (n != expect)
        r.fail(std::string(what) + " has " + std::to_string(n) + " values, the shape needs " +
               std::to_string(expect));
    std::vector<float> v(static_cast<size_t>(n));
    std::memcpy(v.data(), r.bytes(size_t(n) * sizeof(float), what), size_t(n) * sizeof(float));
    return v;
}

void writeConfig(Writer& w, const ModelConfig& c) {
    for (int x :
         {c.dim, c.hiddenDim, c.nLayers, c.nHeads, c.nKvHeads, c.headDim, c.vocabSize, c.seqLen})
        w.pod<int32_t>(x);
    w.pod<uint8_t>(c.tiedEmbeddings);
    w.pod<float>(c.rmsEps);
    w.pod<float>(c.ropeTheta);
}

ModelConfig readConfig(ByteReader& r) {
    ModelConfig c;
    for (int* x : {&c.dim, &c.hiddenDim, &c.nLayers, &c.nHeads, &c.nKvHeads, &c.headDim,
                   &c.vocabSize, &c.seqLen})
        *x = r.read<int32_t>("model shape");
    c.tiedEmbeddings = r.read<uint8_t>("model shape") != 0;
    c.rmsEps = r.read<float>("model shape");
    c.ropeTheta = r.read<float>("model shape");
    return c;
}

void writeHyper(Writer& w, const TrainHyper& h) {
    w.pod<int64_t>(h.steps);
    w.pod<int32_t>(h.batchTokens);
    w.pod<int32_t>(h.microTokens);
    w.pod<float>(h.lr), w.pod<float>(h.minLr);
    w.pod<int64_t>(h.warmup);
    w.pod<float>(h.clip);
    w.pod<uint64_t>(h.seed);
    w.pod<float>(h.adam.beta1), w.pod<float>(h.adam.beta2), w.pod<float>(h.adam.eps);
    w.pod<float>(h.adam.weightDecay);
}

TrainHyper readHyper(ByteReader& r) {
    TrainHyper h;
    h.steps = r.read<int64_t>("steps");
    h.batchTokens = r.read<int32_t>("batch tokens");
    h.microTokens = r.read<int32_t>("micro tokens");
    h.lr = r.read<float>(), h.minLr = r.read<float>();
    h.warmup = r.read<int64_t>();
    h.clip = r.read<float>();
    h.seed = r.read<uint64_t>();
    h.adam.beta1 = r.read<float>(), h.adam.beta2 = r.read<float>(), h.adam.eps = r.read<float>();
    h.adam.weightDecay = r.read<float>();
    return h;
}

} // namespace

std::string checkpointPath(const std::string& dir) {
    return (std::filesystem::path(dir) / "checkpoint.bin").string();
}

void saveCheckpoint(const TrainState& s, const std::string& dir) {
    const std::string path = checkpointPath(dir);
    if (!s.tokenizer) throw EngineError(path, "training state has no tokenizer");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw EngineError(dir, "cannot create the checkpoint directory: " + ec.message());
    Writer w;
    w.out.append(kMagic, sizeof kMagic);
    w.pod<uint32_t>(kVersion);
    writeConfig(w, s.config);
    writeHyper(w, s.hyper);
    w.pod<int64_t>(s.step);
    w.pod<int64_t>(s.cursor.epoch), w.pod<int64_t>(s.cursor.index);
    w.pod<uint64_t>(s.dataFingerprint);
    const SpmVocab& v = s.tokenizer->vocab();
    w.pod<uint64_t>(v.pieces.size());
    for (size_t i = 0; i < v.pieces.size(); ++i) {
        w.str(v.pieces[i]);
        w.pod<float>(i < v.scores.size() ? v.scores[i] : 0.0f);
        w.pod<int32_t>(i < v.types.size() ? v.types[i] : 0);
    }
    w.pod<int32_t>(s.tokenizer->bos()), w.pod<int32_t>(s.tokenizer->eos());
    w.pod<uint8_t>(s.tokenizer->addSpacePrefix());
    w.pod<uint64_t>(s.metadata.size());
    for (const auto& [k, val] : s.metadata)
        w.str(k), w.str(val);
    w.floats(s.weights), w.floats(s.m), w.floats(s.v);
    w.pod<uint64_t>(fnv1a(reinterpret_cast<const uint8_t*>(w.out.data()), w.out.size()));

    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(w.out.data(), std::streamsize(w.out.size()));
        out.flush();
        if (!out) {
            std::remove(tmp.c_str());
            throw EngineError(path,
                              std::string("cannot write the checkpoint: ") + std::strerror(errno));
        }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw EngineError(path, "cannot rename the checkpoint into place: " + ec.message());
    }
}

TrainState loadCheckpoint(const std::string& dir) {
    const std::string path = checkpointPath(dir);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EngineError(path, "no checkpoint to resume from");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    if (bytes.size() < sizeof kMagic + 12 || std::memcmp(data, kMagic, sizeof kMagic) != 0)
        throw FormatError(path, "not a mobiscope training checkpoint (bad magic)");
    uint64_t stored = 0;
    std::memcpy(&stored, data + bytes.size() - 8, 8);
    if (fnv1a(data, bytes.size() - 8) != stored)
        throw FormatError(path, "checkpoint is corrupt (checksum mismatch)");
    ByteReader r(data, bytes.size() - 8, path);
    r.skip(sizeof kMagic);
    const uint32_t version = r.read<uint32_t>("version");
    if (version != kVersion)
        r.fail("checkpoint version " + std::to_string(version) + " (this build reads " +
               std::to_string(kVersion) + ")");
    TrainState s;
    s.config = readConfig(r);
    std::unique_ptr<ParamLayout> layout;
    try {
        layout = std::make_unique<ParamLayout>(s.config);
    } catch (const EngineError& e) {
        r.fail(std::string("invalid model shape: ") + e.what());
    }
    s.hyper = readHyper(r);
    s.step = r.read<int64_t>("step");
    s.cursor.epoch = r.read<int64_t>(), s.cursor.index = r.read<int64_t>();
    s.dataFingerprint = r.read<uint64_t>();
    const uint64_t pieces = r.read<uint64_t>("vocabulary size");
    if (pieces != uint64_t(s.config.vocabSize))
        r.fail("vocabulary of " + std::to_string(pieces) + " pieces, the model has " +
               std::to_string(s.config.vocabSize));
    SpmVocab v;
    for (uint64_t i = 0; i < pieces; ++i) {
        v.pieces.push_back(readStr(r));
        v.scores.push_back(r.read<float>());
        v.types.push_back(r.read<int32_t>());
    }
    const int bos = r.read<int32_t>(), eos = r.read<int32_t>();
    const bool prefix = r.read<uint8_t>() != 0;
    s.tokenizer = std::make_shared<SentencePieceTokenizer>(
        std::move(v), bos, eos, SentencePieceTokenizer::Flavor::LlamaCpp, prefix);
    const uint64_t keys = r.read<uint64_t>("metadata count");
    for (uint64_t i = 0; i < keys; ++i) {
        std::string k = readStr(r);
        s.metadata[k] = readStr(r);
    }
    s.weights = readFloats(r, layout->total(), "weights");
    s.m = readFloats(r, layout->total(), "first moments");
    s.v = readFloats(r, layout->total(), "second moments");
    if (r.remaining() != 0) r.fail("unexpected bytes after the optimizer state");
    return s;
}

} // namespace mobi
