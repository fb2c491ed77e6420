// engine/backend/Backend on the GPU: dense matmul groups, RMSNorm, RoPE and
// SwiGLU through the kernels of GpuKernels.h, host arrays in and out (each
// call uploads its inputs and weights and downloads its result: the seam for
// tst_backend_ops, not yet the forward pass). No attention or sliced kernels
// on the GPU yet: supports() says so.
#pragma once

#include "backend/Backend.h"

#include <memory>
#include <string>

namespace mobi::gpu {

class CudaBackend final : public Backend {
  public:
    // Null with `why` set when no CUDA device is usable here.
    static std::unique_ptr<CudaBackend> create(std::string* why);

    std::string name() const override { return "cuda"; }
    bool supports(BackendOp op, std::string* why = nullptr) const override;

    void matmulGroup(const MatmulJob* jobs, int nJobs, const float* X, int64_t ldx, int n) override;
    void slicedMatmulGroup(const SlicedJob* jobs, int nJobs, const float* X, int64_t ldx, int n,
                           SlicedKernelMode mode) override;
    void rmsNorm(float* out, const float* x, const float* w, int rows, int width,
                 float eps) override;
    void rope(float* x, int n, int heads, const RopeParams& p, int pos) override;
    void attention(const float* q, int n, int pos, const float* keys, const float* values,
                   const AttentionShape& shape, float* out) override;
    void swiglu(float* gate, const float* up, int64_t count) override;

  private:
    CudaBackend() = default;
};

} // namespace mobi::gpu
