// AdamW (decoupled weight decay on matrices only) and the learning-rate
// schedule: linear warm-up, then cosine decay to a floor.
#pragma once

#include "core/ThreadPool.h"
#include "train/ParamLayout.h"

#include <cstdint>

namespace mobi {

struct AdamWOptions {
    float beta1 = 0.9f;
    float beta2 = 0.95f;
    float eps = 1e-8f;
    float weightDecay = 0.1f;
};

// One update at 1-based step t: w -= lr (m_hat / (sqrt(v_hat) + eps) + wd w).
void adamwStep(ThreadPool& pool, const ParamLayout& layout, const AdamWOptions& o, float lr,
               int64_t t, float* w, const float* g, float* m, float* v);

// Step s (0-based) of `total`: peak * (s+1)/warmup during warm-up, then a
// cosine from peak to minLr reached at the last step.
float scheduledLearningRate(int64_t s, int64_t total, float peak, float minLr, int64_t warmup);

// sqrt(sum g^2), summed in a fixed order; and g *= scale.
double gradientNorm(const float* g, size_t n);
void scaleGradients(float* g, size_t n, float scale);

} // namespace mobi
