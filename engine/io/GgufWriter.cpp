#include "io/GgufWriter.h"

#include "core/Error.h"
#include "core/Half.h"
#include "io/AtomicFileOut.h"
#include "io/GgufFile.h"
#include "io/GgufMetadataBuilder.h"
#include "io/GgufTokenizerKeys.h"
#include "io/RopePermute.h"
#include "io/RoutedGguf.h"
#include "io/SlicedGguf.h"
#include "quant/SlicedModel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace mobi {

namespace {

struct PlannedTensor {
    std::string name;
    Tensor src; // a view of the model's tensor, or an owned permuted copy
    // A dense level of a sliced matrix instead of src's data: row r of the
    // tensor is row rowOrder[r] (r when empty) of level `level` of *sliced.
    const SlicedMatrix* sliced = nullptr;
    int level = 0;
    std::vector<int64_t> rowOrder;
    DType type = DType::F32;
    uint64_t offset = 0;
    uint64_t nbytes = 0;
};

uint32_t fileType(DType t) {
    switch (t) {
    case DType::F32:
        return 0; // LLAMA_FTYPE_ALL_F32
    case DType::F16:
        return 1; // LLAMA_FTYPE_MOSTLY_F16
    case DType::Q8_0:
        return 7; // LLAMA_FTYPE_MOSTLY_Q8_0
    case DType::BF16:
        return 32; // LLAMA_FTYPE_MOSTLY_BF16
    default:
        return 0;
    }
}

// llama.cpp's quantize_row_q8_0_ref: per block of 32, d = max|x| / 127.
void quantizeQ8_0(const float* x, int64_t n, uint8_t* out) {
    for (int64_t b = 0; b < n / 32; ++b) {
        const float* xb = x + b * 32;
        float amax = 0;
        for (int i = 0; i < 32; ++i)
            amax = std::max(amax, std::fabs(xb[i]));
        const float d = amax / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        const uint16_t d16 = f32ToF16(d);
        std::memcpy(out + b * 34, &d16, 2);
        for (int i = 0; i < 32; ++i)
            out[b * 34 + 2 + i] =
                static_cast<uint8_t>(static_cast<int8_t>(std::lround(xb[i] * id)));
    }
}

void encodeRow(const float* row, int64_t cols, DType type, uint8_t* out) {
    switch (type) {
    case DType::F32:
        std::memcpy(out, row, static_cast<size_t>(cols) * 4);
        break;
    case DType::F16:
        for (int64_t i = 0; i < cols; ++i) {
            const uint16_t h = f32ToF16(row[i]);
            std::memcpy(out + 2 * i, &h, 2);
        }
        break;
    case DType::BF16:
        for (int64_t i = 0; i < cols; ++i) {
            const uint16_t h = f32ToBf16(row[i]);
            std::memcpy(out + 2 * i, &h, 2);
        }
        break;
    default: // Q8_0; planTensors admits nothing else
        quantizeQ8_0(row, cols, out);
        break;
    }
}

void writeTensorData(AtomicFileOut& out, const PlannedTensor& t) {
    const Tensor& s = t.src;
    if (!t.sliced && s.dtype == t.type) {
        out.write(s.data, static_cast<size_t>(s.nbytes));
        return;
    }
    const int64_t rows = s.rows(), cols = s.cols();
    std::vector<float> row(static_cast<size_t>(cols));
    std::vector<uint8_t> buf(static_cast<size_t>(dtypeBytes(t.type, static_cast<uint64_t>(cols))));
    for (int64_t r = 0; r < rows; ++r) {
        if (t.sliced)
            t.sliced->dequantizeRow(t.level, t.rowOrder.empty() ? r : t.rowOrder[r], row.data());
        else
            s.rowToF32(r, row.data());
        encodeRow(row.data(), cols, t.type, buf.data());
        out.write(buf.data(), buf.size());
    }
}

// The tensors of a GGUF, in llama.cpp's order, with their types and offsets.
class TensorPlan {
  public:
    TensorPlan(const Model& model, const std::string& path, const GgufWriteOptions& o)
        : model_(model), c_(model.config), path_(path), mt_(o.matrixType), level_(o.denseLevel),
          fileStyle_(c_.arch == "llama" ? RopeStyle::Interleaved : RopeStyle::Half),
          permute_(c_.ropeStyle != fileStyle_) {}

