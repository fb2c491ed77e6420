// FP32 LLaMA-family forward pass on the CPU: batched prefill and
// single-token decode over a KV cache, on a thread pool.
#pragma once

#include "core/ThreadPool.h"
#include "model/LayerObservers.h"
#include "model/Model.h"
#include "quant/SlicedKernelMode.h"

#include <memory>
#include <string>
#include <vector>

namespace mobi {

class LevelPolicy;
class SlicedMatrix;
struct MatmulJob;

class Transformer {
  public:
    // maxContext <= 0: the model's trained context (seqLen, or 4096 when the
    // model declares none). A positive maxContext is used as given, even past
    // seqLen (as llama.cpp's -c allows: perplexity at --ctx 256 on a model
    // trained at 128); the KV cache is sized to it. Throws EngineError above
    // 1M positions.
    Transformer(const Model& model, int nThreads = 0, int maxContext = 0);
    ~Transformer();

    const Model& model() const { return model_; }
    int maxContext() const { return maxContext_; }
    ThreadPool& pool() { return *pool_; }

    // Runs tokens[0..n) at positions pos..pos+n-1 (n > 1 is a batched
    // prefill), writing their keys/values into the cache. Returns the logits
    // of the last token (vocab floats), or of all n tokens (n x vocab) when
    // allLogits. Throws EngineError when pos + n exceeds maxContext().
    const std::vector<float>& forward(const int* tokens, int n, int pos, bool allLogits = false);

    // Observers compose: every added observer sees every event, in the order
    // added; removeObserver(id) unhooks one (ScopedObserver does it on scope
    // exit). setObserver replaces all of them with `observer` (empty: none).
    LayerObservers::Id addObserver(LayerObserver observer) {
        return observers_.add(std::move(observer));
    }
    void removeObserver(LayerObservers::Id id) { observers_.remove(id); }
    void setObserver(LayerObserver observer) {
        observers_.clear();
        observers_.add(std::move(observer));
    }

    // MoBiSlice level (1..K) every block linear computes at when the model is
    // sliced (default: K, the top level). Throws EngineError for a dense
    // model or a level out of range.
    void setLevel(int k);
    int level() const;
    // K of a sliced model, 0 for a dense one.
    int levels() const;
    // Per-token levels chosen by `policy` in every block (null: the uniform
    // setLevel() level). Throws EngineError for a dense model.
    void setLevelPolicy(std::shared_ptr<LevelPolicy> policy);
    // Activation arithmetic of the sliced block linears (default
    // defaultSlicedKernelMode(): Float unless env MOBISCOPE_SLICED_ACT says
    // int8; Int8Act: int8 activations per group, quant/SlicedKernelMode.h).
    // No effect on a dense model.
    void setSlicedKernelMode(SlicedKernelMode mode);
    SlicedKernelMode slicedKernelMode() const;

    // Runs block `layer` alone on xIn (n x dim, the block's input hidden
    // states at positions pos..pos+n-1), writing that block's keys/values
    // into the cache, and its output hidden states into xOut (n x dim).
    // Measures a block on inputs taken from another run (e.g. full precision).
    void forwardBlock(int layer, const float* xIn, int n, int pos, float* xOut);

  private:
    void runBlock(int layer, int n, int pos);
    // A group of linears sharing input X: dense, or sliced at each token's
    // level (tokens grouped by level, one kernel call per level present).
    void runLinears(int layer, const SlicedMatrix* const* sliced, const MatmulJob* jobs, int nJobs,
                    const float* X, int ldx, int first, int n, int pos);
    // Throws EngineError naming `where` unless 0 < n and [pos, pos+n) fits.
    void checkSpan(const std::string& where, int n, int pos) const;
    // Levels of n tokens for block `layer` (linear -1) or one of its linears
    // (0..6) reading x (n x width); emits the Route event.
    void chooseLevels(int layer, int linear, const float* x, int width, int n, int pos,
                      std::vector<int>& levels);
    struct State;
    const Model& model_;
    int maxContext_;
    std::unique_ptr<ThreadPool> pool_;
    std::unique_ptr<State> state_;
    LayerObservers observers_;
};

} // namespace mobi
