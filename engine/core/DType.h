// Element types of stored tensors and their sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mobi {

// Storage types the engine computes on directly. Block types (Q8_0) store
// `blockElems` elements in `blockBytes` bytes.
enum class DType : uint8_t { F32, F16, BF16, Q8_0, I8, I16, I32, U8 };

const char* dtypeName(DType t);
size_t dtypeBlockElems(DType t);
size_t dtypeBlockBytes(DType t);
// Bytes needed for `n` elements; `n` must be a multiple of the block size
// (callers validate first with dtypeRowBytesChecked).
size_t dtypeBytes(DType t, uint64_t n);
// Returns false when n is not a whole number of blocks or the size overflows.
bool dtypeBytesChecked(DType t, uint64_t n, uint64_t& bytesOut);

} // namespace mobi
