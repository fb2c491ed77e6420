// `profile MODEL --db OUT.sqlite`: generation with tracing on, recorded into a profile.
#include "CliCommon.h"
#include "Precision.h"
#include "SamplingOptions.h"
#include "route/RouterPolicy.h"
#include "route/RoutingStats.h"

#include "ProfileStore.h"
#include "eval/Generator.h"
#include "model/LayerRecorder.h"
#include "model/ScopedObserver.h"
#include "quant/SlicedModel.h"
#include "trace/Tracer.h"
#include "util/Json.h"

#ifdef MOBISCOPE_WITH_CUDA
#include "CuptiCollector.h"
#include "CuptiProfileWriter.h"
#endif

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <unistd.h>

namespace cli {

namespace {

// Identifies the model file cheaply: its size and FNV-1a 64 of its first MiB
// (hashing multi-GB weights would dominate a short profile).
std::string modelHash(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return "";
    const auto size = std::filesystem::file_size(path, ec);
    std::ifstream f(path, std::ios::binary);
    std::vector<char> head(1 << 20);
    f.read(head.data(), static_cast<std::streamsize>(head.size()));
    const auto got = static_cast<size_t>(f.gcount());
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < got; ++i) {
        h ^= static_cast<unsigned char>(head[i]);
        h *= 1099511628211ull;
    }
    char buf[80];
    std::snprintf(buf, sizeof buf, "size%llu-fnv1a64head1MiB-%016llx",
                  static_cast<unsigned long long>(size), static_cast<unsigned long long>(h));
    return buf;
}

std::string cpuName() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            const auto c = line.find(':');
            if (c != std::string::npos) return line.substr(c + 2);
        }
    return "";
}

std::string hostName() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "";
    return buf;
}

// Per position: (level, first router score) of each layer.
using RoutedRows = std::map<int, std::vector<std::pair<int, std::optional<double>>>>;

// A generation step hook copying the recorder's rows of each forward into `out`.
std::function<bool(const mobi::GenerateStep&)>
keepRoutedRows(const mobi::LayerRecorder& recorder, int nLayers, RoutedRows& out) {
    return [&recorder, nLayers, &out](const mobi::GenerateStep& st) {
        const int w = recorder.scoreWidth();
        for (int i = 0; i < st.n && i < recorder.rows(); ++i) {
            auto& row = out[st.pos0 + i];
            row.assign(size_t(nLayers), {0, std::nullopt});
            for (int l = 0; l < nLayers; ++l) {
                std::optional<double> score;
                if (w > 0) score = recorder.scores()[size_t(i)][size_t(l) * w];
                row[size_t(l)] = {recorder.levels()[size_t(i)][size_t(l)], score};
            }
        }
        return true;
    };
}

// Moves the tracer's finished ranges into the profile.
void storeTraceRanges(mobi::ProfileStore& store, int64_t runId) {
    std::vector<mobi::TraceRange> ranges = mobi::Tracer::drain();
    std::vector<mobi::RangeRecord> recs;
    recs.reserve(ranges.size());
    for (const mobi::TraceRange& r : ranges)
        recs.push_back(mobi::RangeRecord{runId, r.name, r.startNs, r.endNs,
                                         static_cast<int64_t>(r.threadId), r.depth, r.position,
                                         r.layer, r.step});
    store.addRanges(std::move(recs));
}

// The run's settings as the profile stores them (GPU state added by the caller).
mobi::Json runSettings(const mobi::GenerateOptions& o, mobi::Transformer& t, const Precision& prec) {
    mobi::Json settings(mobi::Json::Object{});
    settings.set("prompt", o.prompt);
    settings.set("steps", o.steps);
    settings.set("temperature", static_cast<double>(o.sampler.temperature));
    settings.set("seed", static_cast<double>(o.sampler.seed));
    settings.set("threads", t.pool().size());
    settings.set("level", prec.routed() ? 0 : t.level());
    settings.set("levels", t.levels());
    if (prec.routed()) {
        settings.set("budget", prec.budget);
        settings.set("allocation", mobi::budgetAllocationName(prec.allocation));
        settings.set("granularity", mobi::routeGranularityName(prec.routers->granularity));
    }
    settings.set("clock", "steady_clock ns (NVTX_EVENTS start/end)");
    return settings;
}

mobi::RunInfo runInfo(const mobi::Model& m, const std::string& gpuState,
                      const mobi::Json& settings) {
    mobi::RunInfo info;
    info.modelPath = m.path;
    info.modelHash = modelHash(m.path);
    info.machine = hostName();
    info.cpu = cpuName();
    info.gpu = gpuState.rfind("none:", 0) == 0 ? std::string() : gpuState;
    info.settingsJson = settings.dump();
    info.startedNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return info;
}

