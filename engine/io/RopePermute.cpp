#include "io/RopePermute.h"

#include "core/Error.h"

#include <cstring>
#include <vector>

namespace mobi {

std::vector<int64_t> ropeRowOrder(int64_t rows, int nHeads, bool toInterleaved,
                                  const std::string& name) {
    if (nHeads <= 0 || rows % nHeads != 0 || (rows / nHeads) % 2 != 0)
        throw FormatError(name, "cannot permute " + std::to_string(rows) + " rows into " +
                                    std::to_string(nHeads) + " heads of even size");
    const int64_t headDim = rows / nHeads, half = headDim / 2;
    std::vector<int64_t> order(static_cast<size_t>(rows));
    for (int64_t h = 0; h < nHeads; ++h)
        for (int64_t i = 0; i < half; ++i)
            for (int64_t j = 0; j < 2; ++j) {
                const int64_t inter = h * headDim + 2 * i + j;
                const int64_t halfRow = h * headDim + j * half + i;
                order[static_cast<size_t>(toInterleaved ? inter : halfRow)] =
                    toInterleaved ? halfRow : inter;
            }
    return order;
}

namespace {

Tensor permuteRows(const Tensor& w, int nHeads, bool toInterleaved) {
    const int64_t rows = w.shape.empty() ? 0 : w.shape[0];
    const std::vector<int64_t> order = ropeRowOrder(rows, nHeads, toInterleaved, w.name);
    const uint64_t rowBytes = rows == 0 ? 0 : w.nbytes / static_cast<uint64_t>(rows);
    std::vector<uint8_t> out(w.nbytes);
    const uint8_t* src = static_cast<const uint8_t*>(w.data);
    for (int64_t r = 0; r < rows; ++r)
        std::memcpy(out.data() + r * rowBytes, src + order[static_cast<size_t>(r)] * rowBytes,
                    rowBytes);
    return Tensor::fromBytes(w.name, w.dtype, w.shape, std::move(out));
}

} // namespace

Tensor ropeHalfToInterleaved(const Tensor& w, int nHeads) {
    return permuteRows(w, nHeads, true);
}
Tensor ropeInterleavedToHalf(const Tensor& w, int nHeads) {
    return permuteRows(w, nHeads, false);
}

} // namespace mobi
