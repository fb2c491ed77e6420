// General FP32 matrix products for training (forward, input gradient and
// weight gradient of a linear; attention's score and mix products):
// C = op(A) op(B) (+ C), row-major, packed into cache blocks, with an
// AVX-512 micro-kernel where the CPU has it and a portable one otherwise.
#pragma once

#include "core/ThreadPool.h"
#include "kernels/Matmul.h"

#include <cstdint>

namespace mobi {

// One product: C[M x N] (row stride ldc) = op(A)[M x K] * op(B)[K x N],
// added to C when `accumulate`, else replacing it. op(A) is A (M rows of
// stride lda) or, when transA, the transpose of A (K rows of stride lda);
// likewise B.
struct GemmProblem {
    int M = 0, N = 0, K = 0;
    const float* A = nullptr;
    int64_t lda = 0;
    bool transA = false;
    const float* B = nullptr;
    int64_t ldb = 0;
    bool transB = false;
    float* C = nullptr;
    int64_t ldc = 0;
    bool accumulate = false;
};

// On the calling thread only (for work already split between threads).
// Every element of C is summed over K in the same order on every call, so
// results are reproducible bit for bit on one ISA.
void gemmF32(KernelIsa isa, const GemmProblem& p);
// Split between the pool's threads (rows of C, or columns when C has few
// rows); each element is computed by one thread in the serial order above.
void gemmF32(ThreadPool& pool, KernelIsa isa, const GemmProblem& p);

// 2 M N K.
inline double gemmFlops(const GemmProblem& p) {
    return 2.0 * double(p.M) * double(p.N) * double(p.K);
}

} // namespace mobi
