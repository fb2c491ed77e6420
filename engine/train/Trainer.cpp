#include "train/Trainer.h"

#include "core/Error.h"

#include <cmath>

namespace mobi {

Trainer::Trainer(TrainState& state, const TrainDataset& data, ThreadPool& pool, KernelIsa isa)
    : s_(state), data_(data), pool_(pool), layout_(state.config),
      planner_(data, state.hyper.seed, state.hyper.batchTokens), graph_(layout_, pool, isa) {
    if (s_.weights.size() != layout_.total())
        throw EngineError("train", "weights do not match the model shape");
    if (s_.m.empty()) s_.m.assign(layout_.total(), 0.0f);
    if (s_.v.empty()) s_.v.assign(layout_.total(), 0.0f);
    if (s_.m.size() != layout_.total() || s_.v.size() != layout_.total())
        throw EngineError("train", "optimizer state does not match the model shape");
    if (data.records.empty()) throw EngineError("train", "the dataset has no trainable records");
    grads_.assign(layout_.total(), 0.0f);
}

void Trainer::initialize(TrainState& state) {
    const ParamLayout layout(state.config);
    layout.initialize(state.weights, state.hyper.seed);
    state.m.assign(layout.total(), 0.0f);
    state.v.assign(layout.total(), 0.0f);
    state.step = 0;
    state.cursor = {};
}

StepResult Trainer::step() {
    const TrainHyper& h = s_.hyper;
    StepResult r;
    r.step = s_.step + 1;
    DataCursor cursor = s_.cursor;
    const std::vector<int> records = planner_.nextStep(cursor);
    const std::vector<TrainBatch> micro = planner_.microBatches(records, h.microTokens);
    for (const TrainBatch& b : micro) {
        r.tokens += b.size();
        r.lossTokens += b.lossTokens();
    }
    std::fill(grads_.begin(), grads_.end(), 0.0f);
    const float scale = 1.0f / static_cast<float>(std::max<int64_t>(1, r.lossTokens));
    double lossSum = 0;
    for (const TrainBatch& b : micro) {
        lossSum += graph_.forward(s_.weights.data(), b);
        graph_.backward(s_.weights.data(), scale, grads_.data());
    }
    r.loss = lossSum / static_cast<double>(std::max<int64_t>(1, r.lossTokens));
    r.gradNorm = gradientNorm(grads_.data(), grads_.size());
    r.lr = scheduledLearningRate(s_.step, h.steps, h.lr, h.minLr, h.warmup);
    r.finite = std::isfinite(r.loss) && std::isfinite(r.gradNorm);
    if (!r.finite) return r; // the state stays at the last good step
    if (h.clip > 0 && r.gradNorm > h.clip)
        scaleGradients(grads_.data(), grads_.size(), static_cast<float>(h.clip / r.gradNorm));
    adamwStep(pool_, layout_, h.adam, r.lr, r.step, s_.weights.data(), grads_.data(), s_.m.data(),
              s_.v.data());
    s_.step = r.step;
    s_.cursor = cursor;
    return r;
}

} // namespace mobi
