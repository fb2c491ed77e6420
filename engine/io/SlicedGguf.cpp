#include "io/SlicedGguf.h"

#include "core/Error.h"
#include "io/GgufFile.h"

namespace mobi {

std::string slicedPlaneName(const std::string& base, int plane) {
    return base + ".plane." + std::to_string(plane);
}
std::string slicedScaleName(const std::string& base, int slice) {
    return base + ".scale." + std::to_string(slice);
}
std::string slicedMinName(const std::string& base, int slice) {
    return base + ".min." + std::to_string(slice);
}

bool hasSlicedMetadata(const GgufFile& f) {
    for (const std::string& k : f.keys())
        if (k.rfind("mobiquant.", 0) == 0) return true;
    return false;
}

bool isSlicedTensorName(const std::string& n) {
    return n.find(".plane.") != std::string::npos || n.find(".scale.") != std::string::npos ||
           n.find(".min.") != std::string::npos;
}

std::shared_ptr<const SlicedModel> readSlicedModel(const GgufFile& f, const ModelConfig& c,
                                                   std::set<std::string>& used) {
    const std::string& path = f.path();
    if (!f.has("mobiquant.version"))
        throw FormatError(path, "has mobiquant metadata but no mobiquant.version");
    const int64_t version = f.getInt("mobiquant.version");
    if (version < 1) throw FormatError(path, "mobiquant.version " + std::to_string(version));
    if (version > kMobiquantVersion)
        throw UnsupportedError(path, "mobiquant.version " + std::to_string(version) +
                                         " is newer than this reader (" +
                                         std::to_string(kMobiquantVersion) + ")");
    auto sm = std::make_shared<SlicedModel>();
    SliceConfig& cfg = sm->config;
    const std::vector<int32_t> bits = f.getI32Array("mobiquant.slice_bits");
    if (bits.empty() || bits.size() > static_cast<size_t>(SliceConfig::kMaxTotalBits))
        throw FormatError(path, "mobiquant.slice_bits has " + std::to_string(bits.size()) +
                                    " entries (1.." + std::to_string(SliceConfig::kMaxTotalBits) +
                                    " allowed)");
    cfg.sliceBits.assign(bits.begin(), bits.end());
    const int64_t group = f.getInt("mobiquant.group_size");
    if (group < 1 || group > (1 << 20))
        throw FormatError(path,
                          "mobiquant.group_size " + std::to_string(group) + " is out of range");
    cfg.groupSize = static_cast<int>(group);
    try {
        cfg.mode = parseSliceMode(f.getString("mobiquant.mode"), "mobiquant.mode");
        cfg.validate("mobiquant");
    } catch (const FormatError&) {
        throw;
    } catch (const EngineError& e) {
        throw FormatError(path, e.where() + ": " + e.problem());
    }
    sm->sourceHash = f.getString("mobiquant.source_hash", "");
    if (sm->sourceHash.size() > 64)
        throw FormatError(path, "mobiquant.source_hash is longer than 64 characters");

    const int nScaled = cfg.mode == SliceMode::Nested ? 1 : cfg.levels();
    auto need = [&](const std::string& name, DType dt, int64_t rows, int64_t cols) {
        const GgufTensorInfo* ti = f.findTensor(name);
        if (!ti) throw FormatError(path, "sliced tensor " + name + " is missing");
        if (ti->dtype != dt || ti->shape != std::vector<int64_t>{rows, cols}) {
            Tensor want;
            want.shape = {rows, cols};
            Tensor got;
            got.shape = ti->shape;
            throw FormatError(path, "sliced tensor " + name + " is " + dtypeName(ti->dtype) + " " +
                                        got.shapeString() + ", expected " + dtypeName(dt) + " " +
                                        want.shapeString());
        }
        used.insert(name);
        return f.tensor(*ti);
    };
    auto read = [&](const std::string& base, int64_t rows, int64_t cols) {
        const int64_t words = (cols + 63) / 64;
        const int64_t groups = (cols + cfg.groupSize - 1) / cfg.groupSize;
        std::vector<Tensor> planes, scales, mins;
        for (int p = 0; p < cfg.totalBits(); ++p)
            planes.push_back(need(slicedPlaneName(base, p), DType::I32, rows, 2 * words));
        for (int s = 0; s < nScaled; ++s) {
            scales.push_back(need(slicedScaleName(base, s), DType::F16, rows, groups));
            mins.push_back(need(slicedMinName(base, s), DType::F16, rows, groups));
        }
        try {
            return SlicedMatrix::fromTensors(cfg, rows, cols, planes, scales, mins, base);
        } catch (const EngineError& e) {
            throw FormatError(path, e.where() + ": " + e.problem());
        }
    };
    const int64_t d = c.dim, h = c.hiddenDim, q = c.qDim(), kv = c.kvDim();
    sm->layers.resize(static_cast<size_t>(c.nLayers));
    for (int l = 0; l < c.nLayers; ++l) {
        SlicedLayer& S = sm->layers[static_cast<size_t>(l)];
        const std::string b = "blk." + std::to_string(l) + ".";
        S.wq = read(b + "attn_q", q, d);
        S.wk = read(b + "attn_k", kv, d);
        S.wv = read(b + "attn_v", kv, d);
        S.wo = read(b + "attn_output", d, q);
        S.wGate = read(b + "ffn_gate", h, d);
        S.wUp = read(b + "ffn_up", h, d);
        S.wDown = read(b + "ffn_down", d, h);
    }
    return sm;
}

} // namespace mobi
