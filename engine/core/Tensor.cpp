#include "core/Tensor.h"

#include "core/Error.h"
#include "core/Half.h"

#include <cstring>

namespace mobi {

std::string Tensor::shapeString() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

Tensor Tensor::fromF32(std::string name, std::vector<int64_t> shape, std::vector<float> values) {
    auto buf = std::make_shared<std::vector<float>>(std::move(values));
    Tensor t;
    t.name = std::move(name);
    t.dtype = DType::F32;
    t.shape = std::move(shape);
    t.data = buf->data();
    t.nbytes = buf->size() * sizeof(float);
    t.owner = buf;
    return t;
}

Tensor Tensor::fromBytes(std::string name, DType dtype, std::vector<int64_t> shape,
                         std::vector<uint8_t> bytes) {
    auto buf = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    Tensor t;
    t.name = std::move(name);
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.data = buf->data();
    t.nbytes = buf->size();
    t.owner = buf;
    return t;
}

void Tensor::rowToF32(int64_t r, float* out) const {
    const int64_t n = cols();
    const uint8_t* base = static_cast<const uint8_t*>(data);
    switch (dtype) {
    case DType::F32:
        std::memcpy(out, base + r * n * 4, n * 4);
        return;
    case DType::F16: {
        const uint16_t* p = reinterpret_cast<const uint16_t*>(base) + r * n;
        for (int64_t i = 0; i < n; ++i) out[i] = f16ToF32(p[i]);
        return;
    }
    case DType::BF16: {
        const uint16_t* p = reinterpret_cast<const uint16_t*>(base) + r * n;
        for (int64_t i = 0; i < n; ++i) out[i] = bf16ToF32(p[i]);
        return;
    }
    case DType::Q8_0: {
        const uint8_t* p = base + r * (n / 32) * 34;
        for (int64_t b = 0; b < n / 32; ++b) {
            uint16_t d16;
            std::memcpy(&d16, p + b * 34, 2);
            const float d = f16ToF32(d16);
            const int8_t* q = reinterpret_cast<const int8_t*>(p + b * 34 + 2);
            for (int i = 0; i < 32; ++i) out[b * 32 + i] = d * q[i];
        }
        return;
    }
    case DType::I8: {
        const int8_t* p = reinterpret_cast<const int8_t*>(base) + r * n;
        for (int64_t i = 0; i < n; ++i) out[i] = p[i];
        return;
    }
    case DType::U8: {
        const uint8_t* p = base + r * n;
        for (int64_t i = 0; i < n; ++i) out[i] = p[i];
        return;
    }
    case DType::I16: {
        const int16_t* p = reinterpret_cast<const int16_t*>(base) + r * n;
        for (int64_t i = 0; i < n; ++i) out[i] = p[i];
        return;
    }
    case DType::I32: {
        const int32_t* p = reinterpret_cast<const int32_t*>(base) + r * n;
        for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
        return;
    }
    }
    throw EngineError(name, "cannot decode dtype");
}

std::vector<float> Tensor::toF32() const {
    std::vector<float> out(static_cast<size_t>(numel()));
    const int64_t R = rows(), C = cols();
    for (int64_t r = 0; r < R; ++r) rowToF32(r, out.data() + r * C);
    return out;
}

} // namespace mobi
