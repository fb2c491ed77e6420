// A profile (.sqlite) as the profile viewer shows it: the newest run's CPU
// ranges and every GPU kernel, grouped into lanes (one per thread / stream).
#pragma once

#include <QHash>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <limits>
#include <memory>
#include <vector>

namespace mobi {

struct ProfileRange {
    qint64 startNs = 0, endNs = 0;
    int nameIndex = 0; // into ProfileData::names
    int lane = 0;      // into ProfileData::lanes
    int depth = 0;
    int position = -1, layer = -1, step = -1; // token, layer, decode step (-1: none)
    qint64 durationNs() const { return endNs - startNs; }
};

struct ProfileLane {
    QString label;        // "CPU thread 1234" or "GPU stream 7"
    bool kernels = false; // a CUDA stream of kernels
    int depths = 1;       // rows the lane needs (max depth + 1)
};

struct ProfileData {
    QString path;
    qint64 runId = 0;
    QString modelPath;
    QStringList names;
    std::vector<ProfileLane> lanes;
    std::vector<ProfileRange> ranges; // sorted by lane, then start
    qint64 t0 = 0, t1 = 0;            // time span of all ranges, ns
    int kernelCount = 0;
    // Precision of the run (MOBI_TOKEN_LAYER / MOBI_LAYER_PRECISION; empty when
    // not recorded): level and router score per (token position, layer), and
    // achieved average bits per layer.
    struct TokenLayer {
        int level = 0;
        double routerScore = std::numeric_limits<double>::quiet_NaN();
    };
    QHash<QPair<int, int>, TokenLayer> tokenLayers;
    std::vector<double> layerBits;
    // The same levels placed in time: one cell per (token, layer) spanning that
    // token's "layer" range, for the timeline's precision lane.
    struct LevelCell {
        qint64 startNs = 0, endNs = 0;
        int position = 0, layer = 0, level = 0;
        double routerScore = std::numeric_limits<double>::quiet_NaN();
    };
    std::vector<LevelCell> levelCells; // sorted by start
    int minLevel = 0, maxLevel = 0, levelLayers = 0;
};

using ProfileDataPtr = std::shared_ptr<const ProfileData>;

// Reads `path` (read-only). EngineError naming the file when it is not a
// SQLite database, not a mobiscope profile, or holds no run.
ProfileData loadProfileData(const QString& path);

} // namespace mobi

Q_DECLARE_METATYPE(mobi::ProfileDataPtr)
