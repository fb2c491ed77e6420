#include "kernels/Q8Int8Gemv.h"

#include "core/Error.h"
#include "core/Half.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mobi {

namespace {

constexpr int64_t kBlock = 32;
constexpr size_t kBlockBytes = 34; // fp16 step + 32 int8

} // namespace

void quantizeQ8Int8Input(const float* x, int64_t cols, Q8Int8Input& out) {
    if (cols <= 0 || cols % kBlock != 0)
        throw EngineError("Q8_0 x int8", "input width " + std::to_string(cols) +
                                             " is not a positive multiple of 32");
    const int64_t nb = cols / kBlock;
    out.cols = cols;
    out.q.resize(static_cast<size_t>(cols));
    out.d.resize(static_cast<size_t>(nb));
    out.corr.resize(static_cast<size_t>(nb * 8));
    for (int64_t b = 0; b < nb; ++b) {
        const float* xb = x + b * kBlock;
        int8_t* q = out.q.data() + b * kBlock;
        float amax = 0.0f;
        for (int64_t j = 0; j < kBlock; ++j)
            amax = std::max(amax, std::fabs(xb[j]));
        if (amax > 0.0f) {
            const float inv = 127.0f / amax;
            for (int64_t j = 0; j < kBlock; ++j)
                q[j] =
                    static_cast<int8_t>(std::clamp(std::nearbyint(xb[j] * inv), -127.0f, 127.0f));
        } else {
            std::memset(q, 0, kBlock);
        }
        out.d[static_cast<size_t>(b)] = amax / 127.0f;
        for (int l = 0; l < 8; ++l)
            out.corr[static_cast<size_t>(b * 8 + l)] =
                -128 * (q[4 * l] + q[4 * l + 1] + q[4 * l + 2] + q[4 * l + 3]);
    }
}

void q8Int8RowsScalar(const WeightView& w, const Q8Int8Input* in, int n, float* Y, int64_t ldy,
                      int64_t r0, int64_t r1) {
    const int64_t nb = w.cols / kBlock;
    for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = w.row(r);
        for (int t = 0; t < n; ++t) {
            const int8_t* xq = in[t].q.data();
            const float* xd = in[t].d.data();
            float acc[4][8] = {};
            for (int64_t b = 0; b < nb; ++b) {
                const uint8_t* blk = row + b * kBlockBytes;
                uint16_t h;
                std::memcpy(&h, blk, 2);
                const float s = f16ToF32(h) * xd[b];
                const int8_t* wq = reinterpret_cast<const int8_t*>(blk + 2);
                const int8_t* q = xq + b * kBlock;
                float* a = acc[b % 4];
                for (int l = 0; l < 8; ++l) {
                    int32_t L = 0;
                    for (int i = 0; i < 4; ++i)
                        L += int32_t(wq[4 * l + i]) * int32_t(q[4 * l + i]);
                    a[l] = std::fma(static_cast<float>(L), s, a[l]);
                }
            }
            float v[8];
            for (int l = 0; l < 8; ++l)
                v[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
            Y[t * ldy + r] = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
        }
    }
}

void q8Int8Matmul(ThreadPool& pool, const WeightView& w, const Q8Int8Input* in, int n, float* Y,
                  int64_t ldy, KernelIsa isa) {
    if (w.dtype != DType::Q8_0)
        throw EngineError("Q8_0 x int8",
                          std::string("weights are ") + dtypeName(w.dtype) + ", not Q8_0");
    if (w.cols % kBlock != 0 || w.rowBytes != static_cast<size_t>(w.cols / kBlock) * kBlockBytes)
        throw EngineError("Q8_0 x int8",
                          "row of " + std::to_string(w.cols) + " columns is not whole Q8_0 blocks");
    for (int t = 0; t < n; ++t)
        if (in[t].cols != w.cols || in[t].q.size() != static_cast<size_t>(w.cols))
            throw EngineError("Q8_0 x int8", "input " + std::to_string(t) + " has " +
                                                 std::to_string(in[t].cols) +
                                                 " columns, the weights " + std::to_string(w.cols));
    if (n <= 0 || w.rows <= 0) return;
    const bool simd = isa == KernelIsa::Avx512 && q8Int8Avx512Supported();
    auto work = [&](int64_t r0, int64_t r1) {
        if (simd)
            q8Int8RowsAvx512(w, in, n, Y, ldy, r0, r1);
        else
            q8Int8RowsScalar(w, in, n, Y, ldy, r0, r1);
    };
    constexpr int64_t kUnit = 16;
    const int64_t units = (w.rows + kUnit - 1) / kUnit;
    const int nt = static_cast<int>(std::min<int64_t>(pool.size(), units));
    if (nt <= 1) {
        work(0, w.rows);
        return;
    }
    pool.run([&](int t, int) {
        if (t >= nt) return;
        const int64_t a = units * t / nt * kUnit,
                      b = std::min(w.rows, units * (t + 1) / nt * kUnit);
        if (a < b) work(a, b);
    });
}

Tensor quantizeTensorQ8_0(const Tensor& t) {
    const int64_t rows = t.rows(), cols = t.cols();
    if (t.shape.size() != 2 || cols % kBlock != 0)
        throw EngineError(t.name, "Q8_0 needs a matrix whose width is a multiple of 32, not " +
                                      t.shapeString());
    const size_t rowBytes = static_cast<size_t>(cols / kBlock) * kBlockBytes;
    std::vector<uint8_t> bytes(static_cast<size_t>(rows) * rowBytes);
    std::vector<float> x(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
        t.rowToF32(r, x.data());
        uint8_t* out = bytes.data() + static_cast<size_t>(r) * rowBytes;
        for (int64_t b = 0; b < cols / kBlock; ++b) {
            const float* xb = x.data() + b * kBlock;
            float amax = 0.0f;
            for (int64_t j = 0; j < kBlock; ++j)
                amax = std::max(amax, std::fabs(xb[j]));
            const float d = amax / 127.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            const uint16_t d16 = f32ToF16(d);
            std::memcpy(out + b * kBlockBytes, &d16, 2);
            for (int64_t j = 0; j < kBlock; ++j)
                out[b * kBlockBytes + 2 + j] =
                    static_cast<uint8_t>(static_cast<int8_t>(std::lround(xb[j] * id)));
        }
    }
    return Tensor::fromBytes(t.name, DType::Q8_0, t.shape, std::move(bytes));
}

} // namespace mobi
