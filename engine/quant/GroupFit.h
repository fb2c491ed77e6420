// Asymmetric uniform quantization of one group of values with a clipping
// search: the fitting step shared by MoBiSlice slices and the RTN baseline.
#pragma once

#include <cstdint>
#include <vector>

namespace mobi {

// One fitted group: value = min + scale * code, code in [0, 2^bits - 1].
// scale and min are stored as fp16; the float fields are their exact values.
struct GroupFit {
    uint16_t scaleF16 = 0;
    uint16_t minF16 = 0;
    float scale = 0.0f;
    float min = 0.0f;
    double error = 0.0; // sum_j weight_j (v_j - dequant_j)^2
};

// Codes of v[0..n) on the grid (min, scale): round-to-nearest-even of
// (v - min) / scale clamped to [0, 2^bits - 1] (all zero when scale is 0).
void quantizeToGrid(const float* v, int n, int bits, float scale, float min, uint8_t* codes);

// The clipping-search candidates of fitGroup (fp16-rounded), in order.
// Throws like fitGroup.
void clipCandidates(const float* v, int n, int bits, int clipSteps, float clipMin,
                    std::vector<GroupFit>& out, const char* where);

// Fits `bits`-bit codes to v[0..n). The [lo, hi] range of the group is
// shrunk by `clipSteps` factors from 1.0 down to `clipMin` (towards zero when
// the range straddles zero, towards its centre otherwise); scale and min are
// rounded to fp16 before the codes are chosen, and the candidate with the
// smallest weighted squared error wins. `weights` (per element, may be null
// for all ones) are activation statistics E[x_j^2]. `extra`, if not null, is
// one more (scale, min) candidate tried as is. Writes the winning codes.
// Throws UnsupportedError when the values do not fit fp16 scales (or are
// not finite); `where` names the tensor.
GroupFit fitGroup(const float* v, const float* weights, int n, int bits, int clipSteps,
                  float clipMin, const GroupFit* extra, uint8_t* codes, uint8_t* scratch,
                  const char* where);

} // namespace mobi
