// Element-wise and row-wise operations of the training graph with their
// backward passes: RMSNorm, interleaved RoPE, SwiGLU, softmax cross-entropy.
#pragma once

#include <cstdint>
#include <vector>

namespace mobi {

// e^x for x <= 88 with about 2 ulp error (Cody-Waite reduction and a degree-6
// polynomial); branch-free so loops over it vectorise. Below -87 it is 0.
float fastExp(float x);

// y = w * x / rms(x) for one row of n; the sum of squares in double as the
// engine's forward does. Returns 1 / rms.
float rmsNormRow(float* y, const float* x, const float* w, int n, float eps);
// Given dy, adds to dx (dx += d/dx) and, when dw is not null, to dw for one row.
void rmsNormRowBackward(const float* dy, const float* x, const float* w, float rstd, int n,
                        float* dx, float* dw);

// cos/sin of RoPE for positions 0..ctx-1 and pair i (headDim/2 pairs), with
// the engine's float arithmetic: angle = pos * theta^(-2i/hd).
struct RopeTable {
    int halfDim = 0;
    std::vector<float> cos, sin; // [ctx][halfDim]
    RopeTable(int ctx, int headDim, float theta);
};
// Rotates `heads` heads of one token at position pos, pairs (2i, 2i+1);
// inverse = true rotates back (the backward of the rotation).
void ropeRow(float* v, int heads, int headDim, const RopeTable& t, int pos, bool inverse);

// h = silu(g) * u over n elements.
void swigluForward(const float* g, const float* u, float* h, int64_t n);
// dg, du from dh.
void swigluBackward(const float* g, const float* u, const float* dh, float* dg, float* du,
                    int64_t n);

// Cross-entropy of one logits row against `target`: turns the row into its
// softmax probabilities and returns -log p(target) (computed in double).
double softmaxCrossEntropyRow(float* logits, int vocab, int target);

} // namespace mobi
