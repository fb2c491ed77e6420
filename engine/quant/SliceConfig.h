// Parameters of a MoBiSlice decomposition: slice widths, group size, mode.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mobi {

// How slices after the first quantize the residual.
//  nested:   no new scales; slice i's step is slice i-1's step / 2^{b_i} and
//            its codes are centred offsets, so level k is exactly an
//            asymmetric (b_1+..+b_k)-bit quantizer on a refined grid whose
//            codes are the concatenated slice codes (bit-plane compatible).
//  residual: every slice has its own per-group fp16 scale and min fitted to
//            the residual (more overhead, more freedom).
enum class SliceMode : uint8_t { Nested, Residual };

const char* sliceModeName(SliceMode m);
// Throws EngineError naming `where` for anything but "nested" / "residual".
SliceMode parseSliceMode(const std::string& s, const std::string& where = "--mode");

struct SliceConfig {
    static constexpr int kMaxSliceBits = 8;
    static constexpr int kMaxTotalBits = 16;
    // The kernels read plane words in 16-bit masks, so groups are whole masks.
    static constexpr int kGroupMultiple = 16;

    std::vector<int> sliceBits{2, 1, 1, 1};
    int groupSize = 128;
    SliceMode mode = SliceMode::Nested;
    // Clipping search of every fitted scale: `clipSteps` shrink factors of
    // the group's [min, max] range evenly spaced from 1.0 down to clipMin.
    int clipSteps = 20;
    float clipMin = 0.5f;
    // What slice 1's clipping search minimises in nested mode, where later
    // levels live on slice 1's range: its own error (Level1), or the errors
    // of all levels, each scaled by 4^(B_k - b_1) so that every level counts
    // alike (AllLevels, the default: with Level1 the clipping chosen for 2
    // bits caps the top level). Residual mode always uses Level1 (its later
    // slices refit their own ranges).
    enum class ClipObjective : uint8_t { Level1, AllLevels };
    ClipObjective clipObjective = ClipObjective::AllLevels;

    int levels() const { return static_cast<int>(sliceBits.size()); }
    // Bits of a weight at level k (1-based): b_1 + ... + b_k.
    int bitsForLevel(int k) const;
    int totalBits() const { return bitsForLevel(levels()); }
    // Smallest level with at least `bits` bits, or -1 when no level has.
    int levelForBits(int bits) const;
    // Bit-planes (global, MSB of slice 1 first) that slice i (0-based) owns:
    // [firstPlane(i), firstPlane(i) + sliceBits[i]).
    int firstPlane(int slice) const;
    bool sliceHasScales(int slice) const { return slice == 0 || mode == SliceMode::Residual; }

    // Throws EngineError (naming `where`) for an empty list, a zero or
    // negative width, a width above 8, a total above 16 bits, a group size
    // that is not a positive multiple of 16, or a bad clipping search.
    void validate(const std::string& where = "slice config") const;

    // "2,1,1,1" -> {2,1,1,1}; spaces allowed; errors name `where`.
    static std::vector<int> parseSliceBits(const std::string& spec,
                                           const std::string& where = "--slices");
    std::string sliceBitsString() const;
};

} // namespace mobi
