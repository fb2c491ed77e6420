#include "ProfileStore.h"

#include "core/Error.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <initializer_list>
#include <memory>

namespace mobi {

namespace {

constexpr int kBatchMs = 25;

// Version 1. Activity tables follow Nsight Systems' SQLite export (names,
// columns, ns times, strings through StringIds) so nsys SQL runs unchanged.
const char* const kSchemaV1 = R"SQL(
CREATE TABLE IF NOT EXISTS StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS TARGET_INFO_GPU (
  vendorId INTEGER, id INTEGER PRIMARY KEY, name TEXT, busLocation TEXT, isDiscrete INTEGER,
  l2CacheSize INTEGER, totalMemory INTEGER, memoryBandwidth INTEGER, clockRate INTEGER,
  smCount INTEGER, computeMajor INTEGER, computeMinor INTEGER, uuid TEXT, chipName TEXT);
CREATE TABLE IF NOT EXISTS CUPTI_ACTIVITY_KIND_KERNEL (
  start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL,
  contextId INTEGER NOT NULL, streamId INTEGER NOT NULL, correlationId INTEGER,
  globalPid INTEGER, demangledName INTEGER NOT NULL REFERENCES StringIds(id),
  shortName INTEGER NOT NULL REFERENCES StringIds(id), mangledName INTEGER REFERENCES StringIds(id),
  launchType INTEGER, cacheConfig INTEGER, registersPerThread INTEGER NOT NULL,
  gridX INTEGER NOT NULL, gridY INTEGER NOT NULL, gridZ INTEGER NOT NULL,
  blockX INTEGER NOT NULL, blockY INTEGER NOT NULL, blockZ INTEGER NOT NULL,
  staticSharedMemory INTEGER NOT NULL, dynamicSharedMemory INTEGER NOT NULL,
  localMemoryPerThread INTEGER, localMemoryTotal INTEGER, gridId INTEGER,
  sharedMemoryExecuted INTEGER, graphNodeId INTEGER, sharedMemoryLimitConfig INTEGER);
CREATE INDEX IF NOT EXISTS KERNEL_start ON CUPTI_ACTIVITY_KIND_KERNEL(start);
CREATE INDEX IF NOT EXISTS KERNEL_correlation ON CUPTI_ACTIVITY_KIND_KERNEL(correlationId);
CREATE TABLE IF NOT EXISTS CUPTI_ACTIVITY_KIND_MEMCPY (
  start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL,
  contextId INTEGER NOT NULL, streamId INTEGER NOT NULL, correlationId INTEGER,
  globalPid INTEGER, bytes INTEGER NOT NULL, copyKind INTEGER NOT NULL, deprecatedSrcId INTEGER,
  srcKind INTEGER, dstKind INTEGER, srcDeviceId INTEGER, srcContextId INTEGER,
  dstDeviceId INTEGER, dstContextId INTEGER, migrationCause INTEGER, graphNodeId INTEGER);
CREATE INDEX IF NOT EXISTS MEMCPY_start ON CUPTI_ACTIVITY_KIND_MEMCPY(start);
CREATE TABLE IF NOT EXISTS CUPTI_ACTIVITY_KIND_MEMSET (
  start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL,
  contextId INTEGER NOT NULL, streamId INTEGER NOT NULL, correlationId INTEGER,
  globalPid INTEGER, value INTEGER NOT NULL, bytes INTEGER NOT NULL, graphNodeId INTEGER,
  memKind INTEGER);
CREATE TABLE IF NOT EXISTS CUPTI_ACTIVITY_KIND_RUNTIME (
  start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER NOT NULL,
  globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL REFERENCES StringIds(id),
  returnValue INTEGER NOT NULL, callchainId INTEGER);
CREATE INDEX IF NOT EXISTS RUNTIME_start ON CUPTI_ACTIVITY_KIND_RUNTIME(start);
CREATE INDEX IF NOT EXISTS RUNTIME_correlation ON CUPTI_ACTIVITY_KIND_RUNTIME(correlationId);
CREATE TABLE IF NOT EXISTS NVTX_EVENTS (
  start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER,
  category INTEGER, color INTEGER, text TEXT, globalTid INTEGER, endGlobalTid INTEGER,
  textId INTEGER REFERENCES StringIds(id), domainId INTEGER, uint64Value INTEGER,
  int64Value INTEGER, doubleValue REAL, uint32Value INTEGER, int32Value INTEGER,
  floatValue REAL, jsonTextId INTEGER, jsonText TEXT);
CREATE INDEX IF NOT EXISTS NVTX_EVENTS_start ON NVTX_EVENTS(start);
CREATE INDEX IF NOT EXISTS NVTX_EVENTS_tid ON NVTX_EVENTS(globalTid, start);
CREATE TABLE IF NOT EXISTS MOBI_RUNS (
  id INTEGER PRIMARY KEY, model_path TEXT NOT NULL, model_hash TEXT, machine TEXT, cpu TEXT,
  gpu TEXT, settings_json TEXT, started_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS MOBI_TOKENS (
  run_id INTEGER NOT NULL REFERENCES MOBI_RUNS(id), position INTEGER NOT NULL,
  token_id INTEGER NOT NULL, text TEXT, is_prompt INTEGER NOT NULL,
  PRIMARY KEY (run_id, position));
CREATE TABLE IF NOT EXISTS MOBI_TOKEN_LAYER (
  run_id INTEGER NOT NULL REFERENCES MOBI_RUNS(id), position INTEGER NOT NULL,
  layer INTEGER NOT NULL, level INTEGER NOT NULL, router_score REAL,
  PRIMARY KEY (run_id, position, layer));
CREATE TABLE IF NOT EXISTS MOBI_LAYER_PRECISION (
  run_id INTEGER NOT NULL REFERENCES MOBI_RUNS(id), layer INTEGER NOT NULL,
  avg_bits REAL NOT NULL, PRIMARY KEY (run_id, layer));
CREATE TABLE IF NOT EXISTS MOBI_RANGE_CONTEXT (
  event_rowid INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES MOBI_RUNS(id),
  depth INTEGER NOT NULL, position INTEGER, layer INTEGER, step INTEGER);
CREATE INDEX IF NOT EXISTS RANGE_CONTEXT_run ON MOBI_RANGE_CONTEXT(run_id, position);
)SQL";

// Version 2: agent episodes and steps, and outlier statistics per layer.
const char* const kSchemaV2 = R"SQL(
CREATE TABLE IF NOT EXISTS MOBI_EPISODES (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES MOBI_RUNS(id), name TEXT,
  settings_json TEXT, started_ns INTEGER);
CREATE TABLE IF NOT EXISTS MOBI_STEPS (
  episode_id INTEGER NOT NULL REFERENCES MOBI_EPISODES(id), step INTEGER NOT NULL,
  position INTEGER, observation_json TEXT, action TEXT, precision_bits REAL, kl REAL,
  reward REAL, decide_ns INTEGER, step_ns INTEGER, PRIMARY KEY (episode_id, step));
CREATE TABLE IF NOT EXISTS MOBI_OUTLIERS (
  run_id INTEGER NOT NULL REFERENCES MOBI_RUNS(id), layer INTEGER NOT NULL,
  tensor TEXT NOT NULL, count INTEGER NOT NULL, threshold REAL, max_abs REAL, mean_abs REAL,
  PRIMARY KEY (run_id, layer, tensor));
)SQL";

// migrations[v] takes a file from schema v to v + 1.
const char* const kMigrations[] = {kSchemaV1, kSchemaV2};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == ProfileStore::kSchemaVersion);

