// The bit-specific baseline: round-to-nearest asymmetric group quantization
// calibrated separately at one bit-width (same fit as MoBiSlice's slice 1).
#pragma once

#include "core/Tensor.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mobi {

class ThreadPool;

// A matrix quantized at `bits` bits per weight: per group of `groupSize`
// input columns (shorter tail group) an fp16 scale and min from the clipping
// search of GroupFit.h; value = min + scale * code. Stored unpacked (one code
// per byte): it is the quality baseline, not a kernel format.
class RtnQuantizer {
  public:
    struct Options {
        int bits = 4;
        int groupSize = 128;
        int clipSteps = 20;
        float clipMin = 0.5f;
    };

    RtnQuantizer() = default;

    // Throws EngineError for bits outside 1..8, a group size that is not
    // positive, or activation statistics of the wrong length.
    static RtnQuantizer quantize(const Tensor& src, const Options& opt,
                                 const std::vector<float>* colImportance = nullptr,
                                 ThreadPool* pool = nullptr);
    static RtnQuantizer quantize(const float* src, int64_t rows, int64_t cols, const Options& opt,
                                 const std::string& name = "matrix",
                                 const std::vector<float>* colImportance = nullptr,
                                 ThreadPool* pool = nullptr);

    int bits() const { return opt_.bits; }
    int groupSize() const { return opt_.groupSize; }
    int64_t rows() const { return rows_; }
    int64_t cols() const { return cols_; }
    int64_t groupsPerRow() const { return groupsPerRow_; }
    const std::vector<uint8_t>& codes() const { return codes_; }
    const std::vector<uint16_t>& scales() const { return scales_; }
    const std::vector<uint16_t>& mins() const { return mins_; }

    // bits + 32 bits of fp16 scale and min per group.
    double effectiveBits() const;
    void dequantizeRow(int64_t r, float* out) const;
    std::vector<float> dequantize() const;
    // ||W - Q(W)||_F / ||W||_F, recorded while quantizing.
    double reconstructionError() const { return error_; }

  private:
    static RtnQuantizer quantizeRows(const std::function<void(int64_t, float*)>& rowSource,
                                     int64_t rows, int64_t cols, const Options& opt,
                                     const std::string& name,
                                     const std::vector<float>* colImportance, ThreadPool* pool);

    Options opt_;
    std::string name_;
    int64_t rows_ = 0, cols_ = 0, groupsPerRow_ = 0;
    std::vector<uint8_t> codes_;
    std::vector<uint16_t> scales_, mins_;
    double error_ = 0.0;
};

} // namespace mobi
