// A console reporter that also keeps, per benchmark name, the median run
// (or the only one, without repetitions): its real time and counters, for a
// summary printed in Finalize by the benchmarks that compare runs.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

class MedianReporter : public benchmark::ConsoleReporter {
  public:
    struct Row {
        bool median = false;
        double ns = 0; // real time per iteration
        std::map<std::string, double> counters;
        double ms() const { return ns * 1e-6; }
        double counter(const std::string& name) const {
            auto it = counters.find(name);
            return it == counters.end() ? 0.0 : it->second;
        }
    };

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type == Run::RT_Aggregate && !median) continue;
            Row& row = rows_[r.run_name.function_name];
            if (row.median && !median) continue;
            row.median = median;
            row.ns = r.GetAdjustedRealTime() * nanosecondsPer(r.time_unit);
            for (const auto& [name, c] : r.counters)
                row.counters[name] = double(c);
        }
        ConsoleReporter::ReportRuns(runs);
    }

  protected:
    // The kept run of `name`, or null when it did not run (filtered out).
    const Row* find(const std::string& name) const {
        auto it = rows_.find(name);
        return it == rows_.end() ? nullptr : &it->second;
    }

  private:
    static double nanosecondsPer(benchmark::TimeUnit u) {
        switch (u) {
        case benchmark::kNanosecond:
            return 1.0;
        case benchmark::kMicrosecond:
            return 1e3;
        case benchmark::kMillisecond:
            return 1e6;
        default:
            return 1e9;
        }
    }
    std::map<std::string, Row> rows_;
};
