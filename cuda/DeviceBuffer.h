// An owned block of GPU memory (RAII): allocated on construction, freed on destruction.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace mobi::gpu {

// Move-only. Every CUDA failure throws CudaError naming `what` and the size,
// so a failed allocation reads "cudaMalloc of 64.0 MiB for <what>: ...".
class DeviceBuffer {
  public:
    DeviceBuffer() = default;
    DeviceBuffer(size_t bytes, std::string what);
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& o) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* data() { return ptr_; }
    const void* data() const { return ptr_; }
    template <class T> T* as() { return static_cast<T*>(ptr_); }
    template <class T> const T* as() const { return static_cast<const T*>(ptr_); }
    size_t bytes() const { return bytes_; }
    const std::string& what() const { return what_; }

    // Synchronous copies; offset + bytes must lie inside the buffer.
    void upload(const void* src, size_t bytes, size_t offset = 0);
    void download(void* dst, size_t bytes, size_t offset = 0) const;
    void fillZero();

    static DeviceBuffer fromFloats(const std::vector<float>& v, std::string what);
    // The first n floats of the buffer.
    std::vector<float> toFloats(size_t n) const;

  private:
    void release() noexcept;
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
    std::string what_;
};

} // namespace mobi::gpu
