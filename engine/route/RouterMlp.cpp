#include "route/RouterMlp.h"

#include "core/Error.h"
#include "kernels/VectorOps.h"

#include <cmath>
#include <memory>

namespace mobi {

namespace {

void checkFinite(const std::vector<float>& v, const char* name, const std::string& where) {
    for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
            throw EngineError(where, std::string("router ") + name + "[" + std::to_string(i) +
                                         "] is not finite");
}

void checkSize(const std::vector<float>& v, uint64_t expect, const char* name,
               const std::string& where) {
    if (v.size() != expect)
        throw EngineError(where, std::string("router ") + name + " has " +
                                     std::to_string(v.size()) + " values, expected " +
                                     std::to_string(expect));
}

} // namespace

void RouterMlp::validate(const std::string& where) const {
    if (in <= 0 || hidden <= 0 || out <= 0)
        throw EngineError(where, "router dimensions must be positive (in " + std::to_string(in) +
                                     ", hidden " + std::to_string(hidden) + ", out " +
                                     std::to_string(out) + ")");
    checkSize(w1, uint64_t(hidden) * uint64_t(in), "w1", where);
    checkSize(b1, uint64_t(hidden), "b1", where);
    checkSize(w2, uint64_t(out) * uint64_t(hidden), "w2", where);
    checkSize(b2, uint64_t(out), "b2", where);
    checkFinite(w1, "w1", where);
    checkFinite(b1, "b1", where);
    checkFinite(w2, "w2", where);
    checkFinite(b2, "b2", where);
}

void RouterMlp::forward(const float* x, int n, float* logits) const {
    constexpr int kStack = 256;
    float stackBuf[kStack];
    std::unique_ptr<float[]> heapBuf;
    float* h = stackBuf;
    if (hidden > kStack) {
        heapBuf.reset(new float[size_t(hidden)]);
        h = heapBuf.get();
    }
    const float* W1 = w1.data();
    const float* W2 = w2.data();
    for (int r = 0; r < n; ++r) {
        const float* xr = x + size_t(r) * size_t(in);
        for (int j = 0; j < hidden; ++j) {
            const float a = b1[size_t(j)] + dotF32(W1 + size_t(j) * size_t(in), xr, in);
            h[j] = a > 0.0f ? a : 0.0f;
        }
        float* yr = logits + size_t(r) * size_t(out);
        for (int o = 0; o < out; ++o)
            yr[o] = b2[size_t(o)] + dotF32(W2 + size_t(o) * size_t(hidden), h, hidden);
    }
}

uint64_t RouterMlp::flopsPerToken() const {
    const uint64_t I = uint64_t(in > 0 ? in : 0), H = uint64_t(hidden > 0 ? hidden : 0),
                   O = uint64_t(out > 0 ? out : 0);
    // 2 per multiply-add, 1 per bias add, 1 per ReLU.
    return 2 * H * I + H + H + 2 * O * H + O;
}

} // namespace mobi
