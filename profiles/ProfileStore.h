// SQLite profile store: nsys-compatible activity tables plus mobiscope's runs, tokens, levels.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct sqlite3;

namespace mobi {

struct RunInfo {
    std::string modelPath, modelHash, machine, cpu, gpu, settingsJson;
    int64_t startedNs = 0; // Unix time of the start, ns
};

struct TokenRecord {
    int64_t runId = 0;
    int position = 0;
    int tokenId = 0;
    std::string text;
    bool isPrompt = false;
};

struct TokenLayerRecord {
    int64_t runId = 0;
    int position = 0;
    int layer = 0;
    int level = 0;
    std::optional<double> routerScore;
};

// A CPU range, stored as an NVTX push/pop range (NVTX_EVENTS) with its
// correlation ids in MOBI_RANGE_CONTEXT.
struct RangeRecord {
    int64_t runId = 0;
    std::string name;
    int64_t startNs = 0, endNs = 0;
    int64_t globalTid = 0;
    int depth = 0, position = -1, layer = -1, step = -1;
};

// One row of CUPTI_ACTIVITY_KIND_KERNEL (names go through StringIds).
struct KernelRecord {
    int64_t startNs = 0, endNs = 0;
    int deviceId = 0, contextId = 0, streamId = 0;
    int64_t correlationId = 0, globalPid = 0;
    std::string name;
    int gridX = 1, gridY = 1, gridZ = 1, blockX = 1, blockY = 1, blockZ = 1;
    int registersPerThread = 0, staticSharedMemory = 0, dynamicSharedMemory = 0;
};

// One row of CUPTI_ACTIVITY_KIND_MEMCPY (copyKind: CUpti_ActivityMemcpyKind).
struct MemcpyRecord {
    int64_t startNs = 0, endNs = 0;
    int deviceId = 0, contextId = 0, streamId = 0;
    int64_t correlationId = 0, globalPid = 0, bytes = 0;
    int copyKind = 0, srcKind = 0, dstKind = 0;
};

// One row of CUPTI_ACTIVITY_KIND_MEMSET.
struct MemsetRecord {
    int64_t startNs = 0, endNs = 0;
    int deviceId = 0, contextId = 0, streamId = 0;
    int64_t correlationId = 0, globalPid = 0, value = 0, bytes = 0;
    int memKind = 0;
};

// One row of CUPTI_ACTIVITY_KIND_RUNTIME: a CUDA runtime call (name via StringIds).
struct RuntimeRecord {
    int64_t startNs = 0, endNs = 0;
    int64_t globalTid = 0, correlationId = 0, returnValue = 0;
    std::string name;
};

// One decision of a precision agent within an episode.
struct StepRecord {
    int64_t episodeId = 0;
    int step = 0;
    int position = -1;
    std::string observationJson, action;
    double precisionBits = 0, kl = 0, reward = 0;
    int64_t decideNs = 0, stepNs = 0;
};

// A query result: column names and rows of values as text (NULL -> nullopt).
struct QueryResult {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
};

class ProfileStore {
  public:
    static constexpr int kSchemaVersion = 2;
    enum class Mode { Write, Read };

    // Write: creates the file (or opens and migrates an older one) and starts
    // the background writer. Read: SQLITE_OPEN_READONLY, never writes.
    // EngineError naming the file when it is not a SQLite database, not a
    // mobiscope profile, corrupt, or from a newer schema.
    ProfileStore(const std::string& path, Mode mode);
    ~ProfileStore(); // flushes pending writes
    ProfileStore(const ProfileStore&) = delete;
    ProfileStore& operator=(const ProfileStore&) = delete;

    const std::string& path() const { return path_; }
    int schemaVersion() const { return schemaVersion_; }

    // Writes (Write mode). beginRun is synchronous (it returns the id); the
    // others are queued and committed in batches by the writer thread, in order.
    int64_t beginRun(const RunInfo& run);
    // Replaces a run's settings JSON (synchronous; for what is known only at the end).
    void setRunSettings(int64_t runId, const std::string& settingsJson);
    void addToken(const TokenRecord& t);
    void addTokenLayer(const TokenLayerRecord& t);
    void addLayerPrecision(int64_t runId, int layer, double avgBits);
    void addRanges(std::vector<RangeRecord> ranges);
    void addKernel(const KernelRecord& k);
    void addMemcpy(const MemcpyRecord& m);
    void addMemset(const MemsetRecord& m);
    void addRuntime(const RuntimeRecord& r);
    // Agent episodes (synchronous: returns the id) and their steps (queued).
    int64_t beginEpisode(int64_t runId, const std::string& name, const std::string& settingsJson);
    void addStep(const StepRecord& s);
    // Blocks until everything queued so far is committed; rethrows a writer error.
    void flush();

    // Reads (either mode; in Write mode call flush() first to see queued rows).
    QueryResult query(const std::string& sql) const;
    int64_t count(const std::string& table) const;
    // User tables, sorted by name.
    std::vector<std::string> tables() const;

  private:
    void exec(const std::string& sql) const;
    void checkAndMigrate(bool writable);
    void enqueue(std::function<void()> job);
    void writerLoop();
    int64_t stringIdLocked(const std::string& s);
    std::unordered_map<std::string, int64_t> stringIds_; // writer side cache
    [[noreturn]] void fail(const std::string& problem) const;

    std::string path_;
    Mode mode_;
    sqlite3* db_ = nullptr;
    int schemaVersion_ = 0;

    mutable std::mutex dbMutex_; // one statement at a time on db_
    std::mutex queueMutex_;
    std::condition_variable queueCv_, doneCv_;
    std::deque<std::function<void()>> queue_;
    uint64_t enqueued_ = 0, committed_ = 0;
    bool stop_ = false;
    bool flushWanted_ = false;
    std::string writerError_;
    std::thread writer_;
};

} // namespace mobi