    std::vector<PlannedTensor> build(uint32_t align);

  private:
    Tensor relayout(const Tensor& t, int heads) const {
        if (!permute_ || t.empty()) return t;
        return fileStyle_ == RopeStyle::Interleaved ? ropeHalfToInterleaved(t, heads)
                                                    : ropeInterleavedToHalf(t, heads);
    }
    DType matrixTypeFor(int64_t cols) const {
        return mt_ == DType::Q8_0 && cols % 32 != 0 ? DType::F16 : mt_;
    }
    void add(const std::string& name, const Tensor& t);
    void addRaw(const std::string& name, Tensor t);
    void addSliced(const std::string& base, const SlicedMatrix& m, int heads);
    void addLevel(const std::string& base, const SlicedMatrix& m, int heads);
    // A block linear: dense, as bit-planes, or as a dense level of them.
    void addLinear(const std::string& base, const Tensor& dense, const SlicedMatrix* m, int heads);

    const Model& model_;
    const ModelConfig& c_;
    const std::string& path_;
    DType mt_;
    int level_;
    RopeStyle fileStyle_;
    bool permute_;
    std::vector<PlannedTensor> plan_;
};

void TensorPlan::add(const std::string& name, const Tensor& t) {
    if (t.empty()) return;
    uint64_t need = 0;
    if (t.shape.empty() || t.shape.size() > 4 ||
        !dtypeBytesChecked(t.dtype, static_cast<uint64_t>(t.numel()), need) || need != t.nbytes)
        throw EngineError(path_, "tensor " + name + " (" + t.name + ", shape " + t.shapeString() +
                                     ") is inconsistent with its dtype " + dtypeName(t.dtype));
    PlannedTensor p;
    p.name = name;
    p.src = t;
    p.type = t.shape.size() >= 2 ? matrixTypeFor(t.cols()) : DType::F32;
    if (!dtypeBytesChecked(p.type, static_cast<uint64_t>(t.numel()), p.nbytes))
        throw EngineError(path_, "tensor " + name + " is too large");
    plan_.push_back(std::move(p));
}

void TensorPlan::addRaw(const std::string& name, Tensor t) {
    PlannedTensor p;
    p.name = name;
    p.type = t.dtype;
    p.nbytes = t.nbytes;
    p.src = std::move(t);
    plan_.push_back(std::move(p));
}

// A sliced model stores its block linears as bit-planes (I32 words) and fp16
// scale/min arrays instead of dense matrices.
void TensorPlan::addSliced(const std::string& base, const SlicedMatrix& m, int heads) {
    std::shared_ptr<const void> keep = model_.sliced;
    auto view = [&](const std::string& name, DType dt, int64_t cols, const void* data,
                    uint64_t nbytes) {
        Tensor t;
        t.name = name;
        t.dtype = dt;
        t.shape = {m.rows(), cols};
        t.data = data;
        t.nbytes = nbytes;
        t.owner = keep;
        return heads > 0 ? relayout(t, heads) : t;
    };
    for (int p = 0; p < m.planes(); ++p) {
        // Memory holds the kernels' tiled order; the file the row-major one.
        auto file = std::make_shared<const std::vector<uint64_t>>(m.filePlane(p));
        const std::shared_ptr<const void> sliced = keep;
        keep = file;
        addRaw(slicedPlaneName(base, p), view(slicedPlaneName(base, p), DType::I32,
                                              2 * m.wordsPerRow(), file->data(), m.planeBytes()));
        keep = sliced;
    }
    for (int sl = 0; sl < m.scaledSlices(); ++sl) {
        addRaw(slicedScaleName(base, sl), view(slicedScaleName(base, sl), DType::F16,
                                               m.groupsPerRow(), m.scales(sl), m.scaleBytes()));
        addRaw(slicedMinName(base, sl), view(slicedMinName(base, sl), DType::F16, m.groupsPerRow(),
                                             m.mins(sl), m.scaleBytes()));
    }
}

// Rows are dequantized while the file is written: no dense copy in memory.
void TensorPlan::addLevel(const std::string& base, const SlicedMatrix& m, int heads) {
    PlannedTensor p;
    p.name = base + ".weight";
    p.src.name = m.name();
    p.src.shape = {m.rows(), m.cols()};
    p.sliced = &m;
    p.level = level_;
    if (heads > 0 && permute_)
        p.rowOrder = ropeRowOrder(m.rows(), heads, fileStyle_ == RopeStyle::Interleaved, p.name);
    p.type = matrixTypeFor(m.cols());
    if (!dtypeBytesChecked(p.type, static_cast<uint64_t>(m.rows() * m.cols()), p.nbytes))
        throw EngineError(path_, "tensor " + p.name + " is too large");
    plan_.push_back(std::move(p));
}

void TensorPlan::addLinear(const std::string& base, const Tensor& dense, const SlicedMatrix* m,
                           int heads) {
    if (!m)
        add(base + ".weight", heads > 0 ? relayout(dense, heads) : dense);
    else if (level_ > 0)
        addLevel(base, *m, heads);
    else
        addSliced(base, *m, heads);
}

std::vector<PlannedTensor> TensorPlan::build(uint32_t align) {
    const ModelWeights& w = model_.weights;
    const SlicedModel* sm = model_.sliced.get();
    add("token_embd.weight", w.tokEmbeddings);
    add("output_norm.weight", w.finalNorm);
    if (!c_.tiedEmbeddings) add("output.weight", w.output);
    for (size_t l = 0; l < w.layers.size(); ++l) {
        const LayerWeights& L = w.layers[l];
        const SlicedLayer* S = sm ? &sm->layers[l] : nullptr;
        const std::string b = "blk." + std::to_string(l) + ".";
        add(b + "attn_norm.weight", L.attnNorm);
        addLinear(b + "attn_q", L.wq, S ? &S->wq : nullptr, c_.nHeads);
        addLinear(b + "attn_k", L.wk, S ? &S->wk : nullptr, c_.nKvHeads);
        addLinear(b + "attn_v", L.wv, S ? &S->wv : nullptr, 0);
        addLinear(b + "attn_output", L.wo, S ? &S->wo : nullptr, 0);
        add(b + "attn_q.bias", relayout(L.bq, c_.nHeads));
        add(b + "attn_k.bias", relayout(L.bk, c_.nKvHeads));
        add(b + "attn_v.bias", L.bv);
        add(b + "attn_q_norm.weight", relayout(L.qNorm, 1));
        add(b + "attn_k_norm.weight", relayout(L.kNorm, 1));
        add(b + "ffn_norm.weight", L.ffnNorm);
        addLinear(b + "ffn_gate", L.wGate, S ? &S->wGate : nullptr, 0);
        addLinear(b + "ffn_up", L.wUp, S ? &S->wUp : nullptr, 0);
        addLinear(b + "ffn_down", L.wDown, S ? &S->wDown : nullptr, 0);
    }
    if (model_.routers && level_ == 0) {
        if (!sm) throw EngineError(path_, "routers need a sliced model");
        model_.routers->validate(c_, sm->config, path_);
        for (Tensor& t : routerTensors(*model_.routers)) {
            const std::string name = t.name;
            addRaw(name, std::move(t));
        }
    }
    uint64_t offset = 0;
    for (PlannedTensor& p : plan_) {
        p.offset = offset;
        offset += (p.nbytes + align - 1) / align * align;
    }
    return std::move(plan_);
}

// mobiscope.agent.* keys of the model (the agent prompt format survives
// slice, route calibrate and convert), then the caller's extra string keys.
void putExtraStrings(GgufMetadataBuilder& md, const Model& model, const GgufWriteOptions& options,
                     const std::string& path) {
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& [key, value] : model.metadata)
        if (key.rfind("mobiscope.agent.", 0) == 0) keys.emplace_back(key, value);
    for (const auto& kv : options.extraStrings) {
        const std::string& key = kv.first;
        for (const std::string& prefix :
             {std::string("general."), std::string("tokenizer."), model.config.arch + ".",
              std::string("mobiquant."), std::string("mobiroute.")})
            if (key.rfind(prefix, 0) == 0 || key.empty())
                throw EngineError(path, "metadata key '" + key +
                                            "' is reserved (the writer sets " + prefix + "*)");
        auto same = [&](const auto& e) { return e.first == key; };
        keys.erase(std::remove_if(keys.begin(), keys.end(), same), keys.end());
        keys.push_back(kv);
    }
    for (const auto& [key, value] : keys)
        md.putString(key, value);
}

