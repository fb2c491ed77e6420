#include "quant/GroupFit.h"

#include "core/Error.h"
#include "core/Half.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace mobi {

void quantizeToGrid(const float* v, int n, int bits, float scale, float min, uint8_t* codes) {
    const float qmax = static_cast<float>((1 << bits) - 1);
    if (!(scale > 0.0f)) {
        std::memset(codes, 0, static_cast<size_t>(n));
        return;
    }
    for (int j = 0; j < n; ++j) {
        float q = std::nearbyint((v[j] - min) / scale);
        q = std::min(std::max(q, 0.0f), qmax);
        codes[j] = static_cast<uint8_t>(q);
    }
}

namespace {

double gridError(const float* v, const float* w, int n, float scale, float min,
                 const uint8_t* codes) {
    double e = 0.0;
    for (int j = 0; j < n; ++j) {
        const float d = v[j] - (min + scale * static_cast<float>(codes[j]));
        const double dd = static_cast<double>(d) * d;
        e += w ? w[j] * dd : dd;
    }
    return e;
}

// Rounds (scale, min) to fp16; false when they do not fit.
bool toF16(float scale, float min, GroupFit& f) {
    f.scaleF16 = f32ToF16(scale);
    f.minF16 = f32ToF16(min);
    f.scale = f16ToF32(f.scaleF16);
    f.min = f16ToF32(f.minF16);
    return std::isfinite(f.scale) && std::isfinite(f.min);
}

} // namespace

void clipCandidates(const float* v, int n, int bits, int clipSteps, float clipMin,
                    std::vector<GroupFit>& out, const char* where) {
    out.clear();
    float lo = v[0], hi = v[0];
    for (int j = 0; j < n; ++j) {
        if (!std::isfinite(v[j]))
            throw UnsupportedError(where, "weight is not finite, cannot be quantized");
        lo = std::min(lo, v[j]);
        hi = std::max(hi, v[j]);
    }
    const float qmax = static_cast<float>((1 << bits) - 1);
    const bool straddles = lo <= 0.0f && hi >= 0.0f;
    const float mid = 0.5f * (lo + hi), half = 0.5f * (hi - lo);
    for (int t = 0; t < clipSteps; ++t) {
        const float a = clipSteps == 1
                            ? 1.0f
                            : 1.0f - (1.0f - clipMin) * static_cast<float>(t) / (clipSteps - 1);
        const float l = straddles ? a * lo : mid - a * half;
        const float h = straddles ? a * hi : mid + a * half;
        GroupFit c;
        if (!toF16((h - l) / qmax, l, c))
            throw UnsupportedError(where, "weight range [" + std::to_string(lo) + ", " +
                                              std::to_string(hi) + "] does not fit fp16 scales");
        out.push_back(c);
    }
}

GroupFit fitGroup(const float* v, const float* weights, int n, int bits, int clipSteps,
                  float clipMin, const GroupFit* extra, uint8_t* codes, uint8_t* scratch,
                  const char* where) {
    GroupFit best;
    bool have = false;
    auto tryCandidate = [&](const GroupFit& c) {
        quantizeToGrid(v, n, bits, c.scale, c.min, scratch);
        const double e = gridError(v, weights, n, c.scale, c.min, scratch);
        if (!have || e < best.error) {
            best = c;
            best.error = e;
            have = true;
            std::memcpy(codes, scratch, static_cast<size_t>(n));
        }
    };
    thread_local std::vector<GroupFit> cands;
    clipCandidates(v, n, bits, clipSteps, clipMin, cands, where);
    for (const GroupFit& c : cands)
        tryCandidate(c);
    if (extra) {
        GroupFit c;
        if (toF16(extra->scale, extra->min, c)) tryCandidate(c);
    }
    return best;
}

} // namespace mobi
