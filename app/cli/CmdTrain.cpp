// `train --data A.jsonl -o OUT.gguf`: trains a LLaMA-family model (from
// scratch, from --init MODEL or from a --resume checkpoint) on format-2
// JSONL records and exports a `llama` GGUF with the tokenizer inside.
#include "CliCommon.h"

#include "core/Error.h"
#include "io/ModelLoader.h"
#include "kernels/Matmul.h"
#include "tokenizer/Tokenizer.h"
#include "train/TokenizerFit.h"
#include "train/TrainCheckpoint.h"
#include "train/TrainData.h"
#include "train/TrainModelIo.h"
#include "train/Trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace cli {

namespace {

std::atomic<bool> gInterrupted{false};

extern "C" void onInterrupt(int) {
    gInterrupted.store(true);
}

std::vector<std::string> splitList(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t b = 0;
    for (;;) {
        const size_t e = s.find(sep, b);
        const std::string part = s.substr(b, e == std::string::npos ? std::string::npos : e - b);
        if (!part.empty()) out.push_back(part);
        if (e == std::string::npos) break;
        b = e + 1;
    }
    return out;
}

void declareOptions(ArgParser& p) {
    p.option("data", "A.jsonl[,B.jsonl]",
             "training records, one JSON object a line: {\"text\": ..., \"loss\": [[b, e], ...]}; "
             "loss on tokens whose first byte is in a range (all tokens without \"loss\")");
    p.option("output", "OUT.gguf", "the trained model (llama GGUF, tokenizer inside)", "", "-o");
    p.option("init", "MODEL", "start from this model's weights, tokenizer and metadata");
    p.option("tokenizer", "MODEL", "take the tokenizer (SentencePiece) of this model");
    p.option("vocab", "N",
             "pieces of the SentencePiece BPE tokenizer fitted on the data when neither "
             "--tokenizer nor --init is given",
             "1024");
    p.option("dim", "D", "model width", "256");
    p.option("layers", "L", "blocks", "6");
    p.option("heads", "H", "attention heads", "8");
    p.option("kv-heads", "H", "key/value heads (grouped-query attention)", "4");
    p.option("hidden", "F", "SwiGLU width", "704");
    p.option("ctx", "T", "context; longer records are skipped and counted", "1024");
    p.option("steps", "N", "optimizer steps (default: --epochs)");
    p.option("epochs", "E", "passes over the data when --steps is not given", "1");
    p.option("batch-tokens", "T", "tokens per optimizer step (whole records)", "16384");
    p.option("micro-tokens", "T", "tokens per forward/backward (gradient accumulation)", "4096");
    p.option("lr", "X", "peak learning rate", "0.001");
    p.option("min-lr", "X", "learning rate at the end of the cosine", "0.0001");
    p.option("warmup", "N", "linear warm-up steps", "20");
    p.option("wd", "X", "AdamW weight decay (matrices only)", "0.1");
    p.option("clip", "X", "global gradient-norm clip (0: off)", "1.0");
    p.option("seed", "S", "seed of the initial weights and the data order", "1");
    p.option("threads", "N", "CPU threads, 0 = all cores", "0", "-t");
    p.option("checkpoint", "DIR", "checkpoint directory (default: OUT.gguf.ckpt)");
    p.option("checkpoint-every", "N", "steps between checkpoints (0: only at the end)", "100");
    p.option("resume", "DIR", "continue the run saved in DIR (same data, same shape)");
    p.option("meta", "K=V", "GGUF string key to write (repeat with commas: K=V,K2=V2)");
    p.option("type", "T", "matrix type of the GGUF: f32 or f16", "f32");
    p.option("log-every", "N", "steps between progress lines", "10");
}

const char* kShapeFlags[] = {"dim", "layers", "heads", "kv-heads", "hidden", "ctx"};

int shapeValue(const mobi::ModelConfig& c, const std::string& flag) {
    if (flag == "dim") return c.dim;
    if (flag == "layers") return c.nLayers;
    if (flag == "heads") return c.nHeads;
    if (flag == "kv-heads") return c.nKvHeads;
    if (flag == "hidden") return c.hiddenDim;
    return c.seqLen;
}

// Shape flags given next to --resume/--init must agree with the model's.
void checkShapeFlags(const ArgParser& p, const mobi::ModelConfig& c, const std::string& source) {
    for (const char* f : kShapeFlags)
        if (p.has(f) &&
            (std::string(f) != "ctx" || source.find("checkpoint") != std::string::npos) &&
            p.getInt(f, 1, 1 << 20) != shapeValue(c, f))
            throw mobi::EngineError(source, std::string("--") + f + " " + p.get(f) +
                                                " differs from the model's " +
                                                std::to_string(shapeValue(c, f)) +
                                                " (a different shape cannot continue it)");
}

mobi::TrainHyper hyperFromFlags(const ArgParser& p) {
    mobi::TrainHyper h;
    h.batchTokens = p.getInt("batch-tokens", 1, 1 << 26);
    h.microTokens = p.getInt("micro-tokens", 1, 1 << 24);
    h.lr = static_cast<float>(p.getDouble("lr", 0, 1e30));
    h.minLr = static_cast<float>(p.getDouble("min-lr", 0, 1e30));
    h.warmup = p.getInt64("warmup", 0, INT64_MAX / 2);
    h.adam.weightDecay = static_cast<float>(p.getDouble("wd", 0, 10));
    h.clip = static_cast<float>(p.getDouble("clip", 0, 1e30));
    h.seed = static_cast<uint64_t>(p.getInt64("seed", 0, INT64_MAX));
    return h;
}

std::shared_ptr<mobi::SentencePieceTokenizer>
tokenizerFor(const ArgParser& p, const std::vector<mobi::TextRecord>& texts) {
    if (p.has("tokenizer")) {
        mobi::LoadOptions o;
        o.requireTokenizer = true;
        return mobi::trainingTokenizer(*mobi::loadModel(p.get("tokenizer"), o).tokenizer);
    }
    std::vector<std::string> all;
    for (const mobi::TextRecord& r : texts)
        all.push_back(r.text);
    mobi::TokenizerFitOptions fo;
    fo.vocabSize = p.getInt("vocab", 259, 1 << 20);
    std::fprintf(stderr, "fitting a %d-piece tokenizer on %zu texts ...\n", fo.vocabSize,
                 all.size());
    return mobi::trainingTokenizer(*mobi::makeFittedTokenizer(mobi::fitSentencePieceBpe(all, fo)));
}

// The run's state: from the checkpoint, the --init model, or fresh weights.
mobi::TrainState buildState(const ArgParser& p, const std::vector<mobi::TextRecord>& texts) {
    if (p.has("resume")) {
        if (p.has("init")) throw UsageError("--resume and --init cannot be combined");
        mobi::TrainState s = mobi::loadCheckpoint(p.get("resume"));
        checkShapeFlags(p, s.config, mobi::checkpointPath(p.get("resume")) + " (checkpoint)");
        for (const char* f : {"batch-tokens", "micro-tokens", "lr", "min-lr", "warmup", "wd",
                              "clip", "seed", "epochs", "tokenizer", "vocab"})
            if (p.has(f))
                std::fprintf(stderr,
                             "note: --%s is ignored: a resumed run keeps the checkpoint's "
                             "settings (only --steps may extend it)\n",
                             f);
        return s;
    }
    mobi::TrainState s;
    s.hyper = hyperFromFlags(p);
    if (p.has("init")) {
        mobi::LoadOptions o;
        o.requireTokenizer = true;
        const mobi::Model m = mobi::loadModel(p.get("init"), o);
        checkShapeFlags(p, m.config, p.get("init"));
        mobi::importModel(m, p.has("ctx") ? p.getInt("ctx", 2, 1 << 16) : 0, s);
        return s;
    }
    s.tokenizer = tokenizerFor(p, texts);
    mobi::ModelConfig& c = s.config;
    c.arch = "llama";
    c.dim = p.getInt("dim", 2, 65536);
    c.nLayers = p.getInt("layers", 1, 256);
    c.nHeads = p.getInt("heads", 1, 1024);
    c.nKvHeads = p.getInt("kv-heads", 1, 1024);
    c.hiddenDim = p.getInt("hidden", 1, 262144);
    c.seqLen = p.getInt("ctx", 2, 1 << 16);
    c.vocabSize = s.tokenizer->vocabSize();
    c.tiedEmbeddings = true;
    if (c.dim % c.nHeads != 0)
        throw UsageError("--dim " + std::to_string(c.dim) + " is not a multiple of --heads " +
                         std::to_string(c.nHeads));
    c.headDim = c.dim / c.nHeads;
    mobi::Trainer::initialize(s);
    return s;
}

void applyMeta(const ArgParser& p, mobi::TrainState& s) {
    if (!p.has("meta")) return;
    for (const std::string& kv : splitList(p.get("meta"), ',')) {
        const size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--meta expects KEY=VALUE, got '" + kv + "'");
        s.metadata[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
}

std::string clock(double seconds) {
    const long s = std::lround(std::max(0.0, seconds));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    return buf;
}

struct RunSetup {
    std::string output, ckptDir;
    int64_t every = 0, logEvery = 1;
    mobi::DType type = mobi::DType::F32;
};

// Trains to the state's step count. Returns the exit code.
int trainLoop(mobi::TrainState& s, const mobi::TrainDataset& data, const RunSetup& r, int threads) {
    mobi::ThreadPool pool(threads);
    mobi::Trainer trainer(s, data, pool, mobi::bestKernelIsa());
    const int64_t first = s.step;
    const auto t0 = std::chrono::steady_clock::now();
    int64_t tokens = 0;
    gInterrupted = false;
    auto previous = std::signal(SIGINT, onInterrupt);
    struct Restore {
        void (*h)(int);
        ~Restore() { std::signal(SIGINT, h); }
    } restore{previous};
    while (s.step < s.hyper.steps) {
        const mobi::StepResult res = trainer.step();
        if (!res.finite) {
            std::fprintf(stderr,
                         "error: loss is %s at step %lld; stopped. Nothing was written; the last "
                         "good checkpoint (if any) in %s is kept.\n",
                         std::isnan(res.loss) || std::isnan(res.gradNorm) ? "NaN" : "infinite",
                         static_cast<long long>(res.step), r.ckptDir.c_str());
            return 1;
        }
        tokens += res.tokens;
        const double el =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const int64_t done = s.step - first, left = s.hyper.steps - s.step;
        if (s.step % r.logEvery == 0 || left == 0 || s.step == first + 1)
            std::printf("step %lld/%lld loss %.4f lr %.2e grad %.3f tok/s %.0f eta %s\n",
                        static_cast<long long>(s.step), static_cast<long long>(s.hyper.steps),
                        res.loss, res.lr, res.gradNorm, tokens / std::max(el, 1e-9),
                        clock(el / double(done) * double(left)).c_str());
        std::fflush(stdout);
        if (gInterrupted) {
            mobi::saveCheckpoint(s, r.ckptDir);
            std::fprintf(stderr,
                         "interrupted: checkpoint of step %lld written to %s; continue with "
                         "--resume %s\n",
                         static_cast<long long>(s.step), r.ckptDir.c_str(), r.ckptDir.c_str());
            return 130;
        }
        if (r.every > 0 && s.step % r.every == 0 && left > 0) mobi::saveCheckpoint(s, r.ckptDir);
    }
    mobi::saveCheckpoint(s, r.ckptDir);
    mobi::exportTrainedGguf(s, r.output, r.type);
    std::fprintf(stderr,
                 "wrote %s (step %lld; checkpoint in %s); records skipped: %d longer than the "
                 "context, %d without loss tokens, %d that do not decode back\n",
                 r.output.c_str(), static_cast<long long>(s.step), r.ckptDir.c_str(),
                 data.skippedLong, data.skippedNoLoss, data.skippedUndecodable);
    return 0;
}

} // namespace

int runTrain(const std::vector<std::string>& args) {
    ArgParser p("train",
                "Train a LLaMA-family model (RMSNorm, RoPE, GQA, SwiGLU, tied embeddings) in FP32\n"
                "on all cores: AdamW, warm-up + cosine schedule, gradient clipping and\n"
                "accumulation. Prints step, loss, tokens/s and ETA; Ctrl-C writes a checkpoint\n"
                "and exits (code 130). Exit 1 on bad input or a NaN loss (nothing written).");
    declareOptions(p);
    if (!p.parse(args)) return 0;
    if (!p.has("data")) throw UsageError("--data A.jsonl is required");
    if (!p.has("output")) throw UsageError("-o OUT.gguf is required");
    if (p.has("steps") && p.has("epochs"))
        throw UsageError("--steps and --epochs cannot be combined");
    RunSetup r;
    r.output = p.get("output");
    r.ckptDir = p.has("checkpoint") ? p.get("checkpoint")
                : p.has("resume")   ? p.get("resume")
                                    : r.output + ".ckpt";
    r.every = p.getInt64("checkpoint-every", 0, INT64_MAX);
    r.logEvery = p.getInt64("log-every", 1, INT64_MAX);
    const std::string type = p.get("type");
    if (type != "f32" && type != "f16") throw UsageError("--type: expected f32 or f16");
    r.type = type == "f16" ? mobi::DType::F16 : mobi::DType::F32;
    const int threads = threadsOption(p);

    std::vector<mobi::TextRecord> texts;
    for (const std::string& path : splitList(p.get("data"), ',')) {
        auto part = mobi::readTrainingJsonl(path);
        if (part.empty()) throw mobi::EngineError(path, "no training records (empty file)");
        texts.insert(texts.end(), part.begin(), part.end());
    }
    mobi::TrainState s = buildState(p, texts);
    applyMeta(p, s);
    const mobi::TrainDataset data = mobi::tokenizeRecords(texts, *s.tokenizer, s.config.seqLen);
    std::fprintf(stderr,
                 "data: %zu records, %lld tokens (%lld with loss); skipped %d longer than the "
                 "context of %d, %d without loss tokens, %d that do not decode back\n",
                 data.records.size(), static_cast<long long>(data.tokens),
                 static_cast<long long>(data.lossTokens), data.skippedLong, s.config.seqLen,
                 data.skippedNoLoss, data.skippedUndecodable);
    if (data.records.empty())
        throw mobi::EngineError(p.get("data"), "no trainable records (see the counts above)");
    if (p.has("resume")) {
        if (s.dataFingerprint != data.fingerprint)
            throw mobi::EngineError(p.get("data"), "is not the data the checkpoint was trained "
                                                   "on (its records or tokens differ)");
        if (p.has("steps")) s.hyper.steps = p.getInt64("steps", 1, INT64_MAX / 2);
    } else {
        s.dataFingerprint = data.fingerprint;
        const mobi::BatchPlanner planner(data, s.hyper.seed, s.hyper.batchTokens);
        s.hyper.steps = p.has("steps")
                            ? p.getInt64("steps", 1, INT64_MAX / 2)
                            : std::max<int64_t>(1, std::llround(p.getDouble("epochs", 1e-9, 1e6) *
                                                                planner.stepsPerEpoch()));
    }
    const mobi::ParamLayout layout(s.config);
    std::fprintf(stderr,
                 "model: dim %d, %d layers, %d heads (%d kv), hidden %d, vocab %d, ctx %d: %.2fM "
                 "parameters; %lld steps of %d tokens, %d threads\n",
                 s.config.dim, s.config.nLayers, s.config.nHeads, s.config.nKvHeads,
                 s.config.hiddenDim, s.config.vocabSize, s.config.seqLen, layout.total() / 1e6,
                 static_cast<long long>(s.hyper.steps), s.hyper.batchTokens, threads);
    return trainLoop(s, data, r, threads);
}

} // namespace cli
