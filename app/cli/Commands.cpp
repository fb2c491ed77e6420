#include "Command.h"

namespace cli {

int runInfo(const std::vector<std::string>&);
int runTokenize(const std::vector<std::string>&);
int runGenerate(const std::vector<std::string>&);
int runPerplexity(const std::vector<std::string>&);
int runConvert(const std::vector<std::string>&);
int runMakeRandomModel(const std::vector<std::string>&);
int runBench(const std::vector<std::string>&);
int runGpu(const std::vector<std::string>&);
int runSlice(const std::vector<std::string>&);
int runSweep(const std::vector<std::string>&);
int runOutliers(const std::vector<std::string>&);
int runEnv(const std::vector<std::string>&);
int runRoute(const std::vector<std::string>&);
int runTrain(const std::vector<std::string>&);
#ifdef MOBISCOPE_WITH_PROFILES
int runProfile(const std::vector<std::string>&);
int runReport(const std::vector<std::string>&);
#endif

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {
        {"info", "show a model's format, architecture, shapes and tokenizer", runInfo},
        {"tokenize", "print the token ids (and pieces) of a text", runTokenize},
        {"generate", "generate text (greedy or sampled) on the CPU", runGenerate},
        {"perplexity", "perplexity of a text file, llama.cpp's protocol", runPerplexity},
        {"convert", "convert a model to GGUF (F32/F16) or a safetensors directory", runConvert},
        {"make-random-model", "write a LLaMA-shaped F16 GGUF with random weights",
         runMakeRandomModel},
        {"bench", "prefill and decode speed, weight traffic and machine bandwidth", runBench},
        {"gpu", "CUDA device information and GPU self-test", runGpu},
        {"slice", "MoBiSlice a model's linears into a sliced GGUF", runSlice},
        {"sweep", "perplexity and bits of every sliced level vs FP and RTN", runSweep},
        {"route", "MoBiRoute: calibrate routers, evaluate budgets (route calibrate|eval)",
         runRoute},
        {"outliers", "outlier-token migration across levels, MoBiSlice vs RTN", runOutliers},
        {"train", "train a LLaMA-family model on JSONL records and export a GGUF", runTrain},
        {"env",
         "agent environments: ALFWorld, household, WebShop (env play|walkthrough|run|replay)",
         runEnv},
#ifdef MOBISCOPE_WITH_PROFILES // built without SQLite on machines lacking its headers
        {"profile", "generate with tracing on and record a SQLite profile", runProfile},
        {"report", "HTML report (SVG charts), CSV tables and JSON summary of a profile", runReport},
#endif
    };
    return all;
}

} // namespace cli
