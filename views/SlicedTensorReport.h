// What the model inspector shows for a sliced linear: slice 1's per-group
// scales, the reconstruction error of every level, and value statistics of
// one level's dequantized weights. Computed off the GUI thread.
#pragma once

#include "TensorStatistics.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mobi {

struct Model;
struct Tensor;
class SlicedMatrix;

struct SlicedLevelError {
    int level = 0;            // 1-based
    int bits = 0;             // b_1 + .. + b_k
    double effectiveBits = 0; // scale/min overhead included
    double relError = 0;      // relative Frobenius error (see SlicedTensorReport::againstDense)
};

struct SlicedTensorReport {
    QString key;
    int64_t rows = 0, cols = 0, groups = 0;
    int groupSize = 0;
    QString sliceBits; // "2,1,1,1"
    QString mode;      // "nested" / "residual"
    // Slice 1's scale per (row, group), rows x groups row-major.
    std::vector<float> scales;
    // One entry per level. With a dense source the error of level k is
    // ||W - W_k|| / ||W||; without one (a sliced file) ||W_K - W_k|| / ||W_K||
    // against the top level K (which is then 0).
    std::vector<SlicedLevelError> levels;
    bool againstDense = false;
};

// The tensor key (see ModelTensors.h) of linear i (order q, k, v, o, gate,
// up, down as in SlicedLayer::all()) of block `layer`.
std::string slicedLinearKey(int layer, int linear);
// The sliced matrix a key names, or null (dense model, or not a block linear).
const SlicedMatrix* findSlicedMatrix(const Model& model, const std::string& key);

// Scales and per-level errors of `m`; `dense` (may be null) is its source.
// Returns false when `cancelled` said so (polled per level).
bool computeSlicedReport(const SlicedMatrix& m, const Tensor* dense, SlicedTensorReport& out,
                         const std::function<bool()>& cancelled = {});
// Value statistics of level k's dequantized weights.
TensorStatistics slicedLevelStatistics(const SlicedMatrix& m, int k, int bins = 128);

} // namespace mobi
