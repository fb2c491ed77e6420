#include "CudaBackend.h"

#include "CudaDevice.h"
#include "DeviceBuffer.h"
#include "DeviceTensor.h"
#include "GpuKernels.h"

#include "core/Error.h"
#include "core/Tensor.h"

#include <vector>

namespace mobi::gpu {

namespace {

std::vector<float> hostRows(const float* x, int64_t ld, int n, int64_t width) {
    std::vector<float> v(size_t(n) * size_t(width));
    for (int t = 0; t < n; ++t)
        std::copy(x + t * ld, x + t * ld + width, v.begin() + t * width);
    return v;
}

[[noreturn]] void unsupportedOp(BackendOp op) {
    throw UnsupportedError("cuda backend",
                           std::string(backendOpName(op)) + " has no GPU kernel yet");
}

} // namespace

std::unique_ptr<CudaBackend> CudaBackend::create(std::string* why) {
    const DeviceQuery q = queryDevices();
    if (q.devices.empty()) {
        if (why) *why = "no CUDA device: " + q.whyNone;
        return nullptr;
    }
    selectDevice(q.devices.front().index);
    return std::unique_ptr<CudaBackend>(new CudaBackend());
}

bool CudaBackend::supports(BackendOp op, std::string* why) const {
    if (op == BackendOp::Attention || op == BackendOp::SlicedMatmul) {
        if (why)
            *why = "no GPU kernel for it yet (cuda/ has dense GEMV/GEMM, RMSNorm, RoPE, SwiGLU)";
        return false;
    }
    return true;
}

void CudaBackend::matmulGroup(const MatmulJob* jobs, int nJobs, const float* X, int64_t ldx,
                              int n) {
    if (nJobs <= 0 || n <= 0) return;
    const int64_t cols = jobs[0].w.cols;
    const DeviceBuffer dX = DeviceBuffer::fromFloats(hostRows(X, ldx, n, cols), "matmul input");
    for (int i = 0; i < nJobs; ++i) {
        const WeightView& w = jobs[i].w;
        Tensor t;
        t.name = "matmul weight";
        t.dtype = w.dtype;
        t.shape = {w.rows, w.cols};
        t.data = w.data;
        t.nbytes = w.rowBytes * static_cast<size_t>(w.rows);
        const DeviceTensor dw = DeviceTensor::upload(t);
        DeviceBuffer dY(sizeof(float) * size_t(n) * size_t(w.rows), "matmul output");
        gemm(dw, dX.as<float>(), n, dY.as<float>());
        const std::vector<float> y = dY.toFloats(size_t(n) * size_t(w.rows));
        for (int r = 0; r < n; ++r)
            std::copy(y.begin() + r * w.rows, y.begin() + (r + 1) * w.rows,
                      jobs[i].y + r * jobs[i].ldy);
    }
}

void CudaBackend::slicedMatmulGroup(const SlicedJob*, int, const float*, int64_t, int,
                                    SlicedKernelMode) {
    unsupportedOp(BackendOp::SlicedMatmul);
}

void CudaBackend::rmsNorm(float* out, const float* x, const float* w, int rows, int width,
                          float eps) {
    const size_t count = size_t(rows) * size_t(width);
    DeviceBuffer dx = DeviceBuffer::fromFloats(std::vector<float>(x, x + count), "rmsnorm input");
    const DeviceBuffer dw =
        DeviceBuffer::fromFloats(std::vector<float>(w, w + width), "rmsnorm weight");
    gpu::rmsNorm(dx.as<float>(), dx.as<float>(), dw.as<float>(), rows, width, eps);
    const std::vector<float> y = dx.toFloats(count);
    std::copy(y.begin(), y.end(), out);
}

void CudaBackend::rope(float* x, int n, int heads, const RopeParams& p, int pos) {
    const size_t count = size_t(n) * size_t(heads) * size_t(p.headDim);
    DeviceBuffer dx = DeviceBuffer::fromFloats(std::vector<float>(x, x + count), "rope input");
    gpu::rope(dx.as<float>(), n, heads, p.headDim, pos, p.theta, p.scale,
              p.interleaved ? RopeStyle::Interleaved : RopeStyle::Half);
    const std::vector<float> y = dx.toFloats(count);
    std::copy(y.begin(), y.end(), x);
}

void CudaBackend::attention(const float*, int, int, const float*, const float*,
                            const AttentionShape&, float*) {
    unsupportedOp(BackendOp::Attention);
}

void CudaBackend::swiglu(float* gate, const float* up, int64_t count) {
    DeviceBuffer dg =
        DeviceBuffer::fromFloats(std::vector<float>(gate, gate + count), "swiglu gate");
    const DeviceBuffer du =
        DeviceBuffer::fromFloats(std::vector<float>(up, up + count), "swiglu up");
    gpu::swiglu(dg.as<float>(), dg.as<float>(), du.as<float>(), count);
    const std::vector<float> y = dg.toFloats(size_t(count));
    std::copy(y.begin(), y.end(), gate);
}

} // namespace mobi::gpu
