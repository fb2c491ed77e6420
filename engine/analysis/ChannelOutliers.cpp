#include "analysis/ChannelOutliers.h"

#include "core/Error.h"

#include <algorithm>
#include <cmath>

namespace mobi {

std::vector<LayerChannelOutliers> channelOutliers(const std::vector<float>& maxAbs,
                                                  const std::vector<float>& meanAbs, int nLayers,
                                                  int dim, const ChannelOutlierOptions& o) {
    if (nLayers < 1 || dim < 1) throw EngineError("channel outliers", "no layers or channels");
    const size_t n = static_cast<size_t>(nLayers) * dim;
    if (maxAbs.size() != n || meanAbs.size() != n)
        throw EngineError("channel outliers", "statistics are not layers x dim values");
    if (!(o.factor > 0)) throw EngineError("channel outliers", "factor must be positive");
    std::vector<LayerChannelOutliers> out;
    std::vector<float> sorted(static_cast<size_t>(dim));
    for (int l = 0; l < nLayers; ++l) {
        const float* mx = maxAbs.data() + static_cast<size_t>(l) * dim;
        const float* mn = meanAbs.data() + static_cast<size_t>(l) * dim;
        std::copy(mx, mx + dim, sorted.begin());
        std::sort(sorted.begin(), sorted.end());
        LayerChannelOutliers r;
        r.layer = l;
        r.medianMax = dim % 2
                          ? sorted[size_t(dim / 2)]
                          : 0.5 * (double(sorted[size_t(dim / 2 - 1)]) + sorted[size_t(dim / 2)]);
        r.threshold = o.factor * r.medianMax;
        r.peakRatio = r.medianMax > 0 ? sorted.back() / r.medianMax : 0.0;
        for (int c = 0; c < dim; ++c)
            if (mx[c] > r.threshold) r.channels.push_back({c, mx[c], mn[c]});
        std::sort(r.channels.begin(), r.channels.end(),
                  [](const ChannelOutlier& a, const ChannelOutlier& b) {
                      return a.maxAbs != b.maxAbs ? a.maxAbs > b.maxAbs : a.channel < b.channel;
                  });
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace mobi
