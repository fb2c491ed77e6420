// The engine's CPU kernels behind the Backend interface (threaded on a pool).
#pragma once

#include "backend/Backend.h"
#include "core/ThreadPool.h"

#include <vector>

namespace mobi {

class CpuBackend final : public Backend {
  public:
    explicit CpuBackend(ThreadPool& pool, KernelIsa isa = bestKernelIsa());
    std::string name() const override { return "cpu"; }
    bool supports(BackendOp, std::string* = nullptr) const override { return true; }
    KernelIsa isa() const { return isa_; }

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
    ThreadPool& pool_;
    KernelIsa isa_;
    std::vector<float> ropeCos_, ropeSin_; // [headDim/2] of one position
    std::vector<float> att_;               // [thread][positions] attention weights
};

} // namespace mobi
