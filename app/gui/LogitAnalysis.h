// Log-softmax, entropy and top-k of one row of logits (the numbers behind token colours).
#pragma once

#include <utility>
#include <vector>

namespace mobi {

struct LogitAnalysis {
    std::vector<float> logProbs;             // log softmax of the row
    double entropy = 0;                      // nats
    std::vector<std::pair<int, float>> top;  // (id, logprob), best first
};

LogitAnalysis analyseLogits(const float* logits, int n, int topK = 5);

} // namespace mobi
