// Row permutations between RoPE layouts of q/k projection weights.
//
// Hugging Face LLaMA checkpoints rotate (i, i + d/2) pairs; llama2.c and
// GGUF `llama` rotate (2i, 2i+1) pairs. Converters permute the rows of wq and
// wk inside each head so both compute the same function:
// interleaved row 2i+j  <->  half-layout row j*d/2 + i  (j in {0, 1}).
#pragma once

#include "core/Tensor.h"

#include <cstdint>
#include <vector>

namespace mobi {

// Row r of the permuted matrix is row order[r] of the source (rows split into
// nHeads heads of even size); FormatError naming `name` otherwise.
std::vector<int64_t> ropeRowOrder(int64_t rows, int nHeads, bool toInterleaved,
                                  const std::string& name);

// Returns a new owned tensor (same dtype) whose rows are reordered.
// nHeads is the number of heads the rows are split into (n_kv_heads for wk).
Tensor ropeHalfToInterleaved(const Tensor& w, int nHeads);
Tensor ropeInterleavedToHalf(const Tensor& w, int nHeads);

} // namespace mobi
