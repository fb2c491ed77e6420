// Which records each optimizer step trains on: every epoch a seeded
// shuffle of the records, taken in order until a step holds batchTokens
// tokens. A pure function of (seed, cursor), so a resumed run sees the same
// batches as an uninterrupted one.
#pragma once

#include "train/TrainBatch.h"
#include "train/TrainData.h"

#include <cstdint>
#include <vector>

namespace mobi {

struct DataCursor {
    int64_t epoch = 0;
    int64_t index = 0; // next record of the epoch's order
};

class BatchPlanner {
  public:
    BatchPlanner(const TrainDataset& data, uint64_t seed, int batchTokens);

    // Record indices of the next step; advances the cursor.
    std::vector<int> nextStep(DataCursor& cursor) const;
    // Packs records into micro-batches of at most microTokens tokens (one
    // record at least), with next-token targets where the loss mask is set.
    std::vector<TrainBatch> microBatches(const std::vector<int>& records, int microTokens) const;
    // Steps per epoch (at least 1).
    int64_t stepsPerEpoch() const;

  private:
    std::vector<int> order(int64_t epoch) const;
    const TrainDataset& data_;
    uint64_t seed_;
    int batchTokens_;
    mutable int64_t cachedEpoch_ = -1;
    mutable std::vector<int> cachedOrder_;
};

} // namespace mobi
