// Matrix-vector (decode) and matrix-matrix (prefill) products of stored
// weights (F32/F16/BF16/Q8_0 rows) with FP32 activations, SIMD-dispatched.
#pragma once

#include "core/DType.h"
#include "core/Tensor.h"
#include "core/ThreadPool.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mobi {

// Instruction sets a kernel can run on; chosen at run time from the CPU.
enum class KernelIsa : uint8_t { Scalar, Avx2, Avx512 };

const char* kernelIsaName(KernelIsa isa);
bool kernelIsaAvailable(KernelIsa isa);
// The fastest path this CPU supports (env MOBISCOPE_ISA=scalar|avx2|avx512
// lowers it, for comparisons).
KernelIsa bestKernelIsa();
// Every path this CPU supports, slowest first.
std::vector<KernelIsa> availableKernelIsas();

// A weight matrix as the kernels see it: `rows` rows of `cols` elements,
// each row `rowBytes` bytes, in its stored dtype.
struct WeightView {
    DType dtype = DType::F32;
    const uint8_t* data = nullptr;
    int64_t rows = 0;
    int64_t cols = 0;
    size_t rowBytes = 0;

    const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * rowBytes; }
};

// Throws UnsupportedError for dtypes the kernels do not compute on and
// EngineError when the tensor's bytes do not match its shape.
WeightView weightView(const Tensor& t);
bool kernelSupportsDType(DType t);

// y[r] = W[r] . x for r in [r0, r1). x has W.cols floats.
void gemvRange(KernelIsa isa, const WeightView& w, const float* x, float* y, int64_t r0,
               int64_t r1);

// Y[t * ldy + r] = W[r] . X[t * ldx ...] for t < n and r in [r0, r1). Each
// tile of weight rows is decoded to F32 once and reused for all n tokens.
// For every (t, r) the result is bit-identical to gemvRange on the same ISA,
// so a batched prefill gives exactly the logits of token-by-token decode.
void gemmRange(KernelIsa isa, const WeightView& w, const float* X, int64_t ldx, int n, float* Y,
               int64_t ldy, int64_t r0, int64_t r1);

// One product of a group sharing the same input: its rows land in
// Y[t * ldy + r].
struct MatmulJob {
    WeightView w;
    float* y = nullptr;
    int64_t ldy = 0;
};

// Runs every job of the group on the pool in one parallel region (rows of
// all jobs split between threads), n tokens of X (row stride ldx; n == 1 is
// a GEMV). All jobs must have cols == the width of X.
void matmulGroup(ThreadPool& pool, const MatmulJob* jobs, int nJobs, const float* X, int64_t ldx,
                 int n, KernelIsa isa);

// Convenience: Y (n x W.rows) = X (n x W.cols) W^T on the pool.
void matmul(ThreadPool& pool, const WeightView& w, const float* X, int n, float* Y, KernelIsa isa);

} // namespace mobi
