#include "SamplingOptions.h"

#include <cstdint>
#include <string>

namespace cli {

namespace {

std::string number(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

} // namespace

mobi::SamplerConfig runcSamplingDefaults() {
    mobi::SamplerConfig c;
    c.temperature = 1.0f;
    c.topK = 0;
    c.topP = 0.9f;
    c.seed = 0;
    return c;
}

mobi::SamplerConfig greedySamplingDefaults() {
    mobi::SamplerConfig c;
    c.temperature = 0.0f;
    c.topK = 0;
    c.topP = 1.0f;
    c.seed = 1;
    return c;
}

void addSamplingOptions(ArgParser& p, const mobi::SamplerConfig& d) {
    p.option("temp", "T", "sampling temperature, 0 = greedy", number(d.temperature));
    p.option("top-k", "K", "keep only the K most likely tokens, 0 = off", std::to_string(d.topK));
    p.option("top-p", "P", "nucleus sampling threshold, 1 = off", number(d.topP));
    p.option("seed", "S", "random seed, 0 = from the clock", std::to_string(d.seed));
}

mobi::SamplerConfig samplingOption(const ArgParser& p) {
    mobi::SamplerConfig c;
    c.temperature = static_cast<float>(p.getDouble("temp", 0.0, 100.0));
    c.topK = p.getInt("top-k", 0, 1 << 24);
    c.topP = static_cast<float>(p.getDouble("top-p", 0.0, 1.0));
    c.seed = static_cast<uint64_t>(p.getInt64("seed", 0, INT64_MAX));
    return c;
}

} // namespace cli
