#include "kernels/VectorOps.h"

#include "kernels/Matmul.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mobi {

namespace {

float dotScalar(const float* a, const float* b, int64_t n) {
    float s = 0;
    for (int64_t i = 0; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

void axpyScalar(float alpha, const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        y[i] += alpha * x[i];
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float dotAvx2(const float* a, const float* b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s0 = _mm256_add_ps(s0, s1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float s = _mm_cvtss_f32(h);
    for (; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

__attribute__((target("avx2,fma"))) void axpyAvx2(float alpha, const float* x, float* y,
                                                  int64_t n) {
    const __m256 a = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i)
        y[i] += alpha * x[i];
}
#endif

struct Ops {
    float (*dot)(const float*, const float*, int64_t) = dotScalar;
    void (*axpy)(float, const float*, float*, int64_t) = axpyScalar;
};

const Ops& ops() {
    static const Ops o = [] {
        Ops r;
#if defined(__x86_64__)
        if (bestKernelIsa() != KernelIsa::Scalar) {
            r.dot = dotAvx2;
            r.axpy = axpyAvx2;
        }
#endif
        return r;
    }();
    return o;
}

} // namespace

float dotF32(const float* a, const float* b, int64_t n) {
    return ops().dot(a, b, n);
}
void axpyF32(float alpha, const float* x, float* y, int64_t n) {
    ops().axpy(alpha, x, y, n);
}

} // namespace mobi
