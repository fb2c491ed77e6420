#include "ProfileData.h"

#include "core/Error.h"

#ifdef MOBISCOPE_WITH_PROFILES
#include "ProfileReport.h"
#include "ProfileStore.h"
#endif

#include <QHash>
#include <QMap>

#include <algorithm>
#include <string>

namespace mobi {

#ifndef MOBISCOPE_WITH_PROFILES
ProfileData loadProfileData(const QString& path) {
    throw EngineError(path.toStdString(), "this build has no SQLite: profiles cannot be read");
}
#else
namespace {

qint64 num(const std::optional<std::string>& v, qint64 fallback = 0) {
    return v ? std::stoll(*v) : fallback;
}

} // namespace

ProfileData loadProfileData(const QString& path) {
    const ProfileStore store(path.toStdString(), ProfileStore::Mode::Read);
    ProfileData d;
    d.path = path;
    d.runId = latestRun(store);
    const std::string run = std::to_string(d.runId);
    const QueryResult info = store.query("SELECT model_path FROM MOBI_RUNS WHERE id = " + run);
    if (!info.rows.empty() && info.rows[0][0])
        d.modelPath = QString::fromStdString(*info.rows[0][0]);

    QHash<QString, int> nameIndex;
    auto intern = [&](const QString& n) {
        auto it = nameIndex.constFind(n);
        if (it != nameIndex.constEnd()) return *it;
        d.names.append(n);
        return nameIndex[n] = static_cast<int>(d.names.size() - 1);
    };
    QMap<qint64, int> threadLane, streamLane;
    const QueryResult r = store.query(
        "SELECT s.value, e.start, e.end, e.globalTid, c.depth, c.position, c.layer, c.step "
        "FROM NVTX_EVENTS e JOIN StringIds s ON s.id = e.textId "
        "JOIN MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid WHERE c.run_id = " +
        run + " AND e.end IS NOT NULL");
    std::vector<qint64> rangeTid;
    for (const auto& row : r.rows) {
        ProfileRange p;
        p.nameIndex = intern(QString::fromStdString(row[0].value_or("")));
        p.startNs = num(row[1]);
        p.endNs = num(row[2]);
        const qint64 tid = num(row[3]);
        p.depth = static_cast<int>(num(row[4]));
        p.position = static_cast<int>(num(row[5], -1));
        p.layer = static_cast<int>(num(row[6], -1));
        p.step = static_cast<int>(num(row[7], -1));
        threadLane.insert(tid, 0);
        rangeTid.push_back(tid);
        d.ranges.push_back(p);
    }
    for (auto it = threadLane.begin(); it != threadLane.end(); ++it) {
        it.value() = static_cast<int>(d.lanes.size());
        // nsys globalTid packs pid and tid; the low 24 bits are the thread id.
        d.lanes.push_back({QStringLiteral("CPU thread %1").arg(it.key() & 0xFFFFFF), false, 1});
    }
    for (size_t i = 0; i < d.ranges.size(); ++i)
        d.ranges[i].lane = threadLane.value(rangeTid[i]);

    const QueryResult k =
        store.query("SELECT COALESCE(s.value, ''), k.start, k.end, k.streamId, k.deviceId FROM "
                    "CUPTI_ACTIVITY_KIND_KERNEL k LEFT JOIN StringIds s ON s.id = k.shortName "
                    "ORDER BY k.start");
    for (const auto& row : k.rows) {
        const qint64 stream = num(row[3]) + (num(row[4]) << 32);
        auto it = streamLane.find(stream);
        if (it == streamLane.end()) {
            it = streamLane.insert(stream, static_cast<int>(d.lanes.size()));
            d.lanes.push_back(
                {QStringLiteral("GPU %1 stream %2").arg(num(row[4])).arg(num(row[3])), true, 1});
        }
        ProfileRange p;
        p.nameIndex = intern(QString::fromStdString(row[0].value_or("")));
        p.startNs = num(row[1]);
        p.endNs = num(row[2]);
        p.lane = it.value();
        d.ranges.push_back(p);
        ++d.kernelCount;
    }
    const QueryResult tl = store.query(
        "SELECT position, layer, level, router_score FROM MOBI_TOKEN_LAYER WHERE run_id = " + run);
    for (const auto& row : tl.rows) {
        ProfileData::TokenLayer v;
        v.level = static_cast<int>(num(row[2]));
        if (row[3]) v.routerScore = std::stod(*row[3]);
        d.tokenLayers.insert({static_cast<int>(num(row[0])), static_cast<int>(num(row[1]))}, v);
    }
    const QueryResult lp =
        store.query("SELECT layer, avg_bits FROM MOBI_LAYER_PRECISION WHERE run_id = " + run +
                    " ORDER BY layer");
    for (const auto& row : lp.rows) {
        const auto layer = static_cast<size_t>(num(row[0]));
        if (layer >= 4096) continue;
        if (d.layerBits.size() <= layer)
            d.layerBits.resize(layer + 1, std::numeric_limits<double>::quiet_NaN());
        d.layerBits[layer] = row[1] ? std::stod(*row[1]) : std::numeric_limits<double>::quiet_NaN();
    }
    std::sort(d.ranges.begin(), d.ranges.end(), [](const ProfileRange& a, const ProfileRange& b) {
        if (a.lane != b.lane) return a.lane < b.lane;
        if (a.startNs != b.startNs) return a.startNs < b.startNs;
        return a.depth < b.depth;
    });
    const int layerName = static_cast<int>(d.names.indexOf(QStringLiteral("layer")));
    if (!d.tokenLayers.isEmpty() && layerName >= 0) {
        bool first = true;
        for (const ProfileRange& p : d.ranges) {
            if (p.nameIndex != layerName || p.position < 0 || p.layer < 0) continue;
            const auto it = d.tokenLayers.constFind({p.position, p.layer});
            if (it == d.tokenLayers.constEnd()) continue;
            d.levelCells.push_back(
                {p.startNs, p.endNs, p.position, p.layer, it->level, it->routerScore});
            d.minLevel = first ? it->level : std::min(d.minLevel, it->level);
            d.maxLevel = first ? it->level : std::max(d.maxLevel, it->level);
            d.levelLayers = std::max(d.levelLayers, p.layer + 1);
            first = false;
        }
    }
    if (!d.ranges.empty()) {
        d.t0 = d.ranges.front().startNs;
        d.t1 = d.ranges.front().endNs;
    }
    for (const ProfileRange& p : d.ranges) {
        d.t0 = std::min(d.t0, p.startNs);
        d.t1 = std::max(d.t1, p.endNs);
        ProfileLane& lane = d.lanes[static_cast<size_t>(p.lane)];
        lane.depths = std::max(lane.depths, p.depth + 1);
    }
    return d;
}
#endif

} // namespace mobi
