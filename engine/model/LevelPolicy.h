// Who decides the MoBiSlice level of each token in each block.
#pragma once

namespace mobi {

// The forward asks a policy, once per block and batch, for the level (1..K)
// of every token, given the block's normalized input (the attention-norm
// output the block's linears will read). Levels apply to all seven linears
// of that block for that token. Implementations: a uniform level, the
// trained routers under a budget, random routing, a fixed table (oracle).
class LevelPolicy {
  public:
    virtual ~LevelPolicy() = default;
    // Writes levels[0..n) for tokens at positions pos..pos+n-1 of block
    // `layer`; xNorm is n x dim, row-major. When scoreWidth() > 0 it also
    // writes scores[0 .. n * scoreWidth()) (e.g. router logits), which the
    // forward passes to its observer.
    virtual void choose(int layer, const float* xNorm, int n, int dim, int pos, int* levels,
                        float* scores) = 0;
    virtual int scoreWidth() const { return 0; }

    // A per-linear policy is asked before each linear instead (choose() is
    // then not called): levels of the tokens for linear `linear` (a BlockLinear: q,
    // k, v, o, gate, up, down) of block `layer`, given that linear's input
    // x (n x width).
    virtual bool perLinear() const { return false; }
    virtual void chooseLinear(int layer, int linear, const float* x, int n, int width, int pos,
                              int* levels, float* scores) {
        choose(layer, x, n, width, pos, levels, scores);
    }
};

} // namespace mobi
