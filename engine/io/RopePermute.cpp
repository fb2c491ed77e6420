#include "io/RopePermute.h"

#include "core/Error.h"

#include <cstring>
#include <vector>

namespace mobi {

namespace {

Tensor permuteRows(const Tensor& w, int nHeads, bool toInterleaved) {
    const int64_t rows = w.shape.empty() ? 0 : w.shape[0];
    if (nHeads <= 0 || rows % nHeads != 0 || (rows / nHeads) % 2 != 0)
        throw FormatError(w.name, "cannot permute " + std::to_string(rows) + " rows into " +
                                      std::to_string(nHeads) + " heads of even size");
    const int64_t headDim = rows / nHeads, half = headDim / 2;
    const uint64_t rowBytes = rows == 0 ? 0 : w.nbytes / static_cast<uint64_t>(rows);
    std::vector<uint8_t> out(w.nbytes);
    const uint8_t* src = static_cast<const uint8_t*>(w.data);
    for (int64_t h = 0; h < nHeads; ++h)
        for (int64_t i = 0; i < half; ++i)
            for (int64_t j = 0; j < 2; ++j) {
                const int64_t inter = h * headDim + 2 * i + j;
                const int64_t halfRow = h * headDim + j * half + i;
                const int64_t dst = toInterleaved ? inter : halfRow;
                const int64_t from = toInterleaved ? halfRow : inter;
                std::memcpy(out.data() + dst * rowBytes, src + from * rowBytes, rowBytes);
            }
    return Tensor::fromBytes(w.name, w.dtype, w.shape, std::move(out));
}

} // namespace

Tensor ropeHalfToInterleaved(const Tensor& w, int nHeads) { return permuteRows(w, nHeads, true); }
Tensor ropeInterleavedToHalf(const Tensor& w, int nHeads) { return permuteRows(w, nHeads, false); }

} // namespace mobi