void putArchitectureKeys(GgufMetadataBuilder& md, const Model& model, DType mt, uint32_t align) {
    const ModelConfig& c = model.config;
    const std::string& a = c.arch;
    md.putString("general.architecture", a);
    auto nameIt = model.metadata.find("general.name");
    md.putString("general.name", nameIt != model.metadata.end()
                                     ? nameIt->second
                                     : std::filesystem::path(model.path).stem().string());
    md.putU32("general.alignment", align);
    md.putU32("general.file_type", fileType(mt));
    // A context length is required by readers; 2048 when the source had none.
    md.putU32(a + ".context_length", static_cast<uint32_t>(c.seqLen > 0 ? c.seqLen : 2048));
    md.putU32(a + ".embedding_length", static_cast<uint32_t>(c.dim));
    md.putU32(a + ".block_count", static_cast<uint32_t>(c.nLayers));
    md.putU32(a + ".feed_forward_length", static_cast<uint32_t>(c.hiddenDim));
    md.putU32(a + ".attention.head_count", static_cast<uint32_t>(c.nHeads));
    md.putU32(a + ".attention.head_count_kv", static_cast<uint32_t>(c.nKvHeads));
    md.putU32(a + ".attention.key_length", static_cast<uint32_t>(c.headDim));
    md.putU32(a + ".attention.value_length", static_cast<uint32_t>(c.headDim));
    md.putU32(a + ".rope.dimension_count", static_cast<uint32_t>(c.headDim));
    md.putF32(a + ".attention.layer_norm_rms_epsilon", c.rmsEps);
    md.putF32(a + ".rope.freq_base", c.ropeTheta);
    if (c.ropeScale != 1.0f) {
        md.putString(a + ".rope.scaling.type", "linear");
        md.putF32(a + ".rope.scaling.factor", c.ropeScale);
    }
}