// GPU activity: the CUPTI collector runs around the generation when a
// device is usable; otherwise state() says why and only CPU ranges exist.
class GpuActivity {
  public:
    GpuActivity() {
#ifdef MOBISCOPE_WITH_CUDA
        std::string why;
        if (mobi::gpu::CuptiCollector::available(&why)) {
            collecting_ = cupti_.start(&why);
            state_ = collecting_ ? mobi::gpu::CuptiCollector::deviceName()
                                 : "none: CUPTI failed to start: " + why;
        } else {
            state_ = "none: " + why;
        }
#else
        state_ = "none: built without CUDA";
#endif
    }
    const std::string& state() const { return state_; }

    // Stops collecting and writes the records (and their counts into the
    // run's settings); reports what was collected on stderr.
    void finish(mobi::ProfileStore& store, int64_t runId, mobi::Json& settings) {
#ifdef MOBISCOPE_WITH_CUDA
        if (!collecting_) {
            std::fprintf(stderr, "GPU activity not collected (%s); the profile holds CPU ranges\n",
                         state_.c_str());
            return;
        }
        std::string stopError;
        const bool stopped = cupti_.stop(&stopError);
        const mobi::gpu::CuptiRecords rec = cupti_.takeRecords();
        mobi::gpu::writeCuptiRecords(store, rec, static_cast<int64_t>(getpid()));
        settings.set("cupti_dropped_records", static_cast<double>(rec.droppedRecords));
        settings.set("cupti_kernels", static_cast<double>(rec.kernels.size()));
        settings.set("cupti_memcpys", static_cast<double>(rec.memcpys.size()));
        settings.set("cupti_runtime_calls", static_cast<double>(rec.runtimeCalls.size()));
        if (!stopped) settings.set("cupti_error", stopError);
        store.setRunSettings(runId, settings.dump());
        std::fprintf(stderr,
                     "GPU activity collected on %s: %zu kernels, %zu copies, %zu memsets, %zu "
                     "runtime calls, %llu dropped records%s%s\n",
                     state_.c_str(), rec.kernels.size(), rec.memcpys.size(), rec.memsets.size(),
                     rec.runtimeCalls.size(), static_cast<unsigned long long>(rec.droppedRecords),
                     stopped ? "" : "; ", stopped ? "" : stopError.c_str());
#else
        (void)store, (void)runId, (void)settings;
        std::fprintf(stderr, "GPU activity not collected (built without CUDA); the profile holds "
                             "CPU ranges\n");
#endif
    }

  private:
    std::string state_;
#ifdef MOBISCOPE_WITH_CUDA
    mobi::gpu::CuptiCollector cupti_;
    bool collecting_ = false;
#endif
};

// The one-line summary of a finished run on stderr.
void printRunSummary(mobi::ProfileStore& store, int64_t runId, const std::string& dbPath,
                     const mobi::GenerateResult& r, double wall) {
    const mobi::QueryResult top =
        store.query("SELECT COALESCE(SUM(e.end - e.start), 0), COUNT(*) FROM NVTX_EVENTS e JOIN "
                    "MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid WHERE c.run_id = " +
                    std::to_string(runId) + " AND c.depth = 0");
    const double topSeconds =
        top.rows.empty() || !top.rows[0][0] ? 0.0 : std::stod(*top.rows[0][0]) * 1e-9;
    std::printf("\n");
    std::fprintf(stderr,
                 "profile %s run %lld: %d prompt + %d generated tokens, wall %.3f s, top-level "
                 "ranges %.3f s (%.1f%%), %lld ranges\n",
                 dbPath.c_str(), static_cast<long long>(runId), r.promptTokens, r.generatedTokens,
                 wall, topSeconds, wall > 0 ? 100.0 * topSeconds / wall : 0.0,
                 static_cast<long long>(store.count("NVTX_EVENTS")));
}

} // namespace

