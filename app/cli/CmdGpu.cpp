// `gpu [--self-test]`: CUDA devices, and the kernels checked against the CPU reference.
#include "ArgParser.h"

#include "util/Json.h"

#ifdef MOBISCOPE_WITH_CUDA
#include "CudaDevice.h"
#include "CuptiCollector.h"
#include "GpuSelfTest.h"
#ifdef MOBISCOPE_WITH_PROFILES
#include "CuptiProfileWriter.h"
#include "ProfileStore.h"

#include <chrono>
#include <unistd.h>
#endif
#endif

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

namespace {

// Exit codes: 0 fine (or skipped: no device), 1 a check failed, 3 no device
// while --require-device was given (so a GPU machine cannot pass by skipping).
[[maybe_unused]] constexpr int kExitCheckFailed = 1;
constexpr int kExitNoDevice = 3;

#ifndef MOBISCOPE_WITH_CUDA

int noBackend(const ArgParser& p) {
    const char* why = "built without the CUDA backend";
    if (p.has("profile-db")) {
        std::fprintf(stderr, "gpu --self-test --profile-db: no CUDA device to profile: %s\n", why);
        return kExitNoDevice;
    }
    if (p.flagSet("json")) {
        mobi::Json j(mobi::Json::Object{});
        j.set("status", p.flagSet("self-test") ? "skipped" : "unavailable");
        j.set("reason", why);
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf(p.flagSet("self-test") ? "skipped: %s\n" : "%s\n", why);
    }
    return p.flagSet("require-device") ? kExitNoDevice : 0;
}

#else

std::string versionText(int v) {
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

int listDevices(const ArgParser& p) {
    const mobi::gpu::DeviceQuery q = mobi::gpu::queryDevices();
    if (p.flagSet("json")) {
        mobi::Json j(mobi::Json::Object{});
        j.set("runtime_version", versionText(q.runtimeVersion));
        j.set("driver_version", q.driverVersion ? versionText(q.driverVersion) : std::string());
        mobi::Json arr(mobi::Json::Array{});
        for (const mobi::gpu::DeviceInfo& d : q.devices) {
            mobi::Json o(mobi::Json::Object{});
            o.set("index", d.index);
            o.set("name", d.name);
            o.set("compute_capability",
                  std::to_string(d.ccMajor) + "." + std::to_string(d.ccMinor));
            o.set("memory_bytes", static_cast<double>(d.totalMemory));
            o.set("multiprocessors", d.multiprocessors);
            o.set("l2_bytes", d.l2CacheBytes);
            o.set("peak_gb_per_s", d.peakBandwidthGBs());
            arr.push(o);
        }
        j.set("devices", arr);
        if (q.devices.empty()) j.set("reason", q.whyNone);
        std::printf("%s\n", j.dump(2).c_str());
    } else if (q.devices.empty()) {
        std::printf("%s\n", q.whyNone.c_str());
    } else {
        std::printf("CUDA runtime %s, driver %s\n", versionText(q.runtimeVersion).c_str(),
                    versionText(q.driverVersion).c_str());
        for (const mobi::gpu::DeviceInfo& d : q.devices)
            std::printf("  [%d] %s  sm_%d%d  %.1f GiB  %d SMs  L2 %.0f MiB  %.0f GB/s peak\n",
                        d.index, d.name.c_str(), d.ccMajor, d.ccMinor,
                        d.totalMemory / (1024.0 * 1024 * 1024), d.multiprocessors,
                        d.l2CacheBytes / (1024.0 * 1024), d.peakBandwidthGBs());
    }
    if (q.devices.empty() && p.flagSet("require-device")) return kExitNoDevice;
    return 0;
}

int selfTest(const ArgParser& p) {
    mobi::gpu::SelfTestOptions o;
    o.device = p.getInt("device", 0, 1024);
    o.seed = static_cast<uint64_t>(p.getInt64("seed", 0, (1LL << 53)));
    o.benchmark = !p.flagSet("no-bench");
    o.benchmarkIterations = p.getInt("bench-iters", 1, 100000);
    const mobi::gpu::SelfTestReport r = mobi::gpu::runSelfTest(o);
    if (p.flagSet("json"))
        std::printf("%s\n", r.toJson().c_str());
    else
        std::printf("%s", r.toText().c_str());
    if (r.status == "skipped") return p.flagSet("require-device") ? kExitNoDevice : 0;
    return r.status == "passed" ? 0 : kExitCheckFailed;
}

#ifdef MOBISCOPE_WITH_PROFILES
// --self-test --profile-db OUT: the self-test's kernels under the CUPTI
// collector, their records written as a run of OUT. Exit 3 without a device,
// 1 when a check failed or no kernel was recorded.
int selfTestProfiled(const ArgParser& p) {
    const std::string dbPath = p.get("profile-db");
    std::string why;
    if (!mobi::gpu::CuptiCollector::available(&why)) {
        std::fprintf(stderr, "gpu --self-test --profile-db: no CUDA device to profile: %s\n",
                     why.c_str());
        return kExitNoDevice;
    }
    mobi::gpu::SelfTestOptions o;
    o.device = p.getInt("device", 0, 1024);
    o.seed = static_cast<uint64_t>(p.getInt64("seed", 0, (1LL << 53)));
    o.benchmark = !p.flagSet("no-bench");
    o.benchmarkIterations = p.getInt("bench-iters", 1, 100000);

    mobi::gpu::CuptiCollector cupti;
    if (!cupti.start(&why)) {
        std::fprintf(stderr, "gpu --self-test --profile-db: CUPTI failed to start: %s\n",
                     why.c_str());
        return kExitCheckFailed;
    }
    mobi::gpu::SelfTestReport r;
    {
        mobi::gpu::CuptiExternalIdScope id(1); // the self-test's API calls carry external id 1
        r = mobi::gpu::runSelfTest(o);
    }
    std::string stopError;
    const bool stopped = cupti.stop(&stopError);
    const mobi::gpu::CuptiRecords rec = cupti.takeRecords();

    mobi::ProfileStore store(dbPath, mobi::ProfileStore::Mode::Write);
    mobi::Json settings(mobi::Json::Object{});
    settings.set("command", "gpu --self-test");
    settings.set("gpu", r.device.empty() ? mobi::gpu::CuptiCollector::deviceName() : r.device);
    settings.set("self_test_status", r.status);
    settings.set("cupti_dropped_records", static_cast<double>(rec.droppedRecords));
    settings.set("cupti_external_correlations",
                 static_cast<double>(rec.externalCorrelations.size()));
    settings.set("clock", "steady_clock ns (CUPTI timestamps shifted at collector start)");
    if (!stopped) settings.set("cupti_error", stopError);
    mobi::RunInfo info;
    info.modelPath = "gpu self-test";
    info.gpu = mobi::gpu::CuptiCollector::deviceName();
    info.settingsJson = settings.dump();
    info.startedNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    store.beginRun(info);
    mobi::gpu::writeCuptiRecords(store, rec, static_cast<int64_t>(getpid()));
    store.flush();

    std::printf("%s", r.toText().c_str());
    std::fprintf(stderr,
                 "profile %s: %zu kernels, %zu copies, %zu memsets, %zu runtime calls, %zu "
                 "external correlations, %llu dropped records%s%s\n",
                 dbPath.c_str(), rec.kernels.size(), rec.memcpys.size(), rec.memsets.size(),
                 rec.runtimeCalls.size(), rec.externalCorrelations.size(),
                 static_cast<unsigned long long>(rec.droppedRecords), stopped ? "" : "; ",
                 stopped ? "" : stopError.c_str());
    if (r.status != "passed" || rec.kernels.empty() || !stopped) return kExitCheckFailed;
    return 0;
}
#endif

#endif

} // namespace

int runGpu(const std::vector<std::string>& args) {
    ArgParser p("gpu", "List the CUDA devices, or (--self-test) check every GPU kernel and dtype "
                       "against the CPU reference and time a 4096x4096 F16 GEMV. Without a "
                       "device it says why and exits 0, unless --require-device (exit 3); a "
                       "failed check exits 1.");
    p.flag("self-test", "run the GPU kernels against the CPU reference");
    p.flag("require-device", "exit 3 when no CUDA device can be used");
    p.flag("json", "print JSON");
    p.flag("no-bench", "skip the GEMV bandwidth measurement");
    p.option("bench-iters", "N", "GEMV calls timed by the benchmark", "200");
    p.option("device", "INDEX", "CUDA device to test", "0");
    p.option("seed", "N", "seed of the random shapes and data", "1836016233");
    p.option("profile-db", "OUT.sqlite",
             "with --self-test: collect the kernels' CUPTI activity into this profile "
             "(exit 3 without a device)");
    if (!p.parse(args)) return 0;
    if (p.has("profile-db") && !p.flagSet("self-test"))
        throw UsageError("--profile-db goes with --self-test");
#ifdef MOBISCOPE_WITH_CUDA
#ifdef MOBISCOPE_WITH_PROFILES
    if (p.has("profile-db")) return selfTestProfiled(p);
#else
    if (p.has("profile-db")) {
        std::fprintf(stderr, "gpu --profile-db: built without SQLite profiles\n");
        return kExitCheckFailed;
    }
#endif
    return p.flagSet("self-test") ? selfTest(p) : listDevices(p);
#else
    return noBackend(p);
#endif
}

} // namespace cli