// mobiquant.* / mobiroute.*: what only mobiscope reads.
void putSlicedKeys(GgufMetadataBuilder& md, const Model& model) {
    const SlicedModel& sm = *model.sliced;
    md.putU32("mobiquant.version", kMobiquantVersion);
    md.putI32Array("mobiquant.slice_bits", sm.config.sliceBits);
    md.putU32("mobiquant.group_size", static_cast<uint32_t>(sm.config.groupSize));
    md.putString("mobiquant.mode", sliceModeName(sm.config.mode));
    md.putString("mobiquant.source_hash", sm.sourceHash);
    if (!model.routers) return;
    const RouterSet& r = *model.routers;
    md.putU32("mobiroute.version", kMobirouteVersion);
    md.putI32Array("mobiroute.level_bits", r.levelBits);
    md.putU32("mobiroute.hidden", static_cast<uint32_t>(r.routers.front().hidden));
    md.putU32("mobiroute.calibration_tokens", static_cast<uint32_t>(r.calibrationTokens));
    md.putString("mobiroute.objective", r.objective);
    md.putString("mobiroute.granularity", routeGranularityName(r.granularity));
}

void writeFile(const std::string& path, const GgufMetadataBuilder& md,
               const std::vector<PlannedTensor>& plan, uint32_t align) {
    GgufMetadataBuilder head;
    head.pod(static_cast<uint32_t>(3));
    head.pod(static_cast<uint64_t>(plan.size()));
    head.pod(md.count());
    GgufMetadataBuilder ti;
    for (const PlannedTensor& p : plan) {
        ti.str(p.name);
        ti.pod(static_cast<uint32_t>(p.src.shape.size()));
        for (size_t d = p.src.shape.size(); d-- > 0;)
            ti.pod(static_cast<uint64_t>(p.src.shape[d]));
        ti.pod(*dtypeToGgmlType(p.type));
        ti.pod(p.offset);
    }
    AtomicFileOut out(path);
    out.write("GGUF", 4);
    out.write(head.bytes().data(), head.bytes().size());
    out.write(md.bytes().data(), md.bytes().size());
    out.write(ti.bytes().data(), ti.bytes().size());
    out.padTo(align);
    const uint64_t dataStart = out.pos();
    for (const PlannedTensor& p : plan) {
        if (out.pos() != dataStart + p.offset) throw EngineError(path, "internal layout error");
        writeTensorData(out, p);
        out.padTo(align);
    }
    out.commit();
}

