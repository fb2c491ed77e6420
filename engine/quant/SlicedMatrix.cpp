#include "quant/SlicedMatrix.h"

#include "core/Error.h"
#include "core/Half.h"
#include "core/ThreadPool.h"
#include "quant/GroupFit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace mobi {

namespace {

// Slice 1 of a nested group chosen for all levels: every clipping candidate
// is refined through all slices exactly as quantizeRows does, and the one
// with the smallest sum_k 4^(B_k - b_1) * weighted SSE_k wins.
GroupFit fitNestedAllLevels(const float* v, const float* wt, int n, const SliceConfig& cfg,
                            const char* where) {
    thread_local std::vector<GroupFit> cands;
    thread_local std::vector<float> recon, resid;
    thread_local std::vector<uint8_t> codes;
    recon.resize(static_cast<size_t>(n));
    resid.resize(static_cast<size_t>(n));
    codes.resize(static_cast<size_t>(n));
    const int b1 = cfg.sliceBits[0];
    clipCandidates(v, n, b1, cfg.clipSteps, cfg.clipMin, cands, where);
    GroupFit best;
    double bestObj = 0.0;
    bool have = false;
    for (const GroupFit& c : cands) {
        std::fill(recon.begin(), recon.end(), 0.0f);
        std::copy(v, v + n, resid.begin());
        float scale = c.scale, min = c.min;
        double obj = 0.0;
        int B = 0;
        for (int i = 0; i < cfg.levels(); ++i) {
            const int b = cfg.sliceBits[static_cast<size_t>(i)];
            B += b;
            if (i > 0) {
                scale = scale / static_cast<float>(1 << b);
                min = -scale * static_cast<float>((1 << b) - 1) * 0.5f;
            }
            quantizeToGrid(resid.data(), n, b, scale, min, codes.data());
            double e = 0.0;
            for (int j = 0; j < n; ++j) {
                recon[j] += min + scale * static_cast<float>(codes[j]);
                resid[j] = v[j] - recon[j];
                const double d = static_cast<double>(resid[j]) * resid[j];
                e += wt ? wt[j] * d : d;
            }
            obj += std::ldexp(e, 2 * (B - b1));
        }
        if (!have || obj < bestObj) {
            best = c;
            bestObj = obj;
            have = true;
        }
    }
    return best;
}

struct OwnedStorage {
    std::vector<uint64_t> planes;
    std::vector<uint16_t> scales, mins;
};

} // namespace

void SlicedMatrix::checkLevel(int k) const {
    if (k < 1 || k > levels())
        throw EngineError(name_, "level " + std::to_string(k) + " out of range 1.." +
                                     std::to_string(levels()));
}

void SlicedMatrix::setTiledPlanes(const std::vector<const uint64_t*>& fileOrder) {
    const int64_t W32 = 2 * wordsPerRow_;
    const size_t perPlane = static_cast<size_t>(tiledRows() * W32);
    // 64-byte aligned (perPlane is a multiple of 16 words): a tile's word
    // block is one cache line.
    auto t = std::make_shared<std::vector<uint32_t>>(perPlane * fileOrder.size() + 15, 0u);
    const size_t lead = (16 - (reinterpret_cast<uintptr_t>(t->data()) / 4) % 16) % 16;
    planes_.clear();
    for (size_t p = 0; p < fileOrder.size(); ++p) {
        uint32_t* dst = t->data() + lead + p * perPlane;
        const uint64_t* src = fileOrder[p];
        for (int64_t r = 0; r < rows_; ++r) {
            uint32_t* d = dst + (r / kTileRows) * W32 * kTileRows + r % kTileRows;
            const uint64_t* s = src + r * wordsPerRow_;
            for (int64_t w = 0; w < wordsPerRow_; ++w) {
                d[(2 * w) * kTileRows] = static_cast<uint32_t>(s[w]);
                d[(2 * w + 1) * kTileRows] = static_cast<uint32_t>(s[w] >> 32);
            }
        }
        planes_.push_back(dst);
    }
    tiled_ = t;
}

