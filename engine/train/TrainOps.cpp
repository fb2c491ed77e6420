#include "train/TrainOps.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mobi {

float fastExp(float x) {
    x = std::min(std::max(x, -87.0f), 88.0f);
    const float n = std::nearbyint(x * 1.44269504088896341f);
    // x - n ln2 in two parts (Cody-Waite) keeps r exact to float precision.
    float r = x - n * 0.693359375f;
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

float rmsNormRow(float* y, const float* x, const float* w, int n, float eps) {
    double ss = 0;
    for (int i = 0; i < n; ++i)
        ss += static_cast<double>(x[i]) * x[i];
    const float r = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
    for (int i = 0; i < n; ++i)
        y[i] = w[i] * (x[i] * r);
    return r;
}

void rmsNormRowBackward(const float* dy, const float* x, const float* w, float rstd, int n,
                        float* dx, float* dw) {
    // y_i = w_i x_i r, r = (mean x^2 + eps)^-1/2, dr/dx_j = -r^3 x_j / n.
    double dot = 0;
    for (int i = 0; i < n; ++i) {
        const float wdy = w[i] * dy[i];
        dot += static_cast<double>(wdy) * x[i];
        if (dw) dw[i] += dy[i] * x[i] * rstd;
    }
    const float c = static_cast<float>(dot * rstd * rstd * rstd / n);
    for (int i = 0; i < n; ++i)
        dx[i] += w[i] * dy[i] * rstd - x[i] * c;
}

RopeTable::RopeTable(int ctx, int headDim, float theta) : halfDim(headDim / 2) {
    cos.resize(size_t(ctx) * halfDim);
    sin.resize(size_t(ctx) * halfDim);
    for (int p = 0; p < ctx; ++p)
        for (int i = 0; i < halfDim; ++i) {
            const float freq = 1.0f / std::pow(theta, (2.0f * i) / static_cast<float>(headDim));
            const float a = static_cast<float>(p) * freq;
            cos[size_t(p) * halfDim + i] = std::cos(a);
            sin[size_t(p) * halfDim + i] = std::sin(a);
        }
}

void ropeRow(float* v, int heads, int headDim, const RopeTable& t, int pos, bool inverse) {
    const float* c = &t.cos[size_t(pos) * t.halfDim];
    const float* s = &t.sin[size_t(pos) * t.halfDim];
    const float sign = inverse ? -1.0f : 1.0f;
    for (int h = 0; h < heads; ++h) {
        float* hv = v + size_t(h) * headDim;
        for (int i = 0; i < t.halfDim; ++i) {
            const float v0 = hv[2 * i], v1 = hv[2 * i + 1];
            const float si = sign * s[i];
            hv[2 * i] = v0 * c[i] - v1 * si;
            hv[2 * i + 1] = v0 * si + v1 * c[i];
        }
    }
}

void swigluForward(const float* g, const float* u, float* h, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        h[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void swigluBackward(const float* g, const float* u, const float* dh, float* dg, float* du,
                    int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float s = 1.0f / (1.0f + std::exp(-g[i]));
        const float silu = g[i] * s;
        du[i] = dh[i] * silu;
        dg[i] = dh[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
    }
}

double softmaxCrossEntropyRow(float* logits, int vocab, int target) {
    float mx = logits[0];
    for (int i = 1; i < vocab; ++i)
        mx = std::max(mx, logits[i]);
    const float zt = logits[target];
    double sum = 0;
    for (int i = 0; i < vocab; ++i) {
        logits[i] = fastExp(logits[i] - mx);
        sum += logits[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int i = 0; i < vocab; ++i)
        logits[i] *= inv;
    return std::log(sum) - (static_cast<double>(zt) - mx);
}

} // namespace mobi
