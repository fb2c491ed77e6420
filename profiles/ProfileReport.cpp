#include "ProfileReport.h"

#include "core/Error.h"
#include "util/Json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace mobi {

namespace {

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
        case '<':
            o += "&lt;";
            break;
        case '>':
            o += "&gt;";
            break;
        case '&':
            o += "&amp;";
            break;
        case '"':
            o += "&quot;";
            break;
        default:
            o += c;
        }
    }
    return o;
}

std::string fmt(double v, int prec = 2) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

double num(const std::optional<std::string>& v) {
    return v ? std::atof(v->c_str()) : 0.0;
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw EngineError(path, "cannot create file");
    f << text;
    f.close();
    if (!f) throw EngineError(path, "write failed");
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
    return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

// Hue from blue (low) to red (high) for v in [0, 1].
std::string heat(double v) {
    v = std::clamp(v, 0.0, 1.0);
    return "hsl(" + fmt(240 - 240 * v, 0) + ",70%,55%)";
}

} // namespace

int64_t latestRun(const ProfileStore& store) {
    const QueryResult r = store.query("SELECT MAX(id) FROM MOBI_RUNS");
    if (r.rows.empty() || !r.rows[0][0]) throw EngineError(store.path(), "profile holds no run");
    return std::stoll(*r.rows[0][0]);
}

std::vector<RangeStats> rangeStats(const ProfileStore& store, int64_t runId) {
    const QueryResult r = store.query(
        "SELECT s.value, e.end - e.start FROM NVTX_EVENTS e JOIN StringIds s ON s.id = e.textId "
        "JOIN MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid WHERE c.run_id = " +
        std::to_string(runId));
    std::map<std::string, std::vector<double>> by;
    for (const auto& row : r.rows)
        by[row[0].value_or("")].push_back(num(row[1]));
    std::vector<RangeStats> out;
    for (auto& [name, d] : by) {
        std::sort(d.begin(), d.end());
        RangeStats s;
        s.name = name;
        s.count = static_cast<int64_t>(d.size());
        for (double v : d)
            s.totalNs += v;
        s.meanNs = s.totalNs / d.size();
        s.p50Ns = percentile(d, 50);
        s.p95Ns = percentile(d, 95);
        out.push_back(s);
    }
    std::sort(out.begin(), out.end(),
              [](const RangeStats& a, const RangeStats& b) { return a.totalNs > b.totalNs; });
    return out;
}

