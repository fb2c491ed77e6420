// `report DB --html OUT.html [--csv DIR] [--json OUT]`: shareable outputs of a profile.
#include "CliCommon.h"

#include "ProfileReport.h"

#include <cstdio>
#include <memory>

namespace cli {

int runReport(const std::vector<std::string>& args) {
    ArgParser p("report",
                "Write a self-contained HTML report (inline SVG charts) of the newest run in DB,\n"
                "CSV files of every table and a JSON summary; --compare sets a second profile's\n"
                "newest run beside it. Profiles are opened read-only.");
    p.positional("DB", "profile written by `profile`");
    p.option("html", "OUT.html", "HTML report to write");
    p.option("csv", "DIR", "directory for one CSV per table");
    p.option("json", "OUT", "JSON summary to write");
    p.option("compare", "DB2", "second profile whose newest run is set beside DB's");
    if (!p.parse(args)) return 0;
    if (!p.has("html") && !p.has("csv") && !p.has("json"))
        throw UsageError("give at least one of --html, --csv, --json");
    const std::string db = p.get("DB");
    mobi::ProfileStore store(db, mobi::ProfileStore::Mode::Read);
    std::unique_ptr<mobi::ProfileStore> other;
    if (p.has("compare"))
        other =
            std::make_unique<mobi::ProfileStore>(p.get("compare"), mobi::ProfileStore::Mode::Read);
    if (p.has("html")) mobi::writeHtmlReport(store, p.get("html"), other.get());
    if (p.has("csv")) {
        const auto files = mobi::writeCsvTables(store, p.get("csv"));
        std::fprintf(stderr, "wrote %zu CSV files to %s\n", files.size(), p.get("csv").c_str());
    }
    if (p.has("json")) mobi::writeJsonSummary(store, p.get("json"), other.get());
    if (p.has("html")) std::fprintf(stderr, "wrote %s\n", p.get("html").c_str());
    return 0;
}

} // namespace cli