std::vector<uint64_t> SlicedMatrix::filePlane(int p) const {
    std::vector<uint64_t> out(static_cast<size_t>(rows_ * wordsPerRow_));
    for (int64_t r = 0; r < rows_; ++r)
        for (int64_t w = 0; w < wordsPerRow_; ++w)
            out[static_cast<size_t>(r * wordsPerRow_ + w)] =
                planeWord32(p, r, 2 * w) | (uint64_t(planeWord32(p, r, 2 * w + 1)) << 32);
    return out;
}

void SlicedMatrix::allocateOwned() {
    auto st = std::make_shared<OwnedStorage>();
    const size_t planeWords = static_cast<size_t>(rows_ * wordsPerRow_);
    const size_t nScaled = cfg_.mode == SliceMode::Nested ? 1 : cfg_.sliceBits.size();
    const size_t nGroups = static_cast<size_t>(rows_ * groupsPerRow_);
    st->planes.assign(planeWords * static_cast<size_t>(planes()), 0);
    st->scales.assign(nGroups * nScaled, 0);
    st->mins.assign(nGroups * nScaled, 0);
    planes_.clear();
    scales_.clear();
    mins_.clear();
    for (size_t s = 0; s < nScaled; ++s) {
        scales_.push_back(st->scales.data() + s * nGroups);
        mins_.push_back(st->mins.data() + s * nGroups);
    }
    owner_ = st;
}

SlicedMatrix SlicedMatrix::quantize(const Tensor& src, const SliceConfig& cfg,
                                    const std::vector<float>* colImportance, ThreadPool* pool) {
    if (src.shape.size() != 2 || src.shape[0] <= 0 || src.shape[1] <= 0)
        throw UnsupportedError(src.name, "cannot slice a tensor of shape " + src.shapeString() +
                                             " (expected a non-empty 2-D weight matrix)");
    const Tensor* t = &src;
    // Rows are decoded on the fly so a big matrix never exists twice in F32.
    return quantizeRows([t](int64_t r, float* out) { t->rowToF32(r, out); }, src.shape[0],
                        src.shape[1], cfg, src.name, colImportance, pool);
}

SlicedMatrix SlicedMatrix::quantize(const float* src, int64_t rows, int64_t cols,
                                    const SliceConfig& cfg, const std::string& name,
                                    const std::vector<float>* colImportance, ThreadPool* pool) {
    return quantizeRows(
        [src, cols](int64_t r, float* out) {
            std::copy(src + r * cols, src + (r + 1) * cols, out);
        },
        rows, cols, cfg, name, colImportance, pool);
}

