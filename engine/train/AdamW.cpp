#include "train/AdamW.h"

#include <algorithm>
#include <cmath>

namespace mobi {

void adamwStep(ThreadPool& pool, const ParamLayout& layout, const AdamWOptions& o, float lr,
               int64_t t, float* w, const float* g, float* m, float* v) {
    const double c1 = 1.0 - std::pow(double(o.beta1), double(t));
    const double c2 = 1.0 - std::pow(double(o.beta2), double(t));
    const float stepSize = static_cast<float>(lr / c1);
    const float invC2 = static_cast<float>(1.0 / c2);
    for (const ParamTensor& p : layout.tensors()) {
        const float decay = p.matrix ? lr * o.weightDecay : 0.0f;
        pool.parallelFor(
            int64_t(p.offset), int64_t(p.offset + p.size),
            [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i) {
                    m[i] = o.beta1 * m[i] + (1.0f - o.beta1) * g[i];
                    v[i] = o.beta2 * v[i] + (1.0f - o.beta2) * g[i] * g[i];
                    w[i] -= decay * w[i] + stepSize * m[i] / (std::sqrt(v[i] * invC2) + o.eps);
                }
            },
            16);
    }
}

float scheduledLearningRate(int64_t s, int64_t total, float peak, float minLr, int64_t warmup) {
    if (warmup > 0 && s < warmup) return peak * float(s + 1) / float(warmup);
    const int64_t span = std::max<int64_t>(1, total - 1 - warmup);
    const double progress = std::min(1.0, double(s - warmup) / double(span));
    return static_cast<float>(minLr + 0.5 * (peak - minLr) *
                                          (1.0 + std::cos(3.14159265358979323846 * progress)));
}

double gradientNorm(const float* g, size_t n) {
    double ss = 0;
    for (size_t i = 0; i < n; ++i)
        ss += double(g[i]) * g[i];
    return std::sqrt(ss);
}

void scaleGradients(float* g, size_t n, float scale) {
    for (size_t i = 0; i < n; ++i)
        g[i] *= scale;
}

} // namespace mobi