// RAII prepared statement.
struct Stmt {
    sqlite3_stmt* s = nullptr;
    Stmt(sqlite3* db, const std::string& sql, const std::string& where) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            const std::string msg = sqlite3_errmsg(db);
            sqlite3_finalize(s);
            throw EngineError(where, "SQL error: " + msg);
        }
    }
    ~Stmt() { sqlite3_finalize(s); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    void bind(int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
    void bind(int i, double v) { sqlite3_bind_double(s, i, v); }
    void bind(int i, const std::string& v) {
        sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void bindNull(int i) { sqlite3_bind_null(s, i); }
    void bindOpt(int i, int64_t v) { v < 0 ? bindNull(i) : bind(i, v); }
    // Binds values to parameters 1..n in order.
    void bindAll(std::initializer_list<int64_t> values) {
        int i = 0;
        for (int64_t v : values)
            bind(++i, v);
    }
    void run(sqlite3* db, const std::string& where) {
        const int rc = sqlite3_step(s);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            throw EngineError(where, std::string("write failed: ") + sqlite3_errmsg(db));
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
};

} // namespace

[[noreturn]] void ProfileStore::fail(const std::string& problem) const {
    throw EngineError(path_, problem);
}

ProfileStore::ProfileStore(const std::string& path, Mode mode) : path_(path), mode_(mode) {
    const int flags =
        mode == Mode::Read ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        fail("cannot open profile: " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    try {
        checkAndMigrate(mode == Mode::Write);
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
    if (mode == Mode::Write) writer_ = std::thread([this] { writerLoop(); });
}

ProfileStore::~ProfileStore() {
    if (writer_.joinable()) {
        {
            std::lock_guard<std::mutex> lock(queueMutex_);
            stop_ = true;
        }
        queueCv_.notify_all();
        writer_.join();
    }
    if (db_) sqlite3_close(db_);
}

void ProfileStore::exec(const std::string& sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        const int code = sqlite3_errcode(db_);
        if (code == SQLITE_NOTADB) fail("not a SQLite database (" + msg + ")");
        if (code == SQLITE_CORRUPT) fail("the profile is corrupt (" + msg + ")");
        fail("SQL error: " + msg);
    }
}

void ProfileStore::checkAndMigrate(bool writable) {
    // Any read of the header distinguishes a non-database early.
    QueryResult master = query("SELECT name FROM sqlite_master WHERE type = 'table'");
    const bool empty = master.rows.empty();
    bool hasMeta = false;
    for (const auto& r : master.rows)
        if (r[0] && *r[0] == "MOBI_META") hasMeta = true;
    if (empty && writable) {
        schemaVersion_ = 0;
    } else {
        if (!hasMeta)
            fail(empty ? "empty database, not a mobiscope profile"
                       : "SQLite database but not a mobiscope profile (no MOBI_META table)");
        const QueryResult v = query("SELECT value FROM MOBI_META WHERE key = 'schema_version'");
        if (v.rows.empty() || !v.rows[0][0]) fail("profile has no schema_version in MOBI_META");
        const std::string& s = *v.rows[0][0];
        if (s.empty() || s.size() > 9 ||
            !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            fail("profile has an invalid schema_version '" + s.substr(0, 32) + "'");
        schemaVersion_ = std::stoi(s);
        if (schemaVersion_ > kSchemaVersion)
            fail("profile has schema version " + s + ", newer than this mobiscope reads (" +
                 std::to_string(kSchemaVersion) + "); use a newer mobiscope");
        const QueryResult check = query("PRAGMA quick_check");
        if (check.rows.empty() || !check.rows[0][0] || *check.rows[0][0] != "ok") {
            std::string first = check.rows.empty() || !check.rows[0][0]
                                    ? std::string("no result")
                                    : check.rows[0][0]->substr(0, 160);
            std::replace(first.begin(), first.end(), '\n', ' '); // one-line errors
            fail("the profile is corrupt (integrity check: " + first + ")");
        }
    }
    // An older file is read as it is (readers never write); tables added by
    // later versions are simply absent.
    if (!writable) return;
    // WAL: readers see committed batches while the writer appends; NORMAL
    // sync keeps every commit across a process kill.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    while (schemaVersion_ < kSchemaVersion) {
        exec("BEGIN IMMEDIATE");
        try {
            exec("CREATE TABLE IF NOT EXISTS MOBI_META (key TEXT PRIMARY KEY, value TEXT)");
            exec(kMigrations[schemaVersion_]);
            ++schemaVersion_;
            exec("INSERT OR REPLACE INTO MOBI_META(key, value) VALUES('schema_version', '" +
                 std::to_string(schemaVersion_) + "')");
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

QueryResult ProfileStore::query(const std::string& sql) const {
    std::lock_guard<std::mutex> lock(dbMutex_);
    QueryResult r;
    sqlite3_stmt* st = nullptr;
    auto error = [&](int code) {
        const std::string msg = sqlite3_errmsg(db_);
        sqlite3_finalize(st);
        if (code == SQLITE_NOTADB) fail("not a SQLite database (" + msg + ")");
        if (code == SQLITE_CORRUPT) fail("the profile is corrupt (" + msg + ")");
        fail("SQL error: " + msg);
    };
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    if (rc != SQLITE_OK) error(sqlite3_errcode(db_));
    if (!st) return r;
    const int n = sqlite3_column_count(st);
    for (int i = 0; i < n; ++i)
        r.columns.emplace_back(sqlite3_column_name(st, i));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        std::vector<std::optional<std::string>> row(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i)
            if (sqlite3_column_type(st, i) != SQLITE_NULL) {
                const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
                row[static_cast<size_t>(i)] =
                    std::string(t ? t : "", static_cast<size_t>(sqlite3_column_bytes(st, i)));
            }
        r.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) error(sqlite3_errcode(db_));
    sqlite3_finalize(st);
    return r;
}

int64_t ProfileStore::count(const std::string& table) const {
    for (char c : table)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            fail("invalid table name '" + table + "'");
    const QueryResult r = query("SELECT COUNT(*) FROM \"" + table + "\"");
    return r.rows.empty() || !r.rows[0][0] ? 0 : std::stoll(*r.rows[0][0]);
}

std::vector<std::string> ProfileStore::tables() const {
    std::vector<std::string> out;
    for (const auto& r : query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                               "LIKE 'sqlite_%' ORDER BY name")
                             .rows)
        if (r[0]) out.push_back(*r[0]);
    return out;
}

int64_t ProfileStore::beginRun(const RunInfo& run) {
    if (mode_ != Mode::Write) fail("profile was opened for reading");
    flush();
    std::lock_guard<std::mutex> lock(dbMutex_);
    Stmt st(db_,
            "INSERT INTO MOBI_RUNS(model_path, model_hash, machine, cpu, gpu, settings_json, "
            "started_ns) VALUES(?,?,?,?,?,?,?)",
            path_);
    st.bind(1, run.modelPath);
    st.bind(2, run.modelHash);
    st.bind(3, run.machine);
    st.bind(4, run.cpu);
    st.bind(5, run.gpu);
    st.bind(6, run.settingsJson);
    st.bind(7, run.startedNs);
    st.run(db_, path_);
    return sqlite3_last_insert_rowid(db_);
}

void ProfileStore::setRunSettings(int64_t runId, const std::string& settingsJson) {
    if (mode_ != Mode::Write) fail("profile was opened for reading");
    flush();
    std::lock_guard<std::mutex> lock(dbMutex_);
    Stmt st(db_, "UPDATE MOBI_RUNS SET settings_json = ? WHERE id = ?", path_);
    st.bind(1, settingsJson);
    st.bind(2, runId);
    st.run(db_, path_);
}

int64_t ProfileStore::beginEpisode(int64_t runId, const std::string& name,
                                   const std::string& settingsJson) {
    if (mode_ != Mode::Write) fail("profile was opened for reading");
    flush();
    std::lock_guard<std::mutex> lock(dbMutex_);
    Stmt st(db_,
            "INSERT INTO MOBI_EPISODES(run_id, name, settings_json, started_ns) VALUES(?,?,?,?)",
            path_);
    st.bind(1, runId);
    st.bind(2, name);
    st.bind(3, settingsJson);
    st.bind(4, static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()));
    st.run(db_, path_);
    return sqlite3_last_insert_rowid(db_);
}

void ProfileStore::addStep(const StepRecord& r) {
    enqueue([this, r] {
        Stmt st(db_,
                "INSERT OR REPLACE INTO MOBI_STEPS(episode_id, step, position, observation_json, "
                "action, precision_bits, kl, reward, decide_ns, step_ns) "
                "VALUES(?,?,?,?,?,?,?,?,?,?)",
                path_);
        st.bind(1, r.episodeId);
        st.bind(2, int64_t{r.step});
        st.bindOpt(3, r.position);
        st.bind(4, r.observationJson);
        st.bind(5, r.action);
        st.bind(6, r.precisionBits);
        st.bind(7, r.kl);
        st.bind(8, r.reward);
        st.bind(9, r.decideNs);
        st.bind(10, r.stepNs);
        st.run(db_, path_);
    });
}

int64_t ProfileStore::stringIdLocked(const std::string& s) {
    auto it = stringIds_.find(s);
    if (it != stringIds_.end()) return it->second;
    Stmt sel(db_, "SELECT id FROM StringIds WHERE value = ?", path_);
    sel.bind(1, s);
    int64_t id = -1;
    if (sqlite3_step(sel.s) == SQLITE_ROW) id = sqlite3_column_int64(sel.s, 0);
    if (id < 0) {
        Stmt ins(db_, "INSERT INTO StringIds(value) VALUES(?)", path_);
        ins.bind(1, s);
        ins.run(db_, path_);
        id = sqlite3_last_insert_rowid(db_);
    }
    stringIds_.emplace(s, id);
    return id;
}

void ProfileStore::enqueue(std::function<void()> job) {
    if (mode_ != Mode::Write) fail("profile was opened for reading");
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(queueMutex_);
        if (!writerError_.empty()) fail(writerError_);
        wake = queue_.empty(); // the writer sleeps only on an empty queue
        queue_.push_back(std::move(job));
        ++enqueued_;
    }
    if (wake) queueCv_.notify_one();
}

void ProfileStore::addToken(const TokenRecord& t) {
    enqueue([this, t] {
        Stmt st(db_,
                "INSERT OR REPLACE INTO MOBI_TOKENS(run_id, position, token_id, text, is_prompt) "
                "VALUES(?,?,?,?,?)",
                path_);
        st.bind(1, t.runId);
        st.bind(2, int64_t{t.position});
        st.bind(3, int64_t{t.tokenId});
        st.bind(4, t.text);
        st.bind(5, int64_t{t.isPrompt ? 1 : 0});
        st.run(db_, path_);
    });
}

void ProfileStore::addTokenLayer(const TokenLayerRecord& t) {
    enqueue([this, t] {
        Stmt st(db_,
                "INSERT OR REPLACE INTO MOBI_TOKEN_LAYER(run_id, position, layer, level, "
                "router_score) VALUES(?,?,?,?,?)",
                path_);
        st.bind(1, t.runId);
        st.bind(2, int64_t{t.position});
        st.bind(3, int64_t{t.layer});
        st.bind(4, int64_t{t.level});
        if (t.routerScore)
            st.bind(5, *t.routerScore);
        else
            st.bindNull(5);
        st.run(db_, path_);
    });
}

void ProfileStore::addLayerPrecision(int64_t runId, int layer, double avgBits) {
    enqueue([this, runId, layer, avgBits] {
        Stmt st(db_,
                "INSERT OR REPLACE INTO MOBI_LAYER_PRECISION(run_id, layer, avg_bits) "
                "VALUES(?,?,?)",
                path_);
        st.bind(1, runId);
        st.bind(2, int64_t{layer});
        st.bind(3, avgBits);
        st.run(db_, path_);
    });
}

void ProfileStore::addRanges(std::vector<RangeRecord> ranges) {
    if (ranges.empty()) return;
    auto shared = std::make_shared<std::vector<RangeRecord>>(std::move(ranges));
    enqueue([this, shared] {
        // eventType 59: NvtxPushPopRange, as nsys exports nested thread ranges.
        Stmt ev(db_,
                "INSERT INTO NVTX_EVENTS(start, end, eventType, globalTid, endGlobalTid, textId) "
                "VALUES(?,?,59,?,?,?)",
                path_);
        Stmt ctx(db_,
                 "INSERT INTO MOBI_RANGE_CONTEXT(event_rowid, run_id, depth, position, layer, "
                 "step) VALUES(?,?,?,?,?,?)",
                 path_);
        for (const RangeRecord& r : *shared) {
            ev.bind(1, r.startNs);
            ev.bind(2, r.endNs);
            ev.bind(3, r.globalTid);
            ev.bind(4, r.globalTid);
            ev.bind(5, stringIdLocked(r.name));
            ev.run(db_, path_);
            ctx.bind(1, static_cast<int64_t>(sqlite3_last_insert_rowid(db_)));
            ctx.bind(2, r.runId);
            ctx.bind(3, int64_t{r.depth});
            ctx.bindOpt(4, r.position);
            ctx.bindOpt(5, r.layer);
            ctx.bindOpt(6, r.step);
            ctx.run(db_, path_);
        }
    });
}

void ProfileStore::addKernel(const KernelRecord& k) {
    enqueue([this, k] {
        Stmt st(db_,
                "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, end, deviceId, contextId, "
                "streamId, correlationId, globalPid, demangledName, shortName, mangledName, "
                "registersPerThread, gridX, gridY, gridZ, blockX, blockY, blockZ, "
                "staticSharedMemory, dynamicSharedMemory) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                path_);
        const int64_t name = stringIdLocked(k.name);
        st.bindAll({k.startNs, k.endNs, k.deviceId, k.contextId, k.streamId, k.correlationId,
                    k.globalPid, name, name, name, k.registersPerThread, k.gridX, k.gridY, k.gridZ,
                    k.blockX, k.blockY, k.blockZ, k.staticSharedMemory, k.dynamicSharedMemory});
        st.run(db_, path_);
    });
}

void ProfileStore::addMemcpy(const MemcpyRecord& m) {
    enqueue([this, m] {
        Stmt st(db_,
                "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY(start, end, deviceId, contextId, streamId, "
                "correlationId, globalPid, bytes, copyKind, srcKind, dstKind) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                path_);
        st.bindAll({m.startNs, m.endNs, m.deviceId, m.contextId, m.streamId, m.correlationId,
                    m.globalPid, m.bytes, m.copyKind, m.srcKind, m.dstKind});
        st.run(db_, path_);
    });
}

void ProfileStore::addMemset(const MemsetRecord& m) {
    enqueue([this, m] {
        Stmt st(db_,
                "INSERT INTO CUPTI_ACTIVITY_KIND_MEMSET(start, end, deviceId, contextId, streamId, "
                "correlationId, globalPid, value, bytes, memKind) VALUES(?,?,?,?,?,?,?,?,?,?)",
                path_);
        st.bindAll({m.startNs, m.endNs, m.deviceId, m.contextId, m.streamId, m.correlationId,
                    m.globalPid, m.value, m.bytes, m.memKind});
        st.run(db_, path_);
    });
}

void ProfileStore::addRuntime(const RuntimeRecord& r) {
    enqueue([this, r] {
        Stmt st(db_,
                "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, end, eventClass, globalTid, "
                "correlationId, nameId, returnValue) VALUES(?,?,?,?,?,?,?)",
                path_);
        // eventClass 0: every row here is a CUDA runtime API call.
        st.bindAll({r.startNs, r.endNs, 0, r.globalTid, r.correlationId, stringIdLocked(r.name),
                    r.returnValue});
        st.run(db_, path_);
    });
}

void ProfileStore::flush() {
    if (mode_ != Mode::Write) return;
    std::unique_lock<std::mutex> lock(queueMutex_);
    const uint64_t target = enqueued_;
    flushWanted_ = true;
    queueCv_.notify_all();
    doneCv_.wait(lock, [&] { return committed_ >= target || !writerError_.empty(); });
    if (!writerError_.empty()) fail(writerError_);
}

void ProfileStore::writerLoop() {
    for (;;) {
        std::deque<std::function<void()>> batch;
        {
            std::unique_lock<std::mutex> lock(queueMutex_);
            queueCv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (queue_.empty() && stop_) return;
            // Gather a batch for a moment: fewer commits keep the writer off
            // the traced threads' cores; flush() and the destructor cut it short.
            queueCv_.wait_for(lock, std::chrono::milliseconds(kBatchMs),
                              [&] { return stop_ || flushWanted_; });
            batch.swap(queue_);
            flushWanted_ = false;
        }
        std::string error;
        {
            std::lock_guard<std::mutex> lock(dbMutex_);
            try {
                // One transaction per batch: a kill loses at most the open batch,
                // and what is committed is always a prefix of what was queued.
                exec("BEGIN IMMEDIATE");
                try {
                    for (auto& job : batch)
                        job();
                    exec("COMMIT");
                } catch (...) {
                    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
                    stringIds_.clear(); // ids of the rolled back batch are gone
                    throw;
                }
            } catch (const std::exception& e) {
                error = e.what();
            }
        }
        {
            std::lock_guard<std::mutex> lock(queueMutex_);
            committed_ += batch.size();
            if (!error.empty() && writerError_.empty()) writerError_ = error;
        }
        doneCv_.notify_all();
    }
}

} // namespace mobi
