// `bench MODEL`: prefill/decode speed against the machine's bandwidth.
#include "CliCommon.h"
#include "Precision.h"
#include "route/RouterPolicy.h"

#include "eval/Benchmark.h"
#include "quant/SlicedModel.h"
#include "util/Json.h"

#include <cstdio>
#include <sys/stat.h>

namespace cli {

namespace {

double pathBytes(const mobi::Model& m) {
    struct stat st {};
    return ::stat(m.path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
               ? static_cast<double>(st.st_size)
               : static_cast<double>(m.weightBytes());
}

} // namespace

int runBench(const std::vector<std::string>& args) {
    ArgParser p("bench",
                "MODEL's batched prefill and single-token decode speed (best of --repeats), the\n"
                "weight bytes each decode step reads, and decode GB/s as a fraction of the\n"
                "machine's streaming read bandwidth probed right before each decode; peak memory.");
    p.positional("MODEL", "model file or Hugging Face directory (default: the embedded agent model, resources/models/agent.gguf)", false);
    p.option("prompt-tokens", "N", "prefill batch size", "64");
    p.option("gen-tokens", "N", "decoded tokens per repeat", "32");
    p.option("repeats", "N", "repeats, best kept", "3");
    addModelOptions(p);
    addLevelOptions(p);
    addActOption(p);
    addBudgetOptions(p);
    p.flag("json", "print JSON");
    if (!p.parse(args)) return 0;
    mobi::BenchOptions o;
    o.promptTokens = p.getInt("prompt-tokens", 1, 1 << 16);
    o.genTokens = p.getInt("gen-tokens", 1, 1 << 16);
    o.repeats = p.getInt("repeats", 1, 1000);
    o.threads = threadsOption(p);
    const mobi::Model m = loadModelArg(p, false);
    const Precision prec = precisionOption(p, m);
    o.precision = prec;
    if (o.promptTokens + o.genTokens + 1 > m.config.seqLen && m.config.seqLen > 0)
        throw UsageError("--prompt-tokens + --gen-tokens exceed the model's context of " +
                         std::to_string(m.config.seqLen));
    const mobi::BenchResult r = mobi::runBenchmark(m, o);
    const double fileBytes = pathBytes(m);
    const double rss = r.peakRssBytes;
    if (p.flagSet("json")) {
        mobi::Json j(mobi::Json::Object{});
        j.set("model", m.path);
        j.set("threads", r.threads);
        if (prec.routed()) {
            j.set("budget", prec.budget);
            j.set("allocation", mobi::budgetAllocationName(prec.allocation));
            j.set("achieved_bits", r.routedBits);
        } else if (m.sliced) {
            const int k = prec.level > 0 ? prec.level : m.sliced->levels();
            j.set("level", k);
            j.set("bits", m.sliced->config.bitsForLevel(k));
        }
        j.set("bandwidth_gb_s", r.bandwidthGBs);
        j.set("prefill_tokens", o.promptTokens);
        j.set("prefill_tokens_per_s", r.prefillTokPerS);
        j.set("decode_tokens_per_s", r.decodeTokPerS);
        j.set("decode_bytes_per_token", r.bytesPerToken);
        j.set("decode_gb_s", r.decodeGBs);
        j.set("decode_fraction_of_bandwidth", r.bandwidthFraction);
        j.set("file_bytes", fileBytes);
        j.set("peak_rss_bytes", rss);
        j.set("peak_rss_over_file", rss / fileBytes);
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("model            %s (%.2f GB)\n", m.path.c_str(), fileBytes / 1e9);
    std::printf("threads          %d\n", r.threads);
    if (prec.routed()) {
        std::printf("routed           budget %.3g bits (%s), decode achieved %.3f bits\n",
                    prec.budget, mobi::budgetAllocationName(prec.allocation), r.routedBits);
    } else if (m.sliced) {
        const int k = prec.level > 0 ? prec.level : m.sliced->levels();
        std::printf("sliced level     %d (%d bits, %.3f effective bits/weight)\n", k,
                    m.sliced->config.bitsForLevel(k), m.sliced->effectiveBits(k));
    }
    std::printf("read bandwidth   %.1f GB/s\n", r.bandwidthGBs);
    std::printf("prefill          %.1f tok/s (batch of %d)\n", r.prefillTokPerS, o.promptTokens);
    std::printf("decode           %.2f tok/s, %.1f MB/token, %.1f GB/s\n", r.decodeTokPerS,
                r.bytesPerToken / 1e6, r.decodeGBs);
    std::printf("decode/bandwidth %.0f%% (median over repeats, each against a probe run just "
                "before it)\n",
                100 * r.bandwidthFraction);
    std::printf("peak memory      %.2f GB = %.2fx the file\n", rss / 1e9, rss / fileBytes);
    return 0;
}

} // namespace cli
