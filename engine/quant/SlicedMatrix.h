// A weight matrix decomposed into MoBiSlice bit-slices, stored bit-major.
#pragma once

#include "core/Tensor.h"
#include "quant/SliceConfig.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mobi {

class ThreadPool;

// W [rows = out, cols = in] split into K slices; level k = slices 1..k.
//
// Values. Every slice i of every (row, group) is a grid min_i + scale_i * c,
// c in [0, 2^{b_i}-1], and level k of weight j is, in float, in this order:
//     acc = 0; for i < k: acc += min_i + scale_i * c_i(j)
// Slice 1's (scale_1, min_1) come from a clipping search. Slices i > 1 code
// the residual left by the previous levels:
//  - nested:   scale_i = scale_{i-1} / 2^{b_i}, min_i = -scale_i (2^{b_i}-1)/2
//              (centred offsets, derived, not stored). Level k is then the
//              asymmetric B_k-bit quantizer (B_k = b_1+..+b_k) with
//              step_k = scale_1 / 2^{B_k - b_1},
//              min'_k = min_1 - scale_1 * C_k, C_k = sum_{i=2..k} (2^{b_i}-1) / 2^{B_i - b_1 + 1}
//              and code Q_k = (c_1, c_2, .., c_k) concatenated MSB first,
//              i.e. the top B_k bits of the full code; each c_i is the nearest
//              child of the previous cell, so Q_k is also round-to-nearest
//              of the weight on that grid (up to ties).
//  - residual: (scale_i, min_i) fitted per group to the residual with the
//              same clipping search (plus the nested grid as a candidate).
//
// Storage (what a sliced GGUF holds):
//  - bit-planes: P = b_1+..+b_K planes, global plane index p in [0, P): slice
//    1's bits MSB first, then slice 2's MSB first, ... so level k uses exactly
//    planes [0, B_k). Plane p is rows x wordsPerRow uint64 words, row-major;
//    bit (j % 64) of word j / 64 of a row is bit (b_i - 1 - (p - first_i)) of
//    c_i(j) (little-endian words, so as bytes: bit j%8 of byte j/8). Padding
//    bits past cols are zero when written and ignored when read.
//    In memory the planes are kept in the kernels' tiled order instead
//    (tiledPlane), the same bits regrouped: filePlane gives the file order.
//  - per slice that has scales (slice 1; every slice in residual mode): fp16
//    scale and fp16 min arrays of rows x groupsPerRow, row-major. Groups are
//    [g*G, min((g+1)*G, cols)): the last group of a row may be shorter.
class SlicedMatrix {
  public:
    SlicedMatrix() = default;

    // Quantizes src (any dtype Tensor::rowToF32 decodes, shape [rows, cols]).
    // colImportance, if given, has cols entries E[x_j^2] that weight the
    // clipping search's error. pool (optional) splits rows between threads.
    static SlicedMatrix quantize(const Tensor& src, const SliceConfig& cfg,
                                 const std::vector<float>* colImportance = nullptr,
                                 ThreadPool* pool = nullptr);
    static SlicedMatrix quantize(const float* src, int64_t rows, int64_t cols,
                                 const SliceConfig& cfg, const std::string& name = "matrix",
                                 const std::vector<float>* colImportance = nullptr,
                                 ThreadPool* pool = nullptr);

    // Wraps stored parts (e.g. tensors of a sliced GGUF, kept alive by their
    // owners): planes[p] holds rows * wordsPerRow * 8 bytes (8-byte aligned),
    // scales[s] / mins[s] rows * groupsPerRow fp16 values for every slice
    // with scales, in slice order. Throws FormatError naming `name` when a
    // count, size or alignment does not match.
    static SlicedMatrix fromTensors(const SliceConfig& cfg, int64_t rows, int64_t cols,
                                    const std::vector<Tensor>& planes,
                                    const std::vector<Tensor>& scales,
                                    const std::vector<Tensor>& mins, const std::string& name);

