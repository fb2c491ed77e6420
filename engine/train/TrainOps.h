// Element-wise and row-wise operations of the training graph with their
// backward passes: RMSNorm, interleaved RoPE, SwiGLU, softmax cross-entropy.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace mobi {

// e^x for x <= 88 with about 2 ulp error (Cody-Waite reduction and a degree-6
// polynomial); branch-free and inline so loops over it vectorise. Inputs
// below -87 give e^-87.
inline float fastExp(float x) {
    if (x != x) return x; // NaN stays NaN (the loss check names the step); no int cast of NaN
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    // Round to nearest by the 1.5 * 2^23 trick (no libm call, vectorises).
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f; // x - n ln2 in two parts (Cody-Waite)
    r = r - n * -2.12194440e-4f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// Row kernels of attention's softmax (vectorised for the CPU at run time).
float maxOfRow(const float* row, int n);
// row[j] = e^(row[j] * scale - shift); returns the sum.
float expShiftRow(float* row, int n, float scale, float shift);
void scaleRow(float* row, int n, float s);
// ds[j] = p[j] * (dp[j] - d) * scale (in place in dp).
void softmaxGradRow(const float* p, float* dp, int n, float d, float scale);

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
