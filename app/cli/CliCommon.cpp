#include "CliCommon.h"

#include "core/Error.h"
#include "core/ThreadPool.h"

#include <fstream>
#include <sstream>

namespace cli {

void addModelOptions(ArgParser& p) {
    p.option("tokenizer", "FILE",
             "tokenizer file for formats that keep it apart (llama2.c tokenizer.bin)");
    p.option("threads", "N", "CPU threads, 0 = all cores", "0", "-t");
}

int threadsOption(const ArgParser& p) {
    const int n = p.getInt("threads", 0, 4096);
    return n == 0 ? mobi::ThreadPool::hardwareThreads() : n;
}

mobi::Model loadModelArg(const ArgParser& p, bool needTokenizer) {
    mobi::LoadOptions o;
    o.tokenizerPath = p.get("tokenizer");
    o.requireTokenizer = needTokenizer;
    return mobi::loadModel(p.get("MODEL"), o);
}

std::string readTextFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw mobi::EngineError(path, "cannot open text file");
    std::stringstream ss;
    ss << f.rdbuf();
    if (f.bad()) throw mobi::EngineError(path, "read error");
    return ss.str();
}

} // namespace cli
