#include "quant/RtnQuantizer.h"

#include "core/Error.h"
#include "core/Half.h"
#include "core/ThreadPool.h"
#include "quant/GroupFit.h"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace mobi {

RtnQuantizer RtnQuantizer::quantize(const Tensor& src, const Options& opt,
                                    const std::vector<float>* colImportance, ThreadPool* pool) {
    if (src.shape.size() != 2 || src.shape[0] <= 0 || src.shape[1] <= 0)
        throw UnsupportedError(src.name, "cannot quantize a tensor of shape " + src.shapeString() +
                                             " (expected a non-empty 2-D weight matrix)");
    const Tensor* t = &src;
    return quantizeRows([t](int64_t r, float* out) { t->rowToF32(r, out); }, src.shape[0],
                        src.shape[1], opt, src.name, colImportance, pool);
}

RtnQuantizer RtnQuantizer::quantize(const float* src, int64_t rows, int64_t cols,
                                    const Options& opt, const std::string& name,
                                    const std::vector<float>* colImportance, ThreadPool* pool) {
    return quantizeRows(
        [src, cols](int64_t r, float* out) {
            std::copy(src + r * cols, src + (r + 1) * cols, out);
        },
        rows, cols, opt, name, colImportance, pool);
}

RtnQuantizer RtnQuantizer::quantizeRows(const std::function<void(int64_t, float*)>& rowSource,
                                        int64_t rows, int64_t cols, const Options& opt,
                                        const std::string& name,
                                        const std::vector<float>* colImportance, ThreadPool* pool) {
    if (opt.bits < 1 || opt.bits > 8)
        throw EngineError(name, "RTN bits " + std::to_string(opt.bits) + " out of range 1..8");
    if (opt.groupSize <= 0)
        throw EngineError(name,
                          "group size " + std::to_string(opt.groupSize) + " must be positive");
    if (opt.clipSteps < 1 || opt.clipSteps > 1000 || !(opt.clipMin > 0.0f && opt.clipMin <= 1.0f))
        throw EngineError(name, "invalid clipping search");
    if (rows <= 0 || cols <= 0 || rows > (int64_t(1) << 40) / cols)
        throw UnsupportedError(name, "cannot quantize a matrix of " + std::to_string(rows) + " x " +
                                         std::to_string(cols));
    if (colImportance && static_cast<int64_t>(colImportance->size()) != cols)
        throw EngineError(name, "activation statistics have " +
                                    std::to_string(colImportance->size()) +
                                    " columns, the matrix has " + std::to_string(cols));
    RtnQuantizer q;
    q.opt_ = opt;
    q.name_ = name;
    q.rows_ = rows;
    q.cols_ = cols;
    q.groupsPerRow_ = (cols + opt.groupSize - 1) / opt.groupSize;
    q.codes_.assign(static_cast<size_t>(rows * cols), 0);
    q.scales_.assign(static_cast<size_t>(rows * q.groupsPerRow_), 0);
    q.mins_.assign(q.scales_.size(), 0);
    double errSum = 0.0, srcSum = 0.0;
    std::mutex mu;
    auto work = [&](int64_t r0, int64_t r1) {
        std::vector<float> row(static_cast<size_t>(cols));
        std::vector<uint8_t> scratch(static_cast<size_t>(opt.groupSize));
        double e = 0.0, s = 0.0;
        for (int64_t r = r0; r < r1; ++r) {
            rowSource(r, row.data());
            for (int64_t g = 0; g < q.groupsPerRow_; ++g) {
                const int64_t c0 = g * opt.groupSize;
                const int n = static_cast<int>(std::min<int64_t>(opt.groupSize, cols - c0));
                uint8_t* codes = q.codes_.data() + r * cols + c0;
                const GroupFit f =
                    fitGroup(row.data() + c0, colImportance ? colImportance->data() + c0 : nullptr,
                             n, opt.bits, opt.clipSteps, opt.clipMin, nullptr, codes,
                             scratch.data(), name.c_str());
                const size_t gi = static_cast<size_t>(r * q.groupsPerRow_ + g);
                q.scales_[gi] = f.scaleF16;
                q.mins_[gi] = f.minF16;
                for (int j = 0; j < n; ++j) {
                    const float v = row[static_cast<size_t>(c0 + j)];
                    const float d = v - (f.min + f.scale * static_cast<float>(codes[j]));
                    e += static_cast<double>(d) * d;
                    s += static_cast<double>(v) * v;
                }
            }
        }
        std::lock_guard<std::mutex> lock(mu);
        errSum += e;
        srcSum += s;
    };
    if (pool && pool->size() > 1)
        pool->parallelFor(0, rows, work);
    else
        work(0, rows);
    q.error_ = srcSum > 0.0 ? std::sqrt(errSum / srcSum) : std::sqrt(errSum);
    return q;
}

double RtnQuantizer::effectiveBits() const {
    return opt_.bits + 32.0 * static_cast<double>(groupsPerRow_) / static_cast<double>(cols_);
}

void RtnQuantizer::dequantizeRow(int64_t r, float* out) const {
    if (r < 0 || r >= rows_) throw EngineError(name_, "row " + std::to_string(r) + " out of range");
    for (int64_t g = 0; g < groupsPerRow_; ++g) {
        const size_t gi = static_cast<size_t>(r * groupsPerRow_ + g);
        const float scale = f16ToF32(scales_[gi]), min = f16ToF32(mins_[gi]);
        const int64_t c0 = g * opt_.groupSize, c1 = std::min<int64_t>(cols_, c0 + opt_.groupSize);
        for (int64_t j = c0; j < c1; ++j)
            out[j] = min + scale * static_cast<float>(codes_[static_cast<size_t>(r * cols_ + j)]);
    }
}

std::vector<float> RtnQuantizer::dequantize() const {
    std::vector<float> out(static_cast<size_t>(rows_ * cols_));
    for (int64_t r = 0; r < rows_; ++r)
        dequantizeRow(r, out.data() + r * cols_);
    return out;
}

} // namespace mobi
