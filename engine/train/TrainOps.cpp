#include "train/TrainOps.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mobi {

#if defined(__x86_64__) && defined(__GNUC__)
#define MOBI_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MOBI_CLONES
#endif

// Reductions keep 16 lanes (summed in a fixed order at the end), so they
// vectorise without reassociation flags and stay reproducible.
MOBI_CLONES float maxOfRow(const float* row, int n) {
    float lane[16];
    for (int l = 0; l < 16; ++l)
        lane[l] = row[0];
    int j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; ++l)
            lane[l] = row[j + l] > lane[l] ? row[j + l] : lane[l];
    float m = row[0];
    for (int l = 0; l < 16; ++l)
        m = lane[l] > m ? lane[l] : m;
    for (; j < n; ++j)
        m = row[j] > m ? row[j] : m;
    return m;
}

MOBI_CLONES float expShiftRow(float* row, int n, float scale, float shift) {
    float lane[16] = {};
    int j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; ++l) {
            const float e = fastExp(row[j + l] * scale - shift);
            row[j + l] = e;
            lane[l] += e;
        }
    float sum = 0;
    for (int l = 0; l < 16; ++l)
        sum += lane[l];
    for (; j < n; ++j) {
        row[j] = fastExp(row[j] * scale - shift);
        sum += row[j];
    }
    return sum;
}

MOBI_CLONES void scaleRow(float* row, int n, float s) {
    for (int j = 0; j < n; ++j)
        row[j] *= s;
}

MOBI_CLONES void softmaxGradRow(const float* p, float* dp, int n, float d, float scale) {
    for (int j = 0; j < n; ++j)
        dp[j] = p[j] * (dp[j] - d) * scale;
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

MOBI_CLONES void swigluForward(const float* g, const float* u, float* h, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        h[i] = g[i] / (1.0f + fastExp(-g[i])) * u[i];
}

MOBI_CLONES void swigluBackward(const float* g, const float* u, const float* dh, float* dg,
                                float* du, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float s = 1.0f / (1.0f + fastExp(-g[i]));
        const float silu = g[i] * s;
        du[i] = dh[i] * silu;
        dg[i] = dh[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
    }
}

double softmaxCrossEntropyRow(float* logits, int vocab, int target) {
    const float mx = maxOfRow(logits, vocab);
    const float zt = logits[target];
    const double sum = expShiftRow(logits, vocab, 1.0f, mx);
    scaleRow(logits, vocab, static_cast<float>(1.0 / sum));
    return std::log(sum) - (static_cast<double>(zt) - mx);
}

} // namespace mobi
