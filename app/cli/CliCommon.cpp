#include "CliCommon.h"

#include "core/Error.h"
#include "core/ThreadPool.h"
#include "io/EmbeddedModel.h"
#include "quant/SlicedModel.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace cli {

void addModelOptions(ArgParser& p) {
    p.option("tokenizer", "FILE",
             "tokenizer file for formats that keep it apart (llama2.c tokenizer.bin)");
    p.option("threads", "N", "CPU threads, 0 = all cores", "0", "-t");
    addParseSpecialFlag(p);
}

void addParseSpecialFlag(ArgParser& p) {
    p.flag("parse-special",
           "special-token text in the input (\"<|endoftext|>\", \"<s>\") becomes the special "
           "token, as Hugging Face tokenizers do; default: encoded as plain text (llama.cpp)");
}

int threadsOption(const ArgParser& p) {
    const int n = p.getInt("threads", 0, 4096);
    return n == 0 ? mobi::ThreadPool::hardwareThreads() : n;
}

mobi::Model loadModelArg(const ArgParser& p, bool needTokenizer) {
    mobi::LoadOptions o;
    o.tokenizerPath = p.get("tokenizer");
    o.requireTokenizer = needTokenizer;
    o.parseSpecial = p.flagSet("parse-special");
    return mobi::loadModel(p.has("MODEL") ? p.get("MODEL") : mobi::findEmbeddedModel(), o);
}

void addLevelOptions(ArgParser& p) {
    p.option("level", "K", "MoBiSlice level of a sliced model (1..K), default the top");
    p.option("bits", "B", "MoBiSlice level with exactly B bits per weight (sliced models)");
}

std::string availableLevels(const mobi::Model& m) {
    if (!m.sliced) return "none (the model is not sliced)";
    std::string s;
    const mobi::SliceConfig& c = m.sliced->config;
    for (int k = 1; k <= c.levels(); ++k)
        s += (k > 1 ? ", " : "") + std::to_string(k) + " (" + std::to_string(c.bitsForLevel(k)) +
             " bits)";
    return s;
}

int levelOption(const ArgParser& p, const mobi::Model& m) {
    const bool hasLevel = p.has("level"), hasBits = p.has("bits");
    if (!hasLevel && !hasBits) return 0;
    if (hasLevel && hasBits) throw UsageError("give --level or --bits, not both");
    if (!m.sliced)
        throw UsageError(std::string(hasLevel ? "--level" : "--bits") + ": " + m.path +
                         " is not a sliced model (make one with `mobiscope-cli slice`)");
    const mobi::SliceConfig& c = m.sliced->config;
    if (hasLevel) {
        const int k = p.getInt("level", 0, 1 << 20);
        if (k < 1 || k > c.levels())
            throw UsageError("--level " + std::to_string(k) +
                             " does not exist; levels: " + availableLevels(m));
        return k;
    }
    const int b = p.getInt("bits", 0, 1 << 20);
    for (int k = 1; k <= c.levels(); ++k)
        if (c.bitsForLevel(k) == b) return k;
    throw UsageError("--bits " + std::to_string(b) +
                     " is not a level of this model; levels: " + availableLevels(m));
}

std::string readTextFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw mobi::EngineError(path, "cannot open text file");
    std::stringstream ss;
    ss << f.rdbuf();
    if (f.bad()) throw mobi::EngineError(path, "read error");
    return ss.str();
}

int runSubcommand(const std::string& command, const std::vector<std::string>& args,
                  const std::string& usage,
                  const std::vector<std::pair<std::string, Subcommand>>& subcommands) {
    if (args.empty()) throw UsageError(usage);
    if (args[0] == "--help" || args[0] == "-h") {
        std::printf("%s\n", usage.c_str());
        return 0;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& [name, run] : subcommands)
        if (args[0] == name) return run(rest);
    throw UsageError("unknown " + command + " subcommand '" + args[0] + "'\n" + usage);
}

} // namespace cli