SlicedMatrix SlicedMatrix::quantizeRows(const std::function<void(int64_t, float*)>& rowSource,
                                        int64_t rows, int64_t cols, const SliceConfig& cfg,
                                        const std::string& name,
                                        const std::vector<float>* colImportance, ThreadPool* pool) {
    cfg.validate(name);
    if (rows <= 0 || cols <= 0 || rows > (int64_t(1) << 40) / cols)
        throw UnsupportedError(name, "cannot slice a matrix of " + std::to_string(rows) + " x " +
                                         std::to_string(cols));
    if (colImportance && static_cast<int64_t>(colImportance->size()) != cols)
        throw EngineError(name, "activation statistics have " +
                                    std::to_string(colImportance->size()) +
                                    " columns, the matrix has " + std::to_string(cols));
    if (colImportance)
        for (float v : *colImportance)
            if (!(v >= 0.0f) || !std::isfinite(v))
                throw EngineError(name, "activation statistics must be finite and non-negative");

    SlicedMatrix m;
    m.name_ = name;
    m.cfg_ = cfg;
    m.rows_ = rows;
    m.cols_ = cols;
    m.wordsPerRow_ = (cols + 63) / 64;
    m.groupsPerRow_ = (cols + cfg.groupSize - 1) / cfg.groupSize;
    m.allocateOwned();
    auto* st = static_cast<OwnedStorage*>(const_cast<void*>(m.owner_.get()));

    const int K = cfg.levels();
    const int G = cfg.groupSize;
    const size_t planeWords = static_cast<size_t>(rows * m.wordsPerRow_);
    const size_t nGroups = static_cast<size_t>(rows * m.groupsPerRow_);
    std::vector<double> errSum(static_cast<size_t>(K), 0.0);
    double srcSum = 0.0;
    std::mutex mu;

    auto work = [&](int64_t r0, int64_t r1) {
        std::vector<float> row(static_cast<size_t>(cols)), recon(static_cast<size_t>(G)),
            resid(static_cast<size_t>(G));
        std::vector<uint8_t> codes(static_cast<size_t>(G)), scratch(static_cast<size_t>(G));
        std::vector<double> err(static_cast<size_t>(K), 0.0);
        double ssum = 0.0;
        for (int64_t r = r0; r < r1; ++r) {
            rowSource(r, row.data());
            for (int64_t g = 0; g < m.groupsPerRow_; ++g) {
                const int64_t c0 = g * G;
                const int n = static_cast<int>(std::min<int64_t>(G, cols - c0));
                const float* v = row.data() + c0;
                const float* wt = colImportance ? colImportance->data() + c0 : nullptr;
                const size_t gi = static_cast<size_t>(r * m.groupsPerRow_ + g);
                std::fill(recon.begin(), recon.begin() + n, 0.0f);
                std::copy(v, v + n, resid.begin());
                for (int j = 0; j < n; ++j)
                    ssum += static_cast<double>(v[j]) * v[j];
                float prevScale = 0.0f;
                for (int i = 0; i < K; ++i) {
                    const int b = cfg.sliceBits[static_cast<size_t>(i)];
                    float scale, min;
                    if (i == 0 || cfg.mode == SliceMode::Residual) {
                        GroupFit extra, *extraPtr = nullptr;
                        if (i > 0) {
                            extra.scale = prevScale / static_cast<float>(1 << b);
                            extra.min = -extra.scale * static_cast<float>((1 << b) - 1) * 0.5f;
                            extraPtr = &extra;
                        }
                        GroupFit f;
                        if (i == 0 && cfg.mode == SliceMode::Nested && K > 1 &&
                            cfg.clipObjective == SliceConfig::ClipObjective::AllLevels) {
                            f = fitNestedAllLevels(resid.data(), wt, n, cfg, name.c_str());
                            quantizeToGrid(resid.data(), n, b, f.scale, f.min, codes.data());
                        } else {
                            f = fitGroup(resid.data(), wt, n, b, cfg.clipSteps, cfg.clipMin,
                                         extraPtr, codes.data(), scratch.data(), name.c_str());
                        }
                        const size_t s = static_cast<size_t>(i) * nGroups + gi;
                        st->scales[s] = f.scaleF16;
                        st->mins[s] = f.minF16;
                        scale = f.scale;
                        min = f.min;
                    } else {
                        scale = prevScale / static_cast<float>(1 << b);
                        min = -scale * static_cast<float>((1 << b) - 1) * 0.5f;
                        quantizeToGrid(resid.data(), n, b, scale, min, codes.data());
                    }
                    prevScale = scale;
                    // Codes go MSB first into the slice's planes.
                    const int p0 = cfg.firstPlane(i);
                    for (int j = 0; j < n; ++j) {
                        const int64_t col = c0 + j;
                        const uint64_t bit = uint64_t(1) << (col & 63);
                        const size_t w = static_cast<size_t>(r * m.wordsPerRow_ + (col >> 6));
                        for (int q = 0; q < b; ++q)
                            if ((codes[j] >> (b - 1 - q)) & 1)
                                st->planes[static_cast<size_t>(p0 + q) * planeWords + w] |= bit;
                    }
                    double e = 0.0;
                    for (int j = 0; j < n; ++j) {
                        recon[j] += min + scale * static_cast<float>(codes[j]);
                        resid[j] = v[j] - recon[j];
                        e += static_cast<double>(resid[j]) * resid[j];
                    }
                    err[static_cast<size_t>(i)] += e;
                }
            }
        }
        std::lock_guard<std::mutex> lock(mu);
        for (int i = 0; i < K; ++i)
            errSum[static_cast<size_t>(i)] += err[static_cast<size_t>(i)];
        srcSum += ssum;
    };
    if (pool && pool->size() > 1)
        pool->parallelFor(0, rows, work);
    else
        work(0, rows);

    {
        std::vector<const uint64_t*> fileOrder;
        for (int p = 0; p < m.planes(); ++p)
            fileOrder.push_back(st->planes.data() + static_cast<size_t>(p) * planeWords);
        m.setTiledPlanes(fileOrder);
        std::vector<uint64_t>().swap(st->planes);
    }
    m.levelError_.resize(static_cast<size_t>(K));
    for (int i = 0; i < K; ++i)
        m.levelError_[static_cast<size_t>(i)] =
            srcSum > 0.0 ? std::sqrt(errSum[static_cast<size_t>(i)] / srcSum)
                         : std::sqrt(errSum[static_cast<size_t>(i)]);
    return m;
}

