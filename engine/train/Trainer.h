// Runs optimizer steps on a TrainState: micro-batches with gradient
// accumulation, the mean loss over the step's loss tokens, global-norm
// clipping, AdamW with the warm-up + cosine schedule.
#pragma once

#include "core/ThreadPool.h"
#include "train/BatchPlanner.h"
#include "train/ParamLayout.h"
#include "train/TrainGraph.h"
#include "train/TrainState.h"

namespace mobi {

struct StepResult {
    int64_t step = 0;    // 1-based number of the step just run
    double loss = 0;     // mean cross-entropy per loss token
    double gradNorm = 0; // before clipping
    float lr = 0;
    int64_t tokens = 0;
    int64_t lossTokens = 0;
    bool finite = true; // false: loss or gradient was NaN/inf; nothing was updated
};

class Trainer {
  public:
    // The state's weights must match its config (fresh states: call
    // initialize first); moments are allocated when empty.
    Trainer(TrainState& state, const TrainDataset& data, ThreadPool& pool, KernelIsa isa);

    // Fresh weights from the seed, zero moments, step 0.
    static void initialize(TrainState& state);

    StepResult step();
    const ParamLayout& layout() const { return layout_; }
    TrainGraph& graph() { return graph_; }

  private:
    TrainState& s_;
    const TrainDataset& data_;
    ThreadPool& pool_;
    ParamLayout layout_;
    BatchPlanner planner_;
    TrainGraph graph_;
    std::vector<float> grads_;
};

} // namespace mobi