int runProfile(const std::vector<std::string>& args) {
    ArgParser p("profile",
                "Generate from MODEL with CPU tracing on and record the run into a SQLite\n"
                "profile: tokens, per-token per-layer levels, layer precision and every range\n"
                "(NVTX_EVENTS, Nsight Systems' table names). Greedy unless --temp is given.");
    p.positional("MODEL", "model file or Hugging Face directory");
    p.option("prompt", "S", "prompt text (empty: start from BOS only)", "", "-p");
    p.option("steps", "N", "positions to run, prompt included", "256", "-n");
    addSamplingOptions(p, greedySamplingDefaults());
    p.option("db", "OUT.sqlite", "profile to write (created, or appended to as a new run)");
    p.option("token-delay-ms", "MS", "pause after each token (to watch a profile grow live)", "0");
    addModelOptions(p);
    addLevelOptions(p);
    addActOption(p);
    addBudgetOptions(p);
    if (!p.parse(args)) return 0;
    if (!p.has("db")) throw UsageError("--db OUT.sqlite is required");
    const std::string dbPath = p.get("db");

    mobi::GenerateOptions o;
    o.prompt = p.get("prompt");
    o.steps = p.getInt("steps", 1, 1 << 24);
    o.sampler = samplingOption(p);
    const int delayMs = p.getInt("token-delay-ms", 0, 60000);
    const int threads = threadsOption(p);

    const mobi::Model m = loadModelArg(p, true);
    const Precision prec = precisionOption(p, m);
    const bool routed = prec.routed();
    mobi::Transformer t(m, threads);
    prec.apply(t);
    if (o.steps > t.maxContext()) o.steps = t.maxContext();
    const int nLayers = m.config.nLayers;
    // Routed: each position's (level, first router score) per layer, from the
    // level recorder after each forward, until its token is stored.
    RoutedRows routedAt;
    mobi::LayerRecorder recorder(nLayers);
    std::optional<mobi::ScopedObserver> recording;
    if (routed) {
        recording.emplace(t, [&recorder](const mobi::LayerEvent& e) { recorder.observe(e); });
        o.onStep = keepRoutedRows(recorder, nLayers, routedAt);
    }

    mobi::ProfileStore store(dbPath, mobi::ProfileStore::Mode::Write);
    mobi::Json settings = runSettings(o, t, prec);
    GpuActivity gpu;
    const std::string& gpuState = gpu.state();
    settings.set("gpu", gpuState);
    settings.set("cupti_dropped_records", 0);
    const int64_t runId = store.beginRun(runInfo(m, gpuState, settings));

    // Per-layer precision: the sliced level's bits, else the weights' storage
    // bits (a routed run's averages are stored after the run).
    for (int l = 0; l < nLayers && !routed; ++l) {
        const mobi::DType dt = m.weights.layers[static_cast<size_t>(l)].wq.dtype;
        const double bits = m.sliced ? m.sliced->config.bitsForLevel(t.level())
                                     : 8.0 * static_cast<double>(mobi::dtypeBlockBytes(dt)) /
                                           static_cast<double>(mobi::dtypeBlockElems(dt));
        store.addLayerPrecision(runId, l, bits);
    }

    auto flushRanges = [&] { storeTraceRanges(store, runId); };
    int prev = -1;
    o.onToken = [&](int pos, int id, bool isPrompt) {
        flushRanges();
        const std::string text = prev < 0 ? std::string() : m.tokenizer->decodeToken(prev, id);
        prev = id;
        store.addToken(mobi::TokenRecord{runId, pos, id, text, isPrompt});
        if (routed) {
            // Per-linear routers: the q projection's level stands for the layer.
            auto it = routedAt.find(pos);
            if (it != routedAt.end()) {
                for (int l = 0; l < nLayers; ++l)
                    store.addTokenLayer(mobi::TokenLayerRecord{
                        runId, pos, l, it->second[size_t(l)].first, it->second[size_t(l)].second});
                routedAt.erase(it);
            }
        } else if (m.sliced) {
            for (int l = 0; l < nLayers; ++l)
                store.addTokenLayer(mobi::TokenLayerRecord{runId, pos, l, t.level(), {}});
        }
        if (!isPrompt && delayMs > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
    };

    mobi::Tracer::clear();
    mobi::Tracer::setEnabled(true);
    const auto t0 = std::chrono::steady_clock::now();
    const mobi::GenerateResult r = mobi::generate(t, *m.tokenizer, o, [&](const std::string& s) {
        std::fwrite(s.data(), 1, s.size(), stdout);
        std::fflush(stdout);
        return true;
    });
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    mobi::Tracer::setEnabled(false);
    flushRanges();
    if (routed) {
        // Generated tokens are routed by the forward that follows their
        // sampling: what is left is stored now.
        for (const auto& [pos, row] : routedAt)
            for (int l = 0; l < nLayers; ++l)
                store.addTokenLayer(mobi::TokenLayerRecord{runId, pos, l, row[size_t(l)].first,
                                                           row[size_t(l)].second});
        for (int l = 0; l < nLayers; ++l)
            store.addLayerPrecision(runId, l, prec.stats->layerAverageBits(l));
    }
    gpu.finish(store, runId, settings);
    store.flush();

    printRunSummary(store, runId, dbPath, r, wall);
    if (routed) std::fprintf(stderr, "%s\n", prec.summary().c_str());
    return 0;
}

} // namespace cli
