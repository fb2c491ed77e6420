// Per-channel activation magnitude outliers of a block's normalized input:
// channels whose max |x| over the text exceeds `factor` x the layer's median
// channel max |x| (the "massive activation" channels that make uniform
// quantization of activations hard).
#pragma once

#include <vector>

namespace mobi {

struct ChannelOutlierOptions {
    double factor = 6.0; // threshold = factor x median channel max |x|; > 0
};

struct ChannelOutlier {
    int channel = 0;
    float maxAbs = 0, meanAbs = 0;
};

struct LayerChannelOutliers {
    int layer = 0;
    // Median of the layer's channel max |x| (mean of the two middle values
    // when dim is even) and the threshold factor x median.
    double medianMax = 0, threshold = 0;
    // Largest channel max |x| / median (0 when the median is 0).
    double peakRatio = 0;
    // Every channel with max |x| > threshold, largest max first (ties: lower
    // channel first); count() of them.
    std::vector<ChannelOutlier> channels;
    int count() const { return static_cast<int>(channels.size()); }
};

// maxAbs/meanAbs: [layer * dim + channel] (BlockErrors::channelMaxAbs and
// channelMeanAbs). EngineError on empty shapes, size mismatch or factor <= 0.
std::vector<LayerChannelOutliers> channelOutliers(const std::vector<float>& maxAbs,
                                                  const std::vector<float>& meanAbs, int nLayers,
                                                  int dim, const ChannelOutlierOptions& options);

} // namespace mobi
