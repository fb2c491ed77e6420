// Folders of engine/ depend one way: the includes read from the sources form
// no cycle between folders (model does not include route, quant does not run
// a Transformer, ...). Also checks the cycle finder itself on small graphs.
#include "TestData.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

// folder -> included folder -> one "file: #include line" that makes the edge.
using FolderGraph = std::map<std::string, std::map<std::string, std::string>>;

// Every cycle-carrying strongly connected component, each written as one
// cycle "a -> b -> ... -> a" with the include that makes every edge.
std::vector<std::string> findCycles(const FolderGraph& g) {
    std::map<std::string, int> index, low;
    std::set<std::string> onStack;
    std::vector<std::string> stack;
    std::vector<std::vector<std::string>> components;
    int next = 0;
    std::function<void(const std::string&)> visit = [&](const std::string& v) {
        index[v] = low[v] = next++;
        stack.push_back(v);
        onStack.insert(v);
        const auto it = g.find(v);
        if (it != g.end())
            for (const auto& [w, why] : it->second) {
                if (!index.count(w)) {
                    visit(w);
                    low[v] = std::min(low[v], low[w]);
                } else if (onStack.count(w)) {
                    low[v] = std::min(low[v], index[w]);
                }
            }
        if (low[v] != index[v]) return;
        std::vector<std::string> comp;
        std::string w;
        do {
            w = stack.back();
            stack.pop_back();
            onStack.erase(w);
            comp.push_back(w);
        } while (w != v);
        components.push_back(comp);
    };
    for (const auto& [v, edges] : g)
        if (!index.count(v)) visit(v);

    std::vector<std::string> out;
    for (const auto& comp : components) {
        const std::set<std::string> members(comp.begin(), comp.end());
        const std::string& start = comp.front();
        const bool selfLoop = g.count(start) && g.at(start).count(start);
        if (comp.size() < 2 && !selfLoop) continue;
        // Walk inside the component back to the start (breadth-first for the
        // shortest cycle through it).
        std::map<std::string, std::string> parent;
        std::vector<std::string> frontier{start};
        bool closed = false;
        std::string last;
        while (!frontier.empty() && !closed) {
            std::vector<std::string> nextFrontier;
            for (const std::string& v : frontier) {
                for (const auto& [w, why] : g.at(v)) {
                    if (!members.count(w)) continue;
                    if (w == start) {
                        last = v;
                        closed = true;
                        break;
                    }
                    if (!parent.count(w)) {
                        parent[w] = v;
                        nextFrontier.push_back(w);
                    }
                }
                if (closed) break;
            }
            frontier = nextFrontier;
        }
        std::vector<std::string> path{start};
        for (std::string v = last; v != start; v = parent.at(v))
            path.insert(path.begin() + 1, v);
        std::string text;
        for (size_t i = 0; i < path.size(); ++i) {
            const std::string& from = path[i];
            const std::string& to = path[(i + 1) % path.size()];
            text += from + " -> " + to + " (" + g.at(from).at(to) + ")\n";
        }
        out.push_back(text);
    }
    return out;
}

FolderGraph readEngineIncludes(const QString& engineDir, int& filesRead) {
    const QDir root(engineDir);
    std::set<std::string> folders;
    for (const QString& d : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        folders.insert(d.toStdString());
    const QRegularExpression include(QStringLiteral(R"(^\s*#\s*include\s*"([^"/]+)/[^"]+")"));
    FolderGraph g;
    filesRead = 0;
    QDirIterator it(engineDir, {QStringLiteral("*.h"), QStringLiteral("*.cpp")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString file = it.next();
        const QString rel = root.relativeFilePath(file);
        const std::string folder = rel.section(QLatin1Char('/'), 0, 0).toStdString();
        if (!folders.count(folder)) continue; // a file at the engine root
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly)) continue;
        ++filesRead;
        g[folder];
        while (!f.atEnd()) {
            const QString line = QString::fromUtf8(f.readLine()).trimmed();
            const auto m = include.match(line);
            if (!m.hasMatch()) continue;
            const std::string to = m.captured(1).toStdString();
            if (to == folder || !folders.count(to)) continue;
            g[folder].emplace(to, rel.toStdString() + ": " + line.toStdString());
        }
    }
    return g;
}

} // namespace

class TestEngineLayering : public QObject {
    Q_OBJECT
  private slots:
    void finderSeesCycles() {
        FolderGraph g;
        g["a"]["b"] = "a.h";
        g["b"]["c"] = "b.h";
        g["c"]["a"] = "c.h";
        g["c"]["d"] = "c2.h";
        g["d"];
        const auto cycles = findCycles(g);
        QCOMPARE(cycles.size(), size_t(1));
        QVERIFY(QString::fromStdString(cycles[0]).contains(QStringLiteral("c -> a (c.h)")));
        QVERIFY(!QString::fromStdString(cycles[0]).contains(QStringLiteral("d")));

        g["d"]["e"] = "d.h";
        g["e"]["d"] = "e.h";
        QCOMPARE(findCycles(g).size(), size_t(2));

        FolderGraph acyclic;
        acyclic["model"]["core"] = "x";
        acyclic["route"]["model"] = "y";
        acyclic["route"]["core"] = "z";
        acyclic["core"];
        QVERIFY(findCycles(acyclic).empty());
    }

    void engineFoldersHaveNoIncludeCycle() {
        int files = 0;
        const FolderGraph g =
            readEngineIncludes(QStringLiteral(MOBISCOPE_SOURCE_DIR "/engine"), files);
        QVERIFY2(files > 50, "engine sources not found under MOBISCOPE_SOURCE_DIR");
        QVERIFY(g.count("model") && g.count("core"));
        const auto cycles = findCycles(g);
        std::string report;
        for (const std::string& c : cycles)
            report += "include cycle between engine folders:\n" + c;
        QVERIFY2(cycles.empty(), report.c_str());
    }
};

QTEST_GUILESS_MAIN(TestEngineLayering)
#include "tst_engine_layering.moc"
