// The training graph of a LLaMA-family decoder on one micro-batch: forward
// with every activation the backward needs saved, then backward into a
// gradient buffer laid out as the parameters (ParamLayout), FP32 on a pool.
#pragma once

#include "core/ThreadPool.h"
#include "kernels/Matmul.h"
#include "kernels/TrainGemm.h"
#include "train/ParamLayout.h"
#include "train/TrainAttention.h"
#include "train/TrainBatch.h"
#include "train/TrainOps.h"

#include <memory>
#include <vector>

namespace mobi {

struct GraphStats {
    double matmulFlops = 0;      // linears, classifier and attention products
    double linearFlops = 0;      // the pool-wide linears and classifier only
    double linearSeconds = 0;    // wall time inside those
    double linearCpuSeconds = 0; // process CPU time inside those (all threads)
};

class TrainGraph {
  public:
    TrainGraph(const ParamLayout& layout, ThreadPool& pool, KernelIsa isa);

    // Runs the batch; returns the summed cross-entropy over its loss
    // positions (NaN/inf propagate). Throws EngineError for a token outside
    // the vocabulary or a record longer than the context.
    double forward(const float* weights, const TrainBatch& batch);
    // Adds gradScale * d(summed loss)/d(weights) of the last forward into grads.
    void backward(const float* weights, float gradScale, float* grads);
    // Logits of every position of the last forward, [n x vocab]
    // (forward with keepAllLogits set; for the export check).
    const std::vector<float>& allLogits() const { return allLogits_; }
    void setKeepAllLogits(bool on) { keepAllLogits_ = on; }

    const GraphStats& stats() const { return stats_; }
    void resetStats() { stats_ = {}; }

  private:
    struct Layer {
        std::vector<float> x, xn1, rstd1, q, k, v, att, lse, xmid, xn2, rstd2, g, u, h;
    };
    void linear(const float* X, int n, int in, const float* W, int out, float* Y);
    void linearBackward(const float* dY, int n, int out, const float* W, int in, const float* X,
                        float* dX, bool accumulateDx, float* dW);
    void forwardLayer(const float* w, int l);
    void backwardLayer(const float* w, int l, float* grads);
    void normRows(const float* x, const float* weight, float* y, float* rstd);
    void normRowsBackward(const float* dy, const float* x, const float* weight, const float* rstd,
                          float* dx, float* dw);
    void timed(const GemmProblem& p);

    const ParamLayout& layout_;
    const ModelConfig& c_;
    ThreadPool& pool_;
    KernelIsa isa_;
    RopeTable rope_;
    TrainAttention attention_;
    const TrainBatch* batch_ = nullptr;
    std::vector<int> pos_;      // position of each token in its record
    std::vector<int> lossRows_; // positions with a target
    std::vector<Layer> layers_;
    std::vector<float> xFinal_, xnFinal_, rstdFinal_, lossX_, probs_, allLogits_, tmp_;
    // backward scratch
    std::vector<float> dx_, dxn_, dq_, dk_, dv_, datt_, dh_, dg_, du_, dLossX_;
    bool keepAllLogits_ = false;
    GraphStats stats_;
};

} // namespace mobi
