// MoBiRoute's router network: a two-layer MLP (in -> hidden, ReLU -> out)
// that maps a block's normalized input hidden state to one logit per
// optional slice. Plain row-major float weights; forward() is cheap enough to
// run per token and per layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

struct RouterMlp {
    int in = 0, hidden = 0, out = 0;
    std::vector<float> w1; // hidden x in, row-major
    std::vector<float> b1; // hidden
    std::vector<float> w2; // out x hidden, row-major
    std::vector<float> b2; // out

    // Throws EngineError (prefixed with `where`) if a dimension is <= 0, a
    // vector's size does not match the dimensions, or a value is not finite.
    void validate(const std::string& where) const;

    // x: n x in row-major, logits: n x out row-major. Thread-safe; does not
    // allocate for hidden <= 256.
    void forward(const float* x, int n, float* logits) const;

    // Multiply-adds counted as two flops, plus bias and ReLU.
    uint64_t flopsPerToken() const;

    size_t parameterCount() const { return w1.size() + b1.size() + w2.size() + b2.size(); }
};

} // namespace mobi
