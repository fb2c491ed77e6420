#include "LogitAnalysis.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mobi {

LogitAnalysis analyseLogits(const float* logits, int n, int topK) {
    LogitAnalysis a;
    if (n <= 0) return a;
    const float mx = *std::max_element(logits, logits + n);
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
    const double logZ = mx + std::log(sum);
    a.logProbs.resize(n);
    for (int i = 0; i < n; ++i) {
        const double lp = logits[i] - logZ;
        a.logProbs[i] = static_cast<float>(lp);
        a.entropy -= std::exp(lp) * lp;
    }
    std::vector<int> ids(n);
    std::iota(ids.begin(), ids.end(), 0);
    const int k = std::min(topK, n);
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(),
                      [&](int x, int y) { return logits[x] > logits[y]; });
    for (int i = 0; i < k; ++i) a.top.emplace_back(ids[i], a.logProbs[ids[i]]);
    return a;
}

} // namespace mobi
