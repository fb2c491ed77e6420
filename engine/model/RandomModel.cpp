#include "model/RandomModel.h"

#include "core/Error.h"
#include "core/Half.h"
#include "core/ThreadPool.h"
#include "tokenizer/Tokenizer.h"
#include "util/SplitMix64.h"

#include <cmath>
#include <cstring>

namespace mobi {

namespace {

ModelConfig llamaConfig(int dim, int hidden, int layers, int heads, int kvHeads, int vocab,
                        int seqLen, bool tied) {
    ModelConfig c;
    c.arch = "llama";
    c.dim = dim;
    c.hiddenDim = hidden;
    c.nLayers = layers;
    c.nHeads = heads;
    c.nKvHeads = kvHeads;
    c.headDim = dim / heads;
    c.vocabSize = vocab;
    c.seqLen = seqLen;
    c.tiedEmbeddings = tied;
    c.ropeStyle = RopeStyle::Interleaved;
    return c;
}

// Fills an owned tensor in parallel; each 64K-element block has its own
// stream so the result does not depend on the thread count.
Tensor randomTensor(const std::string& name, std::vector<int64_t> shape, DType type,
                    uint64_t seed, ThreadPool& pool) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    uint64_t bytes = 0;
    if (!dtypeBytesChecked(type, static_cast<uint64_t>(n), bytes))
        throw EngineError(name, "shape does not fit dtype");
    std::vector<uint8_t> buf(bytes);
    const float a = 0.02f * std::sqrt(3.0f);
    constexpr int64_t kBlock = 1 << 16;
    const int64_t blocks = (n + kBlock - 1) / kBlock;
    pool.parallelFor(0, blocks, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
            SplitMix64 rng{seed * 0x100000001b3ull + static_cast<uint64_t>(b)};
            const int64_t e = std::min(n, (b + 1) * kBlock);
            for (int64_t i = b * kBlock; i < e; ++i) {
                const float u = static_cast<float>(rng.next() >> 40) * (1.0f / 16777216.0f);
                const float v = (2.0f * u - 1.0f) * a;
                if (type == DType::F16) {
                    const uint16_t h = f32ToF16(v);
                    std::memcpy(buf.data() + i * 2, &h, 2);
                } else if (type == DType::BF16) {
                    const uint16_t h = f32ToBf16(v);
                    std::memcpy(buf.data() + i * 2, &h, 2);
                } else {
                    std::memcpy(buf.data() + i * 4, &v, 4);
                }
            }
        }
    });
    return Tensor::fromBytes(name, type, std::move(shape), std::move(buf));
}

Tensor ones(const std::string& name, int64_t n) {
    return Tensor::fromF32(name, {n}, std::vector<float>(static_cast<size_t>(n), 1.0f));
}

} // namespace

const std::vector<ModelShape>& knownModelShapes() {
    static const std::vector<ModelShape> shapes = {
        {"tinyllama-1.1b", llamaConfig(2048, 5632, 22, 32, 4, 32000, 2048, false)},
        {"llama2-7b", llamaConfig(4096, 11008, 32, 32, 32, 32000, 4096, false)},
        {"stories110m", llamaConfig(768, 2048, 12, 12, 12, 32000, 1024, true)},
        {"stories15m", llamaConfig(288, 768, 6, 6, 6, 32000, 256, true)},
        {"tiny", llamaConfig(64, 172, 2, 8, 4, 32000, 512, true)},
    };
    return shapes;
}

const ModelShape& findModelShape(const std::string& name) {
    std::string names;
    for (const ModelShape& s : knownModelShapes()) {
        if (s.name == name) return s;
        names += (names.empty() ? "" : ", ") + s.name;
    }
    throw EngineError("--shape", "unknown shape '" + name + "' (known: " + names + ")");
}

Model makeRandomModel(const ModelShape& shape, std::shared_ptr<Tokenizer> tokenizer,
                      uint64_t seed, DType matrixType, int nThreads) {
    const ModelConfig& c = shape.config;
    if (tokenizer && tokenizer->vocabSize() != c.vocabSize)
        throw EngineError("--vocab", "tokenizer has " + std::to_string(tokenizer->vocabSize()) +
                                         " tokens, shape " + shape.name + " needs " +
                                         std::to_string(c.vocabSize));
    ThreadPool pool(nThreads);
    Model m;
    m.config = c;
    m.tokenizer = std::move(tokenizer);
    m.path = "random:" + shape.name;
    m.format = "random";
    m.metadata["general.name"] = "random " + shape.name;
    uint64_t k = seed * 1000;
    auto mat = [&](const std::string& name, int64_t rows, int64_t cols) {
        return randomTensor(name, {rows, cols}, matrixType, ++k, pool);
    };
    m.weights.tokEmbeddings = mat("token_embd.weight", c.vocabSize, c.dim);
    m.weights.layers.resize(static_cast<size_t>(c.nLayers));
    for (int l = 0; l < c.nLayers; ++l) {
        LayerWeights& L = m.weights.layers[static_cast<size_t>(l)];
        const std::string b = "blk." + std::to_string(l) + ".";
        L.attnNorm = ones(b + "attn_norm.weight", c.dim);
        L.wq = mat(b + "attn_q.weight", c.qDim(), c.dim);
        L.wk = mat(b + "attn_k.weight", c.kvDim(), c.dim);
        L.wv = mat(b + "attn_v.weight", c.kvDim(), c.dim);
        L.wo = mat(b + "attn_output.weight", c.dim, c.qDim());
        L.ffnNorm = ones(b + "ffn_norm.weight", c.dim);
        L.wGate = mat(b + "ffn_gate.weight", c.hiddenDim, c.dim);
        L.wUp = mat(b + "ffn_up.weight", c.hiddenDim, c.dim);
        L.wDown = mat(b + "ffn_down.weight", c.dim, c.hiddenDim);
    }
    m.weights.finalNorm = ones("output_norm.weight", c.dim);
    if (!c.tiedEmbeddings) m.weights.output = mat("output.weight", c.vocabSize, c.dim);
    m.validate();
    return m;
}

} // namespace mobi
