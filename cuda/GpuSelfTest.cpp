#include "GpuSelfTest.h"

#include "core/Error.h"
#include "util/Json.h"

#include <cstdio>
#include <new>
#include <random>

namespace mobi::gpu {

namespace {

// Odd values in [lo, hi] (lo, hi odd): odd sizes catch tail and alignment bugs.
int oddIn(std::mt19937_64& rng, int lo, int hi) {
    return lo + 2 * std::uniform_int_distribution<int>(0, (hi - lo) / 2)(rng);
}

void runChecks(SelfTestReport& r, const SelfTestOptions& o, const DeviceInfo& dev) {
    std::mt19937_64 rng(o.seed);
    auto add = [&](KernelCheck c) { r.checks.push_back(std::move(c)); };
    for (DType dt : {DType::F32, DType::F16, DType::BF16, DType::Q8_0}) {
        const bool q8 = dt == DType::Q8_0;
        // Column counts: Q8_0 needs whole blocks; the others take any width,
        // and 4096 + 3 mixes aligned and unaligned rows in one matrix.
        auto oddCols = [&](int lo, int hi) {
            return q8 ? 32 * oddIn(rng, 1, 31) : oddIn(rng, lo, hi);
        };
        const int wideCols = q8 ? 32 * 129 : 4096 + 3;
        add(checkGemv(dt, 1, q8 ? 32 : 1, rng()));
        add(checkGemv(dt, oddIn(rng, 3, 301), oddCols(3, 999), rng()));
        add(checkGemv(dt, oddIn(rng, 65, 257), 4096, rng()));
        add(checkGemv(dt, 33, wideCols, rng()));
        add(checkGemm(dt, 1, q8 ? 32 : 1, 1, rng()));
        add(checkGemm(dt, oddIn(rng, 1, 99), oddCols(3, 299), 1, rng()));
        add(checkGemm(dt, oddIn(rng, 65, 199), oddCols(33, 999), oddIn(rng, 3, 63), rng()));
        add(checkGemm(dt, oddIn(rng, 129, 299), wideCols, oddIn(rng, 65, 131), rng()));
    }
    add(checkRmsNorm(1, 1, 1e-5f, rng()));
    add(checkRmsNorm(3, oddIn(rng, 101, 999), 1e-5f, rng()));
    add(checkRmsNorm(5, 4097, 1e-6f, rng()));
    add(checkSwiglu(1, rng()));
    add(checkSwiglu(oddIn(rng, 1001, 9999), rng()));
    add(checkSwiglu(1 << 20 | 7, rng()));
    for (RopeStyle s : {RopeStyle::Interleaved, RopeStyle::Half}) {
        add(checkRope(s, 1, 1, 2, 0, 10000.0f, 1.0f, rng()));
        add(checkRope(s, 3, oddIn(rng, 3, 9), 64, oddIn(rng, 1, 4001), 10000.0f, 1.0f, rng()));
        add(checkRope(s, 7, 3, 128, oddIn(rng, 1, 32767), 1000000.0f, 4.0f, rng()));
    }
    if (o.benchmark) {
        r.benchmark =
            benchmarkGemv(DType::F16, 4096, 4096, o.benchmarkIterations,
                          static_cast<size_t>(dev.l2CacheBytes), dev.peakBandwidthGBs(), rng());
        add(r.benchmark.result);
    }
}

} // namespace

int SelfTestReport::failures() const {
    int n = 0;
    for (const KernelCheck& c : checks)
        n += c.passed ? 0 : 1;
    return n;
}

SelfTestReport runSelfTest(const SelfTestOptions& options) {
    return runSelfTest(queryDevices(), options);
}

SelfTestReport runSelfTest(const DeviceQuery& query, const SelfTestOptions& options) {
    SelfTestReport r;
    if (query.devices.empty()) {
        r.status = "skipped";
        r.reason = query.whyNone.empty() ? "no CUDA device" : query.whyNone;
        return r;
    }
    const DeviceInfo* dev = nullptr;
    for (const DeviceInfo& d : query.devices)
        if (d.index == options.device) dev = &d;
    if (!dev) {
        r.status = "failed";
        r.reason = "device " + std::to_string(options.device) + " does not exist (" +
                   std::to_string(query.devices.size()) + " usable)";
        return r;
    }
    r.device =
        dev->name + " (sm_" + std::to_string(dev->ccMajor) + std::to_string(dev->ccMinor) + ")";
    try {
        selectDevice(dev->index);
        runChecks(r, options, *dev);
    } catch (const EngineError& e) {
        r.status = "failed";
        r.reason = e.what();
        return r;
    } catch (const std::bad_alloc&) {
        r.status = "failed";
        r.reason = "out of host memory";
        return r;
    }
    r.status = r.failures() == 0 ? "passed" : "failed";
    if (r.failures() > 0)
        r.reason = std::to_string(r.failures()) + " of " + std::to_string(r.checks.size()) +
                   " checks failed";
    return r;
}

std::string SelfTestReport::toJson() const {
    Json j(Json::Object{});
    j.set("status", status);
    j.set("reason", reason);
    j.set("device", device);
    j.set("failures", failures());
    Json arr(Json::Array{});
    for (const KernelCheck& c : checks) {
        Json o(Json::Object{});
        o.set("kernel", c.kernel);
        o.set("dtype", c.dtype);
        o.set("shape", c.shape);
        o.set("passed", c.passed);
        o.set("max_abs_error", c.maxAbsError);
        o.set("max_rel_error", c.maxRelError);
        o.set("tolerance", c.tolerance);
        if (!c.detail.empty()) o.set("detail", c.detail);
        arr.push(o);
    }
    j.set("checks", arr);
    if (benchmark.ran) {
        Json b(Json::Object{});
        b.set("kernel", "gemv");
        b.set("dtype", benchmark.dtype);
        b.set("rows", benchmark.rows);
        b.set("cols", benchmark.cols);
        b.set("copies", benchmark.copies);
        b.set("iterations", benchmark.iterations);
        b.set("us_per_call", benchmark.secondsPerCall * 1e6);
        b.set("bytes_per_call", benchmark.bytesPerCall);
        b.set("gb_per_s", benchmark.gbPerSecond);
        b.set("peak_gb_per_s", benchmark.peakGbPerSecond);
        j.set("benchmark", b);
    }
    return j.dump(2);
}

std::string SelfTestReport::toText() const {
    std::string out;
    char line[512];
    if (status == "skipped") return "skipped: " + reason + "\n";
    if (!device.empty()) out += "device: " + device + "\n";
    for (const KernelCheck& c : checks) {
        std::snprintf(line, sizeof line,
                      "%s %-7s %-4s %-58s max abs %.2e  max rel %.2e (tol %.1e)%s%s\n",
                      c.passed ? "PASS" : "FAIL", c.kernel.c_str(), c.dtype.c_str(),
                      c.shape.c_str(), c.maxAbsError, c.maxRelError, c.tolerance,
                      c.detail.empty() ? "" : "  ", c.detail.c_str());
        out += line;
    }
    if (benchmark.ran) {
        std::snprintf(line, sizeof line, "gemv %s %dx%d: %.1f us/call, %.1f GB/s",
                      benchmark.dtype.c_str(), benchmark.rows, benchmark.cols,
                      benchmark.secondsPerCall * 1e6, benchmark.gbPerSecond);
        out += line;
        if (benchmark.peakGbPerSecond > 0) {
            std::snprintf(line, sizeof line, " (%.0f%% of the %.0f GB/s peak)",
                          100.0 * benchmark.gbPerSecond / benchmark.peakGbPerSecond,
                          benchmark.peakGbPerSecond);
            out += line;
        }
        std::snprintf(line, sizeof line, ", %d copies cycled past L2\n", benchmark.copies);
        out += line;
    }
    out += status + (reason.empty() ? std::string() : ": " + reason) + " (" +
           std::to_string(checks.size() - failures()) + "/" + std::to_string(checks.size()) +
           " checks passed)\n";
    return out;
}

} // namespace mobi::gpu
