// Household generator and expert (issue 6, acceptance 3: generating each
// problem takes under 10 ms).
//
//   Generate         seed -> PDDL problem and game JSON text
//   GenerateLoad     ... and AlfworldGame::parse (a game AlfworldEnv takes)
//   GenerateEnv      ... and AlfworldEnv construction (compile, reset)
//   ExpertEpisode    one expert-played episode of a pre-generated game, from
//                    AlfworldEnv construction to done
//
// Each iteration is one seed, cycling over 0..999; every seed's time is kept
// (the fastest of its repetitions), and the summary gives the median and the
// maximum over the 1000 seeds. The template game is the first train game
// under $MOBISCOPE_DATA (default ../shared/data or ../../shared/data).
#include "env/AlfworldEnv.h"
#include "env/AlfworldExpert.h"
#include "env/HouseholdGenerator.h"

#include "MedianReporter.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace mobi;

namespace {

constexpr int kSeeds = 1000;

std::string dataDir() {
    if (const char* env = std::getenv("MOBISCOPE_DATA")) return env;
    for (const char* d : {"../shared/data", "../../shared/data"})
        if (std::filesystem::exists(std::string(d) + "/alfworld/train")) return d;
    return "../shared/data";
}

const HouseholdGenerator& generator() {
    static const HouseholdGenerator g(HouseholdGenerator::defaultTemplatePath(dataDir()));
    return g;
}

double nowNs() {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Per-seed fastest times, reported as median / max counters (microseconds).
struct SeedTimes {
    std::vector<double> ns = std::vector<double>(kSeeds, 0.0);
    void add(int seed, double t) {
        double& s = ns[size_t(seed)];
        s = s == 0 ? t : std::min(s, t);
    }
    void report(benchmark::State& st) const {
        std::vector<double> v;
        for (double t : ns)
            if (t > 0) v.push_back(t);
        if (v.empty()) return;
        std::sort(v.begin(), v.end());
        st.counters["median_us"] = v[v.size() / 2] / 1e3;
        st.counters["max_us"] = v.back() / 1e3;
        st.counters["seeds"] = double(v.size());
    }
};

template <typename Fn> void perSeed(benchmark::State& st, Fn&& fn) {
    SeedTimes times;
    int seed = 0;
    for (auto _ : st) {
        const double t0 = nowNs();
        fn(seed);
        times.add(seed, nowNs() - t0);
        seed = (seed + 1) % kSeeds;
    }
    times.report(st);
}

void BM_Generate(benchmark::State& st) {
    perSeed(st, [](int seed) {
        benchmark::DoNotOptimize(generator().generate(uint64_t(seed)).gameText.data());
    });
}

void BM_GenerateLoad(benchmark::State& st) {
    perSeed(st, [](int seed) {
        benchmark::DoNotOptimize(generator().game(uint64_t(seed)).problem().objects.data());
    });
}

void BM_GenerateEnv(benchmark::State& st) {
    perSeed(st, [](int seed) {
        AlfworldEnv env(generator().game(uint64_t(seed)));
        benchmark::DoNotOptimize(env.admissibleCommands().size());
    });
}

void BM_ExpertEpisode(benchmark::State& st) {
    std::vector<std::shared_ptr<const AlfworldGame>> games;
    for (int s = 0; s < kSeeds; ++s)
        games.push_back(std::make_shared<const AlfworldGame>(generator().game(uint64_t(s))));
    int64_t steps = 0, episodes = 0, won = 0;
    perSeed(st, [&](int seed) {
        AlfworldEnv env(games[size_t(seed)]);
        while (!env.done()) {
            const std::optional<std::string> cmd = AlfworldExpert::nextCommand(env);
            if (!cmd) break;
            env.step(*cmd);
        }
        steps += env.steps();
        won += env.won();
        ++episodes;
    });
    st.counters["steps_mean"] = episodes ? double(steps) / double(episodes) : 0;
    st.counters["won_share"] = episodes ? double(won) / double(episodes) : 0;
}

class HouseholdReporter : public MedianReporter {
  public:
    void Finalize() override {
        ConsoleReporter::Finalize();
        std::printf("\nHousehold problems, seeds 0-%d (per seed: fastest of its runs)\n",
                    kSeeds - 1);
        auto line = [&](const char* name, const char* what) {
            const Row* r = find(name);
            if (!r) return;
            std::printf("  %-46s median %8.3f ms, max %8.3f ms\n", what,
                        r->counter("median_us") / 1e3, r->counter("max_us") / 1e3);
        };
        line("Generate", "generate (PDDL problem + game JSON):");
        line("GenerateLoad", "generate + load as AlfworldGame:");
        line("GenerateEnv", "generate + load + AlfworldEnv (compile, reset):");
        line("ExpertEpisode", "expert episode (env construction to done):");
        if (const Row* r = find("GenerateLoad"))
            std::printf("  generation of each problem under 10 ms (generate + load, max): %s\n",
                        r->counter("max_us") < 10000 ? "met" : "NOT met");
        if (const Row* r = find("ExpertEpisode"))
            std::printf("  expert: %.2f steps per episode, %.1f%% won\n", r->counter("steps_mean"),
                        100 * r->counter("won_share"));
    }
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    generator();
    using Fn = void (*)(benchmark::State&);
    const std::pair<const char*, Fn> benches[] = {{"Generate", BM_Generate},
                                                  {"GenerateLoad", BM_GenerateLoad},
                                                  {"GenerateEnv", BM_GenerateEnv},
                                                  {"ExpertEpisode", BM_ExpertEpisode}};
    for (const auto& [name, fn] : benches)
        benchmark::RegisterBenchmark(name, fn)
            ->Unit(benchmark::kMicrosecond)
            ->Iterations(3 * kSeeds);
    HouseholdReporter rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    benchmark::Shutdown();
    return 0;
}
