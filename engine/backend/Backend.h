// The ops a transformer block runs, as one interface: the seam through which
// the engine reaches a device (DESIGN.md). CpuBackend is the engine's own
// kernels; cuda/ implements the ops it has on the GPU. Every op works on host
// arrays of FP32 activations so backends compare op by op (tst_backend_ops).
#pragma once

#include "kernels/Matmul.h"
#include "quant/SlicedKernelMode.h"
#include "quant/SlicedKernels.h"

#include <cstdint>
#include <string>

namespace mobi {

enum class BackendOp : uint8_t { Matmul, SlicedMatmul, RmsNorm, Rope, Attention, Swiglu };
const char* backendOpName(BackendOp op);

struct RopeParams {
    int headDim = 0;
    float theta = 10000.0f;
    float scale = 1.0f;      // positions are divided by it
    bool interleaved = true; // pairs (2i, 2i+1); false: (i, i + headDim/2)
};

struct AttentionShape {
    int nHeads = 0, nKvHeads = 0, headDim = 0;
    int qStride() const { return nHeads * headDim; }
    int kvStride() const { return nKvHeads * headDim; }
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    // Whether the op runs here; otherwise `why` says what is missing.
    virtual bool supports(BackendOp op, std::string* why = nullptr) const = 0;

    // Dense linears sharing X (n rows, stride ldx): job i writes X W_i^T.
    virtual void matmulGroup(const MatmulJob* jobs, int nJobs, const float* X, int64_t ldx,
                             int n) = 0;
    // Sliced linears sharing X, each job at its level.
    virtual void slicedMatmulGroup(const SlicedJob* jobs, int nJobs, const float* X, int64_t ldx,
                                   int n, SlicedKernelMode mode) = 0;
    // out[r] = w * x[r] / rms(x[r]) for `rows` rows of `width`; out may be x.
    virtual void rmsNorm(float* out, const float* x, const float* w, int rows, int width,
                         float eps) = 0;
    // Rotates, in place, `heads` heads of each of n rows (row stride
    // heads * headDim); row t is at position pos + t.
    virtual void rope(float* x, int n, int heads, const RopeParams& p, int pos) = 0;
    // Causal attention of n query rows at positions pos..pos+n-1 (q: n x
    // qStride) over the cache rows 0..pos+n-1 (kvStride each); writes n x
    // qStride to out. Query head h reads kv head h / (nHeads / nKvHeads).
    virtual void attention(const float* q, int n, int pos, const float* keys, const float* values,
                           const AttentionShape& shape, float* out) = 0;
    // gate[i] = silu(gate[i]) * up[i] for i < count.
    virtual void swiglu(float* gate, const float* up, int64_t count) = 0;
};

} // namespace mobi
