// Causal multi-head attention with grouped key/value heads over a batch of
// packed records (each record attends only to itself), forward and backward.
// Scores are recomputed in the backward from the saved log-sum-exp, so no
// T x T matrix is kept between the passes.
#pragma once

#include "core/ThreadPool.h"
#include "kernels/Matmul.h"

#include <vector>

namespace mobi {

struct AttentionShape {
    int nHeads = 0, nKvHeads = 0, headDim = 0;
    int qDim() const { return nHeads * headDim; }
    int kvDim() const { return nKvHeads * headDim; }
};

class TrainAttention {
  public:
    TrainAttention(const AttentionShape& shape, KernelIsa isa) : s_(shape), isa_(isa) {}

    // q [n x qDim], k/v [n x kvDim] (RoPE applied); records are
    // [starts[i], starts[i+1]). Writes out [n x qDim] and lse [n x nHeads].
    void forward(ThreadPool& pool, const std::vector<int>& starts, const float* q, const float* k,
                 const float* v, float* out, float* lse);
    // From dout, writes dq [n x qDim], dk and dv [n x kvDim] (overwritten).
    void backward(ThreadPool& pool, const std::vector<int>& starts, const float* q, const float* k,
                  const float* v, const float* out, const float* lse, const float* dout, float* dq,
                  float* dk, float* dv);

    // Multiply-adds of the score and mix products of one pass over records.
    double forwardFlops(const std::vector<int>& starts) const;

  private:
    void forwardTask(int start, int len, int head, float* scratch, const float* q, const float* k,
                     const float* v, float* out, float* lse) const;
    void backwardTask(int start, int len, int kvHead, float* scratch, const float* q,
                      const float* k, const float* v, const float* out, const float* lse,
                      const float* dout, float* dq, float* dk, float* dv) const;
    AttentionShape s_;
    KernelIsa isa_;
    std::vector<std::vector<float>> scratch_; // per thread
};

} // namespace mobi
