#include "train/BatchPlanner.h"

#include "util/SplitMix64.h"

#include <algorithm>
#include <numeric>

namespace mobi {

BatchPlanner::BatchPlanner(const TrainDataset& data, uint64_t seed, int batchTokens)
    : data_(data), seed_(seed), batchTokens_(std::max(1, batchTokens)) {}

std::vector<int> BatchPlanner::order(int64_t epoch) const {
    if (epoch == cachedEpoch_) return cachedOrder_;
    std::vector<int> o(data_.records.size());
    std::iota(o.begin(), o.end(), 0);
    SplitMix64 rng{seed_ ^ (0xD1B54A32D192ED03ull * uint64_t(epoch + 1))};
    for (size_t i = o.size(); i > 1; --i)
        std::swap(o[i - 1], o[rng.below(i)]);
    cachedEpoch_ = epoch;
    cachedOrder_ = o;
    return o;
}

std::vector<int> BatchPlanner::nextStep(DataCursor& c) const {
    std::vector<int> out;
    if (data_.records.empty()) return out;
    int64_t tokens = 0;
    for (;;) {
        if (c.index >= static_cast<int64_t>(data_.records.size())) {
            ++c.epoch;
            c.index = 0;
        }
        const std::vector<int> o = order(c.epoch);
        const int r = o[size_t(c.index)];
        const int64_t len = static_cast<int64_t>(data_.records[size_t(r)].tokens.size());
        if (!out.empty() && tokens + len > batchTokens_) break;
        out.push_back(r);
        tokens += len;
        ++c.index;
    }
    return out;
}

std::vector<TrainBatch> BatchPlanner::microBatches(const std::vector<int>& records,
                                                   int microTokens) const {
    std::vector<TrainBatch> out;
    TrainBatch cur;
    cur.starts = {0};
    for (int r : records) {
        const TokenizedRecord& rec = data_.records[size_t(r)];
        const int len = static_cast<int>(rec.tokens.size());
        if (cur.size() > 0 && cur.size() + len > microTokens) {
            out.push_back(std::move(cur));
            cur = TrainBatch{};
            cur.starts = {0};
        }
        for (int i = 0; i < len; ++i) {
            cur.tokens.push_back(rec.tokens[size_t(i)]);
            cur.targets.push_back(i + 1 < len && rec.loss[size_t(i) + 1] ? rec.tokens[size_t(i) + 1]
                                                                         : -1);
        }
        cur.starts.push_back(cur.size());
    }
    if (cur.size() > 0) out.push_back(std::move(cur));
    return out;
}

int64_t BatchPlanner::stepsPerEpoch() const {
    return std::max<int64_t>(1, (data_.tokens + batchTokens_ - 1) / batchTokens_);
}

} // namespace mobi