    const std::string& name() const { return name_; }
    const SliceConfig& config() const { return cfg_; }
    int64_t rows() const { return rows_; }
    int64_t cols() const { return cols_; }
    int levels() const { return cfg_.levels(); }
    int planes() const { return cfg_.totalBits(); }
    int64_t wordsPerRow() const { return wordsPerRow_; }
    int64_t groupsPerRow() const { return groupsPerRow_; }
    int groupSize() const { return cfg_.groupSize; }
    // Number of slices that store scale/min arrays (1 nested, K residual).
    int scaledSlices() const { return static_cast<int>(scales_.size()); }

    // Plane p in memory: rows in tiles of kTileRows (the last tile padded with
    // zero rows); within a tile, for each 32-bit word w of a row (columns
    // [32w, 32w+32), bit j%32 = column j), the words of the tile's 16 rows
    // side by side: word w of row r is
    //   tiledPlane(p)[((r / 16) * 2 * wordsPerRow() + w) * 16 + r % 16],
    // so one 64-byte load gives 32 columns of 16 rows (the AVX-512 lookup
    // kernel's operand). Holds tiledRows() * wordsPerRow() * 8 bytes.
    static constexpr int kTileRows = 16;
    const uint32_t* tiledPlane(int p) const { return planes_[static_cast<size_t>(p)]; }
    int64_t tiledRows() const { return (rows_ + kTileRows - 1) / kTileRows * kTileRows; }
    // 32-bit word w (< 2 * wordsPerRow()) of row r of plane p.
    uint32_t planeWord32(int p, int64_t r, int64_t w) const {
        return planes_[static_cast<size_t>(p)]
                      [((r / kTileRows) * 2 * wordsPerRow_ + w) * kTileRows + r % kTileRows];
    }
    // Plane p in file order (rows x wordsPerRow words, row-major): a copy.
    std::vector<uint64_t> filePlane(int p) const;
    // Bytes of a plane in the file.
    uint64_t planeBytes() const { return static_cast<uint64_t>(rows_ * wordsPerRow_) * 8; }
    // fp16 arrays [rows * groupsPerRow] of slice s (s < scaledSlices()).
    const uint16_t* scales(int s) const { return scales_[static_cast<size_t>(s)]; }
    const uint16_t* mins(int s) const { return mins_[static_cast<size_t>(s)]; }
    uint64_t scaleBytes() const { return static_cast<uint64_t>(rows_ * groupsPerRow_) * 2; }

    // Bytes a level-k product reads: its planes plus the scale/min arrays of
    // the slices it uses.
    uint64_t levelBytes(int k) const;
    // Bits per weight of level k including fp16 scale and min of each slice
    // that has them (tail groups counted as whole groups of fp16 pairs).
    double effectiveBits(int k) const;

    // Slice i (0-based) of (row, group): its float scale and min (derived in
    // nested mode).
    void sliceScaleMin(int slice, int64_t row, int64_t group, float& scale, float& min) const;
    // Code c_i(j) of slice i (0-based) at (row, col), assembled from planes.
    int code(int slice, int64_t row, int64_t col) const;

    // Level k (1-based) of row r into out[0..cols), by the formula above.
    void dequantizeRow(int k, int64_t r, float* out) const;
    std::vector<float> dequantizeLevel(int k) const;

    // ||W - W_k||_F / ||W||_F against the source, recorded by quantize()
    // (NaN for a matrix wrapped with fromTensors; use errorAgainst).
    double reconstructionError(int k) const;
    double errorAgainst(int k, const Tensor& src) const;

  private:
    static SlicedMatrix quantizeRows(const std::function<void(int64_t, float*)>& rowSource,
                                     int64_t rows, int64_t cols, const SliceConfig& cfg,
                                     const std::string& name,
                                     const std::vector<float>* colImportance, ThreadPool* pool);
    void allocateOwned();
    // Takes file-order planes (rows x wordsPerRow words each) into tiled
    // storage of this matrix.
    void setTiledPlanes(const std::vector<const uint64_t*>& fileOrder);
    void checkLevel(int k) const;

    std::string name_;
    SliceConfig cfg_;
    int64_t rows_ = 0, cols_ = 0, wordsPerRow_ = 0, groupsPerRow_ = 0;
    std::vector<const uint32_t*> planes_; // tiled
    std::shared_ptr<const std::vector<uint32_t>> tiled_;
    std::vector<const uint16_t*> scales_, mins_;
    std::vector<double> levelError_;
    std::shared_ptr<const void> owner_;
};

} // namespace mobi