void checkOptions(const Model& model, const std::string& path, const GgufWriteOptions& o) {
    const ModelConfig& c = model.config;
    if (c.arch != "llama" && c.arch != "qwen2" && c.arch != "qwen3")
        throw UnsupportedError(path, "cannot write architecture '" + c.arch +
                                         "' (supported: llama, qwen2, qwen3)");
    const uint32_t align = o.alignment;
    if (align == 0 || (align & (align - 1)) != 0 || align > (1u << 30))
        throw EngineError(path,
                          "GGUF alignment " + std::to_string(align) + " is not a power of two");
    const DType mt = o.matrixType;
    if (mt != DType::F32 && mt != DType::F16 && mt != DType::BF16 && mt != DType::Q8_0)
        throw UnsupportedError(path, std::string("cannot write matrices as ") + dtypeName(mt) +
                                         " (supported: F32, F16, BF16, Q8_0)");
    const SlicedModel* sm = model.sliced.get();
    if (sm && sm->layers.size() != model.weights.layers.size())
        throw EngineError(path, "sliced model has " + std::to_string(sm->layers.size()) +
                                    " blocks, the model " +
                                    std::to_string(model.weights.layers.size()));
    if (o.denseLevel != 0 && !sm)
        throw EngineError(path, "a dense level (" + std::to_string(o.denseLevel) +
                                    ") needs a sliced model; " + model.path + " is not sliced");
    if (sm && (o.denseLevel < 0 || o.denseLevel > sm->levels()))
        throw EngineError(path, "level " + std::to_string(o.denseLevel) +
                                    " does not exist (levels 1.." + std::to_string(sm->levels()) +
                                    ")");
}

} // namespace

void saveGguf(const Model& model, const std::string& path, const GgufWriteOptions& options) {
    checkOptions(model, path, options);
    const std::vector<PlannedTensor> plan =
        TensorPlan(model, path, options).build(options.alignment);
    GgufMetadataBuilder md;
    putArchitectureKeys(md, model, options.matrixType, options.alignment);
    putExtraStrings(md, model, options, path);
    if (model.sliced && options.denseLevel == 0) putSlicedKeys(md, model);
    if (model.tokenizer) putTokenizerKeys(md, *model.tokenizer);
    writeFile(path, md, plan, options.alignment);
}

} // namespace mobi
