#include "model/Sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>
#include <vector>

namespace mobi {

namespace {

// run.c's xorshift64* generator and its float in [0, 1).
uint32_t randomU32(uint64_t& s) {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return static_cast<uint32_t>((s * 0x2545F4914F6CDD1Dull) >> 32);
}

float randomF32(uint64_t& s) {
    return static_cast<float>(randomU32(s) >> 8) / 16777216.0f;
}

int argmax(const float* p, int n) {
    int best = 0;
    for (int i = 1; i < n; ++i)
        if (p[i] > p[best]) best = i;
    return best;
}

void softmax(float* x, int n) {
    const float mx = *std::max_element(x, x + n);
    float sum = 0;
    for (int i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - mx);
        sum += x[i];
    }
    for (int i = 0; i < n; ++i)
        x[i] /= sum;
}

int sampleMult(const float* p, int n, float coin) {
    float cdf = 0;
    for (int i = 0; i < n; ++i) {
        cdf += p[i];
        if (coin < cdf) return i;
    }
    return n - 1;
}

// run.c's sample_topp: drop tokens below (1-p)/(n-1) (they cannot be in the
// nucleus), sort the rest descending, cut where the cumulative mass exceeds
// p, and sample inside the cut by its own mass.
int sampleTopP(const float* p, int n, float topp, float coin) {
    const float cutoff = (1.0f - topp) / static_cast<float>(n - 1);
    std::vector<std::pair<float, int>> cand;
    for (int i = 0; i < n; ++i)
        if (p[i] >= cutoff) cand.emplace_back(p[i], i);
    if (cand.empty()) return argmax(p, n);
    std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    float cum = 0;
    size_t last = cand.size() - 1;
    for (size_t i = 0; i < cand.size(); ++i) {
        cum += cand[i].first;
        if (cum > topp) {
            last = i;
            break;
        }
    }
    const float r = coin * cum;
    float cdf = 0;
    for (size_t i = 0; i <= last; ++i) {
        cdf += cand[i].first;
        if (r < cdf) return cand[i].second;
    }
    return cand[last].second;
}

} // namespace

Sampler::Sampler(const SamplerConfig& config) : config_(config) {
    state_ =
        config.seed != 0
            ? config.seed
            : static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) |
                  1u;
}

int Sampler::sample(float* logits, int n) {
    if (n <= 0) return -1;
    if (config_.temperature <= 0.0f) return argmax(logits, n);
    for (int i = 0; i < n; ++i)
        logits[i] /= config_.temperature;
    softmax(logits, n);
    if (config_.topK > 0 && config_.topK < n) {
        // Keep the k most probable tokens (ties at the threshold by lower id)
        // and renormalise.
        std::vector<int> idx(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i)
            idx[i] = i;
        std::nth_element(
            idx.begin(), idx.begin() + (config_.topK - 1), idx.end(),
            [&](int a, int b) { return logits[a] != logits[b] ? logits[a] > logits[b] : a < b; });
        std::vector<char> keep(static_cast<size_t>(n), 0);
        for (int i = 0; i < config_.topK; ++i)
            keep[idx[i]] = 1;
        float sum = 0;
        for (int i = 0; i < n; ++i) {
            if (!keep[i]) logits[i] = 0.0f;
            sum += logits[i];
        }
        for (int i = 0; i < n; ++i)
            logits[i] /= sum;
    }
    const float coin = randomF32(state_);
    if (config_.topP <= 0.0f || config_.topP >= 1.0f) return sampleMult(logits, n, coin);
    return sampleTopP(logits, n, config_.topP, coin);
}

} // namespace mobi
