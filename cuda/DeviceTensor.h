// A weight matrix uploaded to the GPU in its stored dtype (F32, F16, BF16, Q8_0).
#pragma once

#include "DeviceBuffer.h"

#include "core/DType.h"
#include "core/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mobi::gpu {

// Rows are uploaded byte for byte (no conversion), so the GPU reads exactly
// the bytes the CPU kernels read and the weight traffic is the file's.
struct DeviceTensor {
    std::string name;
    DType dtype = DType::F32;
    int64_t rows = 0;
    int64_t cols = 0;
    size_t rowBytes = 0;
    DeviceBuffer buffer;

    const uint8_t* data() const { return buffer.as<uint8_t>(); }
    size_t bytes() const { return rowBytes * static_cast<size_t>(rows); }

    // Throws UnsupportedError for dtypes the GPU kernels do not read,
    // EngineError when the tensor's bytes do not match its shape (checked
    // before any allocation), CudaError when the upload fails.
    static DeviceTensor upload(const Tensor& t);
};

bool gpuSupportsDType(DType t);

} // namespace mobi::gpu
