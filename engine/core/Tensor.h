// A named, typed, read-only view of stored tensor data (mmap or owned).
#pragma once

#include "core/DType.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mobi {

// Shapes are row-major, outermost first, as in PyTorch: a linear weight is
// [out_features, in_features] and each row is contiguous. (GGUF lists its
// dimensions innermost first; the GGUF loader reverses them.)
struct Tensor {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    const void* data = nullptr;
    uint64_t nbytes = 0;
    // Keeps the backing storage (a MappedFile or an owned buffer) alive.
    std::shared_ptr<const void> owner;

    bool empty() const { return data == nullptr; }
    int64_t numel() const {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        return n;
    }
    int64_t rows() const { return shape.size() < 2 ? 1 : numel() / shape.back(); }
    int64_t cols() const { return shape.empty() ? 1 : shape.back(); }
    std::string shapeString() const;

    // Owned F32 tensor (for tests, converters and small vectors).
    static Tensor fromF32(std::string name, std::vector<int64_t> shape, std::vector<float> values);
    // Owned tensor of any dtype from raw bytes.
    static Tensor fromBytes(std::string name, DType dtype, std::vector<int64_t> shape,
                            std::vector<uint8_t> bytes);
    // Decodes every element to float (for small tensors, tests and converters).
    std::vector<float> toF32() const;
    // Decodes row `r` (of rows()) into out[0..cols()).
    void rowToF32(int64_t r, float* out) const;
};

} // namespace mobi