void writeHtmlReport(const ProfileStore& store, const std::string& htmlPath,
                     const ProfileStore* compare) {
    const int64_t run = latestRun(store);
    const std::string rs = std::to_string(run);
    std::ostringstream h;
    const QueryResult info = store.query("SELECT model_path, model_hash, machine, cpu, gpu, "
                                         "settings_json FROM MOBI_RUNS WHERE id = " +
                                         rs);
    h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mobiscope profile</title>"
         "<style>body{font-family:sans-serif;margin:20px;color:#222}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
         "td:first-child,th:first-child{text-align:left}h2{margin-top:28px}</style></head><body>\n";
    h << "<h1>mobiscope profile</h1>\n<table>";
    const char* labels[] = {"model", "model hash", "machine", "CPU", "GPU", "settings"};
    for (size_t i = 0; i < 6 && !info.rows.empty(); ++i)
        h << "<tr><td>" << labels[i] << "</td><td>" << esc(info.rows[0][i].value_or(""))
          << "</td></tr>";
    h << "<tr><td>run</td><td>" << rs << "</td></tr></table>\n";

    // Per-layer average precision.
    const QueryResult prec =
        store.query("SELECT layer, avg_bits FROM MOBI_LAYER_PRECISION WHERE run_id = " + rs +
                    " ORDER BY layer");
    h << "<h2>Average precision per layer (bits)</h2>\n";
    {
        const int W = 60, H = 200, n = static_cast<int>(prec.rows.size());
        // Axis: the smallest of 4/8/16/32 bits that holds every layer, so a
        // 2-5 bit run is not drawn as slivers on a 32-bit scale.
        double top = 0;
        for (int i = 0; i < n; ++i)
            top = std::max(top, num(prec.rows[i][1]));
        double maxBits = 4;
        while (maxBits < top && maxBits < 32)
            maxBits *= 2;
        maxBits = std::max(maxBits, top);
        h << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << std::max(200, n * W + 60)
          << "\" height=\"" << H + 40 << "\">";
        for (int i = 0; i < n; ++i) {
            const double b = num(prec.rows[i][1]);
            const double bh = H * std::min(b, maxBits) / maxBits;
            h << "<rect x=\"" << 40 + i * W << "\" y=\"" << fmt(10 + H - bh) << "\" width=\""
              << W - 10 << "\" height=\"" << fmt(bh) << "\" fill=\"" << heat(b / maxBits)
              << "\"><title>layer " << i << ": " << fmt(b) << " bits</title></rect>";
            h << "<text x=\"" << 40 + i * W + (W - 10) / 2 << "\" y=\"" << H + 25
              << "\" font-size=\"11\" text-anchor=\"middle\">L" << prec.rows[i][0].value_or("")
              << " " << fmt(b, 1) << "</text>";
        }
        h << "<line x1=\"35\" y1=\"10\" x2=\"35\" y2=\"" << H + 10 << "\" stroke=\"#444\"/>"
          << "<text x=\"2\" y=\"18\" font-size=\"10\">" << fmt(maxBits, 0) << "</text></svg>\n";
    }

    // Per-token strip: the token's mean level over layers (sliced), else its layers' bits.
    const QueryResult toks = store.query(
        "SELECT t.position, t.text, t.is_prompt, (SELECT AVG(level) FROM MOBI_TOKEN_LAYER l WHERE "
        "l.run_id = t.run_id AND l.position = t.position), (SELECT AVG(avg_bits) FROM "
        "MOBI_LAYER_PRECISION p WHERE p.run_id = t.run_id) FROM MOBI_TOKENS t WHERE t.run_id = " +
        rs + " ORDER BY t.position");
    h << "<h2>Per-token precision strip (" << toks.rows.size() << " tokens)</h2>\n";
    {
        const int cell = 8, perRow = 100;
        const int n = static_cast<int>(toks.rows.size());
        const int rows = std::max(1, (n + perRow - 1) / perRow);
        double maxV = 1;
        for (const auto& t : toks.rows)
            maxV = std::max(maxV, t[3] ? num(t[3]) : num(t[4]));
        h << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << perRow * cell + 10
          << "\" height=\"" << rows * (cell + 2) + 10 << "\">";
        for (int i = 0; i < n; ++i) {
            const auto& t = toks.rows[i];
            const bool level = t[3].has_value();
            const double v = level ? num(t[3]) : num(t[4]);
            h << "<rect x=\"" << 5 + (i % perRow) * cell << "\" y=\""
              << 5 + (i / perRow) * (cell + 2) << "\" width=\"" << cell - 1 << "\" height=\""
              << cell << "\" fill=\"" << heat(v / maxV) << "\""
              << (num(t[2]) > 0 ? " opacity=\"0.5\"" : "") << "><title>" << t[0].value_or("") << " "
              << esc(t[1].value_or("")) << ": " << (level ? "level " : "") << fmt(v, 2)
              << (level ? "" : " bits") << "</title></rect>";
        }
        h << "</svg>\n";
    }

    // Timeline of ranges per thread (first 3000 ranges of depth <= 2).
    const QueryResult ev = store.query(
        "SELECT e.globalTid, c.depth, e.start, e.end, s.value, c.position, c.layer FROM "
        "NVTX_EVENTS e JOIN MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid JOIN StringIds s ON "
        "s.id = e.textId WHERE c.run_id = " +
        rs + " AND c.depth <= 2 ORDER BY e.start LIMIT 3000");
    h << "<h2>Timeline of ranges per thread</h2>\n";
    {
        std::map<std::string, int> lane;
        double t0 = 1e300, t1 = -1e300;
        for (const auto& e : ev.rows) {
            lane.emplace(e[0].value_or(""), 0);
            t0 = std::min(t0, num(e[2]));
            t1 = std::max(t1, num(e[3]));
        }
        int li = 0;
        for (auto& [k, v] : lane)
            v = li++;
        const int W = 1200, rowH = 14, laneH = 3 * rowH + 10;
        const double span = std::max(1.0, t1 - t0);
        h << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W + 110 << "\" height=\""
          << std::max<size_t>(1, lane.size()) * laneH + 30 << "\">";
        for (const auto& [k, v] : lane)
            h << "<text x=\"2\" y=\"" << v * laneH + 14 << "\" font-size=\"11\">thread " << esc(k)
              << "</text>";
        std::map<std::string, int> colorOf;
        for (const auto& e : ev.rows) {
            const std::string name = e[4].value_or("");
            const int c = colorOf.emplace(name, static_cast<int>(colorOf.size())).first->second;
            const double x = 100 + W * (num(e[2]) - t0) / span;
            const double w = std::max(0.5, W * (num(e[3]) - num(e[2])) / span);
            const int y = lane[e[0].value_or("")] * laneH + static_cast<int>(num(e[1])) * rowH + 2;
            h << "<rect x=\"" << fmt(x) << "\" y=\"" << y << "\" width=\"" << fmt(w)
              << "\" height=\"" << rowH - 2 << "\" fill=\"hsl(" << (c * 67) % 360
              << ",60%,60%)\"><title>" << esc(name) << " pos " << e[5].value_or("-") << " layer "
              << e[6].value_or("-") << ": " << fmt((num(e[3]) - num(e[2])) / 1e3, 1)
              << " us</title></rect>";
        }
        h << "<text x=\"100\" y=\"" << std::max<size_t>(1, lane.size()) * laneH + 20
          << "\" font-size=\"11\">0 ms</text><text x=\"" << W + 60 << "\" y=\""
          << std::max<size_t>(1, lane.size()) * laneH + 20 << "\" font-size=\"11\">"
          << fmt(span / 1e6, 2) << " ms</text></svg>\n";
    }

    h << "<h2>Top ranges</h2>\n<table><tr><th>name</th><th>count</th><th>total ms</th>"
         "<th>mean us</th><th>p50 us</th><th>p95 us</th></tr>";
    for (const RangeStats& s : rangeStats(store, run))
        h << "<tr><td>" << esc(s.name) << "</td><td>" << s.count << "</td><td>"
          << fmt(s.totalNs / 1e6, 3) << "</td><td>" << fmt(s.meanNs / 1e3, 2) << "</td><td>"
          << fmt(s.p50Ns / 1e3, 2) << "</td><td>" << fmt(s.p95Ns / 1e3, 2) << "</td></tr>";
    h << "</table>\n";
    if (compare) {
        const int64_t runB = latestRun(*compare);
        h << "<h2>Comparison: A = " << esc(store.path()) << " run " << run
          << ", B = " << esc(compare->path()) << " run " << runB << "</h2>\n";
        const std::string q = "SELECT layer, avg_bits FROM MOBI_LAYER_PRECISION WHERE run_id = ";
        const QueryResult pa = store.query(q + rs + " ORDER BY layer");
        const QueryResult pb = compare->query(q + std::to_string(runB) + " ORDER BY layer");
        std::map<std::string, std::pair<std::string, std::string>> layers;
        for (const auto& r : pa.rows)
            layers[r[0].value_or("")].first = fmt(num(r[1]));
        for (const auto& r : pb.rows)
            layers[r[0].value_or("")].second = fmt(num(r[1]));
        h << "<table><tr><th>layer</th><th>A bits</th><th>B bits</th></tr>";
        for (const auto& [l, v] : layers)
            h << "<tr><td>" << esc(l) << "</td><td>" << v.first << "</td><td>" << v.second
              << "</td></tr>";
        h << "</table>\n<table><tr><th>range</th><th>A count</th><th>A mean us</th>"
             "<th>B count</th><th>B mean us</th><th>B / A</th></tr>";
        std::map<std::string, std::pair<RangeStats, RangeStats>> by;
        for (const RangeStats& x : rangeStats(store, run))
            by[x.name].first = x;
        for (const RangeStats& x : rangeStats(*compare, runB))
            by[x.name].second = x;
        for (const auto& [name, ab] : by)
            h << "<tr><td>" << esc(name) << "</td><td>" << ab.first.count << "</td><td>"
              << fmt(ab.first.meanNs / 1e3) << "</td><td>" << ab.second.count << "</td><td>"
              << fmt(ab.second.meanNs / 1e3) << "</td><td>"
              << (ab.first.meanNs > 0 ? fmt(ab.second.meanNs / ab.first.meanNs, 3) : "-")
              << "</td></tr>";
        h << "</table>\n";
    }
    h << "</body></html>\n";
    writeFile(htmlPath, h.str());
}