SlicedMatrix SlicedMatrix::fromTensors(const SliceConfig& cfg, int64_t rows, int64_t cols,
                                       const std::vector<Tensor>& planes,
                                       const std::vector<Tensor>& scales,
                                       const std::vector<Tensor>& mins, const std::string& name) {
    try {
        cfg.validate(name);
    } catch (const EngineError& e) {
        throw FormatError(name, e.problem());
    }
    if (rows <= 0 || cols <= 0 || rows > (int64_t(1) << 40) / cols)
        throw FormatError(name, "invalid sliced matrix shape " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
    SlicedMatrix m;
    m.name_ = name;
    m.cfg_ = cfg;
    m.rows_ = rows;
    m.cols_ = cols;
    m.wordsPerRow_ = (cols + 63) / 64;
    m.groupsPerRow_ = (cols + cfg.groupSize - 1) / cfg.groupSize;
    const size_t nScaled = cfg.mode == SliceMode::Nested ? 1 : cfg.sliceBits.size();
    if (planes.size() != static_cast<size_t>(cfg.totalBits()))
        throw FormatError(name, "has " + std::to_string(planes.size()) + " bit-planes, slices " +
                                    cfg.sliceBitsString() + " need " +
                                    std::to_string(cfg.totalBits()));
    if (scales.size() != nScaled || mins.size() != nScaled)
        throw FormatError(name, "has " + std::to_string(scales.size()) + " scale and " +
                                    std::to_string(mins.size()) + " min arrays, " +
                                    sliceModeName(cfg.mode) + " mode needs " +
                                    std::to_string(nScaled));
    auto owners = std::make_shared<std::vector<std::shared_ptr<const void>>>();
    std::vector<const uint64_t*> filePlanes;
    for (size_t p = 0; p < planes.size(); ++p) {
        const Tensor& t = planes[p];
        if (t.data == nullptr || t.nbytes < m.planeBytes())
            throw FormatError(name, "bit-plane " + std::to_string(p) + " has " +
                                        std::to_string(t.nbytes) + " bytes, needs " +
                                        std::to_string(m.planeBytes()));
        if (reinterpret_cast<uintptr_t>(t.data) % 8 != 0)
            throw FormatError(name, "bit-plane " + std::to_string(p) + " is not 8-byte aligned");
        filePlanes.push_back(static_cast<const uint64_t*>(t.data));
    }
    m.setTiledPlanes(filePlanes);
    for (size_t s = 0; s < nScaled; ++s) {
        for (const Tensor* t : {&scales[s], &mins[s]}) {
            if (t->data == nullptr || t->nbytes < m.scaleBytes())
                throw FormatError(name, "scale/min array of slice " + std::to_string(s + 1) +
                                            " has " + std::to_string(t->nbytes) + " bytes, needs " +
                                            std::to_string(m.scaleBytes()));
            if (reinterpret_cast<uintptr_t>(t->data) % 2 != 0)
                throw FormatError(name, "scale/min array is not 2-byte aligned");
            owners->push_back(t->owner);
        }
        m.scales_.push_back(static_cast<const uint16_t*>(scales[s].data));
        m.mins_.push_back(static_cast<const uint16_t*>(mins[s].data));
    }
    m.owner_ = owners;
    m.levelError_.assign(static_cast<size_t>(cfg.levels()),
                         std::numeric_limits<double>::quiet_NaN());
    return m;
}

uint64_t SlicedMatrix::levelBytes(int k) const {
    checkLevel(k);
    const int nScaled = cfg_.mode == SliceMode::Nested ? 1 : k;
    return planeBytes() * static_cast<uint64_t>(cfg_.bitsForLevel(k)) +
           2 * scaleBytes() * static_cast<uint64_t>(nScaled);
}

double SlicedMatrix::effectiveBits(int k) const {
    checkLevel(k);
    const int nScaled = cfg_.mode == SliceMode::Nested ? 1 : k;
    const double n = static_cast<double>(rows_) * static_cast<double>(cols_);
    const double overhead = 32.0 * static_cast<double>(rows_ * groupsPerRow_) * nScaled;
    return cfg_.bitsForLevel(k) + overhead / n;
}

void SlicedMatrix::sliceScaleMin(int slice, int64_t row, int64_t group, float& scale,
                                 float& min) const {
    const size_t gi = static_cast<size_t>(row * groupsPerRow_ + group);
    if (cfg_.mode == SliceMode::Residual) {
        scale = f16ToF32(scales_[static_cast<size_t>(slice)][gi]);
        min = f16ToF32(mins_[static_cast<size_t>(slice)][gi]);
        return;
    }
    scale = f16ToF32(scales_[0][gi]);
    min = f16ToF32(mins_[0][gi]);
    for (int i = 1; i <= slice; ++i) {
        const int b = cfg_.sliceBits[static_cast<size_t>(i)];
        scale = scale / static_cast<float>(1 << b);
        min = -scale * static_cast<float>((1 << b) - 1) * 0.5f;
    }
}

int SlicedMatrix::code(int slice, int64_t row, int64_t col) const {
    const int b = cfg_.sliceBits[static_cast<size_t>(slice)];
    const int p0 = cfg_.firstPlane(slice);
    int c = 0;
    for (int q = 0; q < b; ++q)
        c = (c << 1) | static_cast<int>((planeWord32(p0 + q, row, col >> 5) >> (col & 31)) & 1);
    return c;
}

void SlicedMatrix::dequantizeRow(int k, int64_t r, float* out) const {
    checkLevel(k);
    if (r < 0 || r >= rows_) throw EngineError(name_, "row " + std::to_string(r) + " out of range");
    std::fill(out, out + cols_, 0.0f);
    const int G = cfg_.groupSize;
    for (int64_t g = 0; g < groupsPerRow_; ++g) {
        const int64_t c0 = g * G, c1 = std::min<int64_t>(cols_, c0 + G);
        for (int i = 0; i < k; ++i) {
            float scale, min;
            sliceScaleMin(i, r, g, scale, min);
            for (int64_t j = c0; j < c1; ++j)
                out[j] += min + scale * static_cast<float>(code(i, r, j));
        }
    }
}

std::vector<float> SlicedMatrix::dequantizeLevel(int k) const {
    checkLevel(k);
    std::vector<float> out(static_cast<size_t>(rows_ * cols_));
    for (int64_t r = 0; r < rows_; ++r)
        dequantizeRow(k, r, out.data() + r * cols_);
    return out;
}

double SlicedMatrix::reconstructionError(int k) const {
    checkLevel(k);
    return levelError_[static_cast<size_t>(k - 1)];
}

double SlicedMatrix::errorAgainst(int k, const Tensor& src) const {
    checkLevel(k);
    if (src.rows() != rows_ || src.cols() != cols_)
        throw EngineError(name_, "source " + src.name + " has shape " + src.shapeString() +
                                     ", the sliced matrix is " + std::to_string(rows_) + " x " +
                                     std::to_string(cols_));
    std::vector<float> a(static_cast<size_t>(cols_)), b(static_cast<size_t>(cols_));
    double e = 0.0, s = 0.0;
    for (int64_t r = 0; r < rows_; ++r) {
        src.rowToF32(r, a.data());
        dequantizeRow(k, r, b.data());
        for (int64_t j = 0; j < cols_; ++j) {
            const double d = static_cast<double>(a[j]) - b[j];
            e += d * d;
            s += static_cast<double>(a[j]) * a[j];
        }
    }
    return s > 0.0 ? std::sqrt(e / s) : std::sqrt(e);
}

} // namespace mobi
