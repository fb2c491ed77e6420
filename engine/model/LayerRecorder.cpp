#include "model/LayerRecorder.h"

#include <algorithm>
#include <cmath>

namespace mobi {

void LayerRecorder::begin(int nTokens) {
    rms_.assign(nTokens, std::vector<float>(layers_, NAN));
    change_.assign(nTokens, std::vector<float>(layers_, NAN));
    levels_.assign(nTokens, std::vector<int>(layers_, 0));
    scores_.assign(nTokens, {});
    scoreWidth_ = 0;
    routed_ = false;
}

void LayerRecorder::observe(const LayerEvent& e) {
    if (e.layer == 0 && e.point == LayerPoint::BlockInput) {
        begin(e.nTokens);
        pos0_ = e.pos0;
    }
    if (e.layer < 0 || e.layer >= layers_ || e.nTokens != static_cast<int>(rms_.size())) return;
    if (e.point == LayerPoint::Route) {
        if (!e.levels || e.linear > 0) return;
        routed_ = true;
        for (int t = 0; t < e.nTokens; ++t)
            levels_[t][e.layer] = e.levels[t];
        if (e.width > 0 && e.data) {
            if (scoreWidth_ != e.width) {
                scoreWidth_ = e.width;
                for (auto& row : scores_)
                    row.assign(static_cast<size_t>(layers_) * e.width, NAN);
            }
            for (int t = 0; t < e.nTokens; ++t)
                std::copy(e.data + static_cast<size_t>(t) * e.width,
                          e.data + static_cast<size_t>(t + 1) * e.width,
                          scores_[t].begin() + static_cast<size_t>(e.layer) * e.width);
        }
        return;
    }
    const size_t n = static_cast<size_t>(e.nTokens) * e.width;
    if (e.point == LayerPoint::BlockInput) {
        input_.assign(e.data, e.data + n);
        return;
    }
    if (e.point != LayerPoint::BlockOutput || input_.size() != n) return;
    for (int t = 0; t < e.nTokens; ++t) {
        const float* out = e.data + static_cast<size_t>(t) * e.width;
        const float* in = input_.data() + static_cast<size_t>(t) * e.width;
        double outSq = 0, inSq = 0, diffSq = 0;
        for (int i = 0; i < e.width; ++i) {
            outSq += static_cast<double>(out[i]) * out[i];
            inSq += static_cast<double>(in[i]) * in[i];
            const double d = static_cast<double>(out[i]) - in[i];
            diffSq += d * d;
        }
        rms_[t][e.layer] = static_cast<float>(std::sqrt(outSq / e.width));
        change_[t][e.layer] = inSq > 0 ? static_cast<float>(std::sqrt(diffSq / inSq)) : NAN;
    }
}

} // namespace mobi
