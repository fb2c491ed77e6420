#include "DeviceTensor.h"

#include "core/Error.h"

#include <limits>

namespace mobi::gpu {

bool gpuSupportsDType(DType t) {
    return t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::Q8_0;
}

DeviceTensor DeviceTensor::upload(const Tensor& t) {
    if (!gpuSupportsDType(t.dtype))
        throw UnsupportedError(t.name, std::string("dtype ") + dtypeName(t.dtype) +
                                           " is not supported by the CUDA kernels");
    for (int64_t d : t.shape)
        if (d <= 0)
            throw EngineError(t.name, "shape " + t.shapeString() + " has an empty dimension");
    const int64_t cols = t.cols(), rows = t.rows();
    uint64_t rb = 0;
    if (cols <= 0 || !dtypeBytesChecked(t.dtype, static_cast<uint64_t>(cols), rb))
        throw EngineError(t.name, "row of " + std::to_string(cols) + " elements is not a whole " +
                                      "number of " + dtypeName(t.dtype) + " blocks");
    // The kernels index columns with 32-bit ints.
    if (cols > std::numeric_limits<int>::max() || rows > std::numeric_limits<int>::max())
        throw UnsupportedError(t.name,
                               "shape " + t.shapeString() + " is too large for the CUDA kernels");
    if (t.data == nullptr ||
        rb > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(rows) ||
        rb * static_cast<uint64_t>(rows) > t.nbytes)
        throw EngineError(t.name, "tensor data is smaller than its shape " + t.shapeString());
    DeviceTensor d;
    d.name = t.name;
    d.dtype = t.dtype;
    d.rows = rows;
    d.cols = cols;
    d.rowBytes = static_cast<size_t>(rb);
    d.buffer = DeviceBuffer(d.bytes(), t.name.empty() ? std::string("weights") : t.name);
    d.buffer.upload(t.data, d.bytes());
    return d;
}

} // namespace mobi::gpu
