// Tokenizer fitting (issue 13): time to fit a SentencePiece-style BPE
// vocabulary on realistic agent training text, and what it buys.
//
//   FitAlfworldRecords/N   fit N pieces on ALFWorld training records: every
//                          training game played along its walkthrough, one
//                          record per step holding the episode so far (the
//                          shape of the demos the agent trains on, ~20 MB)
//   FitAgentRecords/N      fit N pieces on those records plus household
//                          games (HouseholdGenerator, template: the first
//                          training game) played by AlfworldExpert, the same
//                          shape of records, up to 20 MB in all
//   FitWikiText/N          fit N pieces on WikiText-2 + PTB validation text
//                          (varied English, non-ASCII)
//   EncodeAlfworldRecords  the engine's SentencePieceTokenizer encoding the
//                          records with the fitted 1024-piece vocabulary
//
// Counters: MB of text, pieces fitted, tokens per byte of the fitting text
// under the fitted vocabulary (encode time not included in Fit*).
// Data: $MOBISCOPE_DATA (default ../shared/data or ../../shared/data).
#include "env/AlfworldEnv.h"
#include "env/AlfworldExpert.h"
#include "env/AlfworldGame.h"
#include "env/HouseholdGenerator.h"
#include "train/TokenizerFit.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace mobi;

namespace {

std::string dataDir() {
    if (const char* env = std::getenv("MOBISCOPE_DATA")) return env;
    for (const char* d : {"../shared/data", "../../shared/data"})
        if (std::filesystem::exists(std::string(d) + "/alfworld/train")) return d;
    return "../shared/data";
}

std::vector<std::string> trainGameFiles() {
    std::vector<std::string> files;
    const std::filesystem::path root = dataDir() + "/alfworld/train";
    if (std::filesystem::exists(root))
        for (const auto& e : std::filesystem::recursive_directory_iterator(root))
            if (e.path().filename() == "game.tw-pddl") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

// One record per step: the episode so far.
template <typename NextCommand>
void addEpisodeRecords(AlfworldEnv& env, NextCommand next, std::vector<std::string>& out) {
    std::string text = env.reset();
    while (!env.done()) {
        const std::optional<std::string> cmd = next(env);
        if (!cmd) break;
        text += "\n> " + *cmd + "\n" + env.step(*cmd).observation;
        out.push_back(text + "\n");
    }
}

const std::vector<std::string>& alfworldRecords() {
    static const std::vector<std::string> records = [] {
        std::vector<std::string> out;
        for (const std::string& f : trainGameFiles()) {
            AlfworldEnv env(std::make_shared<const AlfworldGame>(AlfworldGame::load(f)));
            addEpisodeRecords(
                env, [](const AlfworldEnv& e) { return e.expertCommand(); }, out);
        }
        return out;
    }();
    return records;
}

double megabytes(const std::vector<std::string>& texts);

const std::vector<std::string>& agentRecords() {
    static const std::vector<std::string> records = [] {
        std::vector<std::string> out = alfworldRecords();
        const std::vector<std::string> files = trainGameFiles();
        if (files.empty()) return out;
        const HouseholdGenerator generator(files.front());
        for (uint64_t seed = 0; megabytes(out) < 20.0; ++seed) {
            AlfworldEnv env(std::make_shared<const AlfworldGame>(generator.game(seed)));
            addEpisodeRecords(env, AlfworldExpert::nextCommand, out);
        }
        return out;
    }();
    return records;
}

const std::vector<std::string>& wikiLines() {
    static const std::vector<std::string> lines = [] {
        std::vector<std::string> out;
        for (const char* name : {"wikitext2.valid.txt", "ptb.valid.txt"}) {
            std::ifstream in(dataDir() + "/text/" + name);
            std::string line;
            while (std::getline(in, line))
                if (!line.empty()) out.push_back(line + "\n");
        }
        return out;
    }();
    return lines;
}

double megabytes(const std::vector<std::string>& texts) {
    size_t n = 0;
    for (const std::string& t : texts)
        n += t.size();
    return double(n) / 1e6;
}

double tokensPerByte(const SpmVocab& vocab, const std::vector<std::string>& texts) {
    const auto tok = makeFittedTokenizer(vocab);
    size_t tokens = 0;
    for (const std::string& t : texts)
        tokens += tok->encode(t, false).size();
    return double(tokens) / (megabytes(texts) * 1e6);
}

void fitBench(benchmark::State& st, const std::vector<std::string>& texts) {
    if (texts.empty()) {
        st.SkipWithError("shared data not found (set MOBISCOPE_DATA)");
        return;
    }
    FittedTokenizer fit;
    for (auto _ : st)
        fit = fitTokenizer(texts, {int(st.range(0)), 2});
    st.counters["MB"] = megabytes(texts);
    st.counters["pieces"] = double(fit.vocab.pieces.size());
    st.counters["merges"] = fit.stats.merges;
    st.counters["distinct_words"] = double(fit.stats.distinctWords);
    st.counters["tokens_per_byte"] = tokensPerByte(fit.vocab, texts);
}

void FitAlfworldRecords(benchmark::State& st) {
    fitBench(st, alfworldRecords());
}

void FitAgentRecords(benchmark::State& st) {
    fitBench(st, agentRecords());
}

void FitWikiText(benchmark::State& st) {
    fitBench(st, wikiLines());
}

void EncodeAlfworldRecords(benchmark::State& st) {
    const auto& texts = alfworldRecords();
    if (texts.empty()) {
        st.SkipWithError("shared data not found (set MOBISCOPE_DATA)");
        return;
    }
    const auto tok = makeFittedTokenizer(fitSentencePieceBpe(texts, {1024, 2}));
    size_t tokens = 0;
    for (auto _ : st) {
        tokens = 0;
        for (const std::string& t : texts)
            tokens += tok->encode(t, true).size();
    }
    st.counters["MB_per_s"] =
        benchmark::Counter(megabytes(texts) * double(st.iterations()), benchmark::Counter::kIsRate);
    st.counters["tokens"] = double(tokens);
}

} // namespace

BENCHMARK(FitAlfworldRecords)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(FitAgentRecords)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(FitWikiText)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(EncodeAlfworldRecords)->Unit(benchmark::kMillisecond)->Iterations(2);

BENCHMARK_MAIN();
