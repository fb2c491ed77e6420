#include "CpuReference.h"

#include "core/Error.h"
#include "core/Half.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mobi::gpu {

ReferenceResult referenceGemm(const Tensor& w, const std::vector<float>& X, int n) {
    const int64_t rows = w.rows(), cols = w.cols();
    if (static_cast<int64_t>(X.size()) < cols * n)
        throw EngineError("referenceGemm", "X holds fewer than n * cols floats");
    ReferenceResult r;
    r.values.assign(static_cast<size_t>(rows * n), 0.0);
    r.scale.assign(r.values.size(), 0.0);
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t i = 0; i < rows; ++i) {
        w.rowToF32(i, row.data());
        for (int t = 0; t < n; ++t) {
            const float* x = &X[static_cast<size_t>(t) * cols];
            double acc = 0, mag = 0;
            for (int64_t k = 0; k < cols; ++k) {
                const double p = static_cast<double>(row[k]) * x[k];
                acc += p;
                mag += std::fabs(p);
            }
            r.values[static_cast<size_t>(t) * rows + i] = acc;
            r.scale[static_cast<size_t>(t) * rows + i] = mag;
        }
    }
    return r;
}

ReferenceResult referenceRmsNorm(const std::vector<float>& x, const std::vector<float>& weight,
                                 int rows, int n, float eps) {
    ReferenceResult r;
    r.values.resize(static_cast<size_t>(rows) * n);
    for (int t = 0; t < rows; ++t) {
        const float* xr = &x[static_cast<size_t>(t) * n];
        double ss = 0;
        for (int i = 0; i < n; ++i)
            ss += static_cast<double>(xr[i]) * xr[i];
        const double s = 1.0 / std::sqrt(ss / n + eps);
        for (int i = 0; i < n; ++i)
            r.values[static_cast<size_t>(t) * n + i] = static_cast<double>(weight[i]) * xr[i] * s;
    }
    r.scale.resize(r.values.size());
    for (size_t i = 0; i < r.values.size(); ++i)
        r.scale[i] = std::fabs(r.values[i]);
    return r;
}

ReferenceResult referenceSwiglu(const std::vector<float>& gate, const std::vector<float>& up) {
    ReferenceResult r;
    r.values.resize(gate.size());
    r.scale.resize(gate.size());
    for (size_t i = 0; i < gate.size(); ++i) {
        const double g = gate[i];
        r.values[i] = g / (1.0 + std::exp(-g)) * up[i];
        r.scale[i] = std::fabs(r.values[i]);
    }
    return r;
}

ReferenceResult referenceRope(const std::vector<float>& vec, int nTokens, int nHeads, int headDim,
                              int pos0, float theta, float scale, RopeStyle style) {
    ReferenceResult r;
    r.values.assign(vec.begin(), vec.end());
    r.scale.assign(vec.size(), 0.0);
    const int half = headDim / 2;
    for (int t = 0; t < nTokens; ++t) {
        const double p = (static_cast<double>(pos0) + t) / scale;
        for (int h = 0; h < nHeads; ++h) {
            const size_t base = (static_cast<size_t>(t) * nHeads + h) * headDim;
            for (int i = 0; i < half; ++i) {
                const double angle = p * std::pow(static_cast<double>(theta), -2.0 * i / headDim);
                const int a = style == RopeStyle::Interleaved ? 2 * i : i;
                const int b = style == RopeStyle::Interleaved ? 2 * i + 1 : i + half;
                const double v0 = vec[base + a], v1 = vec[base + b];
                r.values[base + a] = v0 * std::cos(angle) - v1 * std::sin(angle);
                r.values[base + b] = v0 * std::sin(angle) + v1 * std::cos(angle);
                r.scale[base + a] = r.scale[base + b] = std::sqrt(v0 * v0 + v1 * v1);
            }
        }
    }
    return r;
}

Tensor encodeTensor(const std::string& name, DType dtype, int64_t rows, int64_t cols,
                    const std::vector<float>& values) {
    const size_t n = static_cast<size_t>(rows * cols);
    if (values.size() != n)
        throw EngineError(name, "encodeTensor: value count does not match the shape");
    std::vector<uint8_t> bytes;
    switch (dtype) {
    case DType::F32:
        bytes.resize(n * 4);
        std::memcpy(bytes.data(), values.data(), n * 4);
        break;
    case DType::F16:
    case DType::BF16:
        bytes.resize(n * 2);
        for (size_t i = 0; i < n; ++i) {
            const uint16_t h = dtype == DType::F16 ? f32ToF16(values[i]) : f32ToBf16(values[i]);
            std::memcpy(&bytes[i * 2], &h, 2);
        }
        break;
    case DType::Q8_0: {
        if (cols % 32 != 0) throw EngineError(name, "Q8_0 rows must hold whole blocks of 32");
        bytes.resize(n / 32 * 34);
        for (size_t b = 0; b < n / 32; ++b) {
            const float* v = &values[b * 32];
            float amax = 0;
            for (int i = 0; i < 32; ++i)
                amax = std::max(amax, std::fabs(v[i]));
            const float d = amax / 127.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            const uint16_t d16 = f32ToF16(d);
            uint8_t* out = &bytes[b * 34];
            std::memcpy(out, &d16, 2);
            for (int i = 0; i < 32; ++i) {
                const int q = static_cast<int>(std::lround(v[i] * id));
                out[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(q, -127, 127)));
            }
        }
        break;
    }
    default:
        throw UnsupportedError(name, std::string("encodeTensor: dtype ") + dtypeName(dtype));
    }
    return Tensor::fromBytes(name, dtype, {rows, cols}, std::move(bytes));
}

} // namespace mobi::gpu
