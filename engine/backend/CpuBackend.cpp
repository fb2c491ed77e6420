#include "backend/CpuBackend.h"

#include "kernels/VectorOps.h"

#include <algorithm>
#include <cmath>

namespace mobi {

const char* backendOpName(BackendOp op) {
    switch (op) {
    case BackendOp::Matmul:
        return "matmul";
    case BackendOp::SlicedMatmul:
        return "sliced matmul";
    case BackendOp::RmsNorm:
        return "rmsnorm";
    case BackendOp::Rope:
        return "rope";
    case BackendOp::Attention:
        return "attention";
    case BackendOp::Swiglu:
        return "swiglu";
    }
    return "?";
}

CpuBackend::CpuBackend(ThreadPool& pool, KernelIsa isa) : pool_(pool), isa_(isa) {}

void CpuBackend::matmulGroup(const MatmulJob* jobs, int nJobs, const float* X, int64_t ldx, int n) {
    mobi::matmulGroup(pool_, jobs, nJobs, X, ldx, n, isa_);
}

void CpuBackend::slicedMatmulGroup(const SlicedJob* jobs, int nJobs, const float* X, int64_t ldx,
                                   int n, SlicedKernelMode mode) {
    mobi::slicedMatmulGroup(pool_, jobs, nJobs, X, ldx, n, isa_, mode);
}

// The sum of squares in double as ggml does.
void CpuBackend::rmsNorm(float* out, const float* x, const float* w, int rows, int width,
                         float eps) {
    for (int r = 0; r < rows; ++r) {
        const float* xr = x + size_t(r) * width;
        float* o = out + size_t(r) * width;
        double ss = 0;
        for (int i = 0; i < width; ++i)
            ss += static_cast<double>(xr[i]) * xr[i];
        const float scale = static_cast<float>(1.0 / std::sqrt(ss / width + eps));
        for (int i = 0; i < width; ++i)
            o[i] = w[i] * (xr[i] * scale);
    }
}

// Pair i rotates by (pos / scale) * theta^(-2i/hd), angles in float as the
// reference implementations compute them.
void CpuBackend::rope(float* x, int n, int heads, const RopeParams& p, int pos) {
    const int hd = p.headDim;
    ropeCos_.resize(size_t(hd / 2));
    ropeSin_.resize(size_t(hd / 2));
    const bool interleaved = p.interleaved;
    for (int t = 0; t < n; ++t) {
        const float at = static_cast<float>(pos + t) / p.scale;
        for (int i = 0; i < hd / 2; ++i) {
            const float freq = 1.0f / std::pow(p.theta, (2.0f * i) / static_cast<float>(hd));
            const float a = at * freq;
            ropeCos_[size_t(i)] = std::cos(a);
            ropeSin_[size_t(i)] = std::sin(a);
        }
        for (int h = 0; h < heads; ++h) {
            float* hv = x + (size_t(t) * heads + h) * hd;
            for (int i = 0; i < hd / 2; ++i) {
                const int a = interleaved ? 2 * i : i;
                const int b = interleaved ? 2 * i + 1 : i + hd / 2;
                const float v0 = hv[a], v1 = hv[b];
                hv[a] = v0 * ropeCos_[size_t(i)] - v1 * ropeSin_[size_t(i)];
                hv[b] = v0 * ropeSin_[size_t(i)] + v1 * ropeCos_[size_t(i)];
            }
        }
    }
}

// Threads over heads; token t sees positions 0..pos+t.
void CpuBackend::attention(const float* q, int n, int pos, const float* keys, const float* values,
                           const AttentionShape& shape, float* out) {
    const int hd = shape.headDim, nHeads = shape.nHeads, group = shape.nHeads / shape.nKvHeads;
    const int qDim = shape.qStride(), kvDim = shape.kvStride();
    const size_t span = size_t(pos) + size_t(n);
    if (att_.size() < size_t(pool_.size()) * span) att_.resize(size_t(pool_.size()) * span);
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    pool_.run([&](int th, int nth) {
        float* att = &att_[size_t(th) * span];
        const int h0 = nHeads * th / nth, h1 = nHeads * (th + 1) / nth;
        for (int h = h0; h < h1; ++h) {
            const int kvh = h / group;
            for (int t = 0; t < n; ++t) {
                const float* qh = q + size_t(t) * qDim + h * hd;
                const int len = pos + t + 1;
                float mx = -INFINITY;
                for (int j = 0; j < len; ++j) {
                    const float* kj = keys + size_t(j) * kvDim + kvh * hd;
                    att[j] = dotF32(qh, kj, hd) * scale;
                    mx = std::max(mx, att[j]);
                }
                float sum = 0;
                for (int j = 0; j < len; ++j) {
                    att[j] = std::exp(att[j] - mx);
                    sum += att[j];
                }
                const float inv = 1.0f / sum;
                float* o = out + size_t(t) * qDim + h * hd;
                std::fill(o, o + hd, 0.0f);
                for (int j = 0; j < len; ++j)
                    axpyF32(att[j] * inv, values + size_t(j) * kvDim + kvh * hd, o, hd);
            }
        }
    });
}

// Its exp is a visible share of a prefill, so it is threaded.
void CpuBackend::swiglu(float* gate, const float* up, int64_t count) {
    pool_.parallelFor(
        0, count,
        [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) {
                const float g = gate[i];
                gate[i] = g / (1.0f + std::exp(-g)) * up[i];
            }
        },
        1024);
}

} // namespace mobi