std::vector<std::string> writeCsvTables(const ProfileStore& store, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir)) throw EngineError(dir, "cannot create directory");
    auto cell = [](const std::optional<std::string>& v) {
        if (!v) return std::string();
        if (v->find_first_of(",\"\r\n") == std::string::npos) return *v;
        std::string o = "\"";
        for (char c : *v)
            o += c == '"' ? std::string("\"\"") : std::string(1, c);
        return o + "\"";
    };
    std::vector<std::string> files;
    for (const std::string& t : store.tables()) {
        const QueryResult r = store.query("SELECT * FROM \"" + t + "\"");
        std::string out;
        for (size_t i = 0; i < r.columns.size(); ++i) {
            if (i) out += ',';
            out += cell(r.columns[i]);
        }
        out += "\r\n";
        for (const auto& row : r.rows) {
            for (size_t i = 0; i < row.size(); ++i) {
                if (i) out += ',';
                out += cell(row[i]);
            }
            out += "\r\n";
        }
        const std::string path = (std::filesystem::path(dir) / (t + ".csv")).string();
        writeFile(path, out);
        files.push_back(path);
    }
    return files;
}

void writeJsonSummary(const ProfileStore& store, const std::string& jsonPath,
                      const ProfileStore* compare) {
    const int64_t run = latestRun(store);
    Json j(Json::Object{});
    j.set("profile", store.path());
    j.set("schema_version", store.schemaVersion());
    j.set("run_id", run);
    Json counts(Json::Object{});
    for (const std::string& t : store.tables())
        counts.set(t, store.count(t));
    j.set("row_counts", counts);
    const QueryResult span = store.query(
        "SELECT MIN(e.start), MAX(e.end), SUM(CASE WHEN c.depth = 0 THEN e.end - e.start ELSE 0 "
        "END) FROM NVTX_EVENTS e JOIN MOBI_RANGE_CONTEXT c ON c.event_rowid = e.rowid WHERE "
        "c.run_id = " +
        std::to_string(run));
    if (!span.rows.empty() && span.rows[0][0]) {
        j.set("span_ns", num(span.rows[0][1]) - num(span.rows[0][0]));
        j.set("top_level_ns", num(span.rows[0][2]));
    }
    Json top(Json::Array{});
    for (const RangeStats& s : rangeStats(store, run)) {
        Json e(Json::Object{});
        e.set("name", s.name);
        e.set("count", s.count);
        e.set("total_ns", s.totalNs);
        e.set("mean_ns", s.meanNs);
        e.set("p50_ns", s.p50Ns);
        e.set("p95_ns", s.p95Ns);
        top.push(e);
    }
    j.set("ranges", top);
    if (compare) {
        const int64_t runB = latestRun(*compare);
        Json c(Json::Object{});
        c.set("profile", compare->path());
        c.set("run_id", runB);
        Json ranges(Json::Array{});
        for (const RangeStats& s : rangeStats(*compare, runB)) {
            Json e(Json::Object{});
            e.set("name", s.name);
            e.set("count", s.count);
            e.set("total_ns", s.totalNs);
            e.set("mean_ns", s.meanNs);
            e.set("p50_ns", s.p50Ns);
            e.set("p95_ns", s.p95Ns);
            ranges.push(e);
        }
        c.set("ranges", ranges);
        j.set("compare", c);
    }
    writeFile(jsonPath, j.dump(2) + "\n");
}

} // namespace mobi
