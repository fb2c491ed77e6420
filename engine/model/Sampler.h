// Next-token choice from logits: greedy, temperature, top-k, top-p, seeded.
#pragma once

#include <cstdint>

namespace mobi {

struct SamplerConfig {
    float temperature = 1.0f; // 0 = greedy (argmax)
    int topK = 0;             // 0 = off
    float topP = 1.0f;        // 1 = off
    uint64_t seed = 0;        // 0 = from the clock
};

class Sampler {
public:
    explicit Sampler(const SamplerConfig& config);
    // logits is modified in place (softmax); n = vocabulary size.
    int sample(float* logits, int n);

private:
    SamplerConfig config_;
    uint64_t state_;
};

} // namespace mobi
