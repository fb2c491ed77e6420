// The error every failed CUDA call becomes: an EngineError carrying CUDA's own message.
#pragma once

#include "core/Error.h"

#include <string>

namespace mobi::gpu {

// `where` names the operation ("cudaMalloc of 64 MiB for gemv weights"), the
// problem is the CUDA error name and string, so callers print one line.
class CudaError : public EngineError {
  public:
    CudaError(std::string where, const std::string& problem, int code)
        : EngineError(std::move(where), problem), code_(code) {}
    // The cudaError_t value, for callers that tell out-of-memory apart.
    int code() const { return code_; }

  private:
    int code_ = 0;
};

} // namespace mobi::gpu
