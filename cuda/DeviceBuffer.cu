#include "DeviceBuffer.h"

#include "CudaCheck.h"

#include <cstdio>
#include <utility>

namespace mobi::gpu {

namespace {

std::string sizeText(size_t bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
}

} // namespace

DeviceBuffer::DeviceBuffer(size_t bytes, std::string what) : what_(std::move(what)) {
    if (bytes == 0) return;
    void* p = nullptr;
    cudaCheck(cudaMalloc(&p, bytes), "cudaMalloc of " + sizeText(bytes) + " for " + what_);
    ptr_ = p;
    bytes_ = bytes;
}

DeviceBuffer::~DeviceBuffer() {
    release();
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)),
      what_(std::move(o.what_)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        release();
        ptr_ = std::exchange(o.ptr_, nullptr);
        bytes_ = std::exchange(o.bytes_, 0);
        what_ = std::move(o.what_);
    }
    return *this;
}

void DeviceBuffer::release() noexcept {
    // A destructor must not throw; a failing cudaFree only means the context is gone.
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    bytes_ = 0;
}

void DeviceBuffer::upload(const void* src, size_t bytes, size_t offset) {
    if (offset > bytes_ || bytes > bytes_ - offset)
        throw CudaError(what_,
                        "upload of " + std::to_string(bytes) + " bytes at offset " +
                            std::to_string(offset) + " overruns a buffer of " +
                            std::to_string(bytes_) + " bytes",
                        0);
    if (bytes == 0) return;
    cudaCheck(cudaMemcpy(static_cast<char*>(ptr_) + offset, src, bytes, cudaMemcpyHostToDevice),
              "upload of " + sizeText(bytes) + " to " + what_);
}

void DeviceBuffer::download(void* dst, size_t bytes, size_t offset) const {
    if (offset > bytes_ || bytes > bytes_ - offset)
        throw CudaError(what_,
                        "download of " + std::to_string(bytes) + " bytes at offset " +
                            std::to_string(offset) + " overruns a buffer of " +
                            std::to_string(bytes_) + " bytes",
                        0);
    if (bytes == 0) return;
    cudaCheck(
        cudaMemcpy(dst, static_cast<const char*>(ptr_) + offset, bytes, cudaMemcpyDeviceToHost),
        "download of " + sizeText(bytes) + " from " + what_);
}

void DeviceBuffer::fillZero() {
    if (bytes_ == 0) return;
    cudaCheck(cudaMemset(ptr_, 0, bytes_), "cudaMemset of " + what_);
}

DeviceBuffer DeviceBuffer::fromFloats(const std::vector<float>& v, std::string what) {
    DeviceBuffer b(v.size() * sizeof(float), std::move(what));
    b.upload(v.data(), v.size() * sizeof(float));
    return b;
}

std::vector<float> DeviceBuffer::toFloats(size_t n) const {
    std::vector<float> out(n);
    download(out.data(), n * sizeof(float));
    return out;
}

} // namespace mobi::gpu
