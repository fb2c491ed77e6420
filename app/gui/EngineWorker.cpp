#include "EngineWorker.h"

#include "LogitAnalysis.h"
#include "ModelTensors.h"

#include "core/Error.h"
#include "eval/Generator.h"
#include "io/ModelLoader.h"
#include "model/LayerRecorder.h"
#include "model/ScopedObserver.h"
#include "model/Transformer.h"
#include "precision/Precision.h"
#include "quant/SlicedModel.h"
#include "route/RouterPolicy.h"
#include "route/RoutingStats.h"
#include "tokenizer/Tokenizer.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>

namespace mobi {

namespace {

// Tokens are handed over in batches at most this often so a fast model does
// not flood the GUI's event queue with one signal per token.
constexpr qint64 kBatchMs = 30;
constexpr int kTopAlternatives = 5;

QString errorText(const std::exception& e) { return QString::fromStdString(e.what()); }

void fillPrediction(TokenRecord& r, const LogitAnalysis& a, const Tokenizer* t, int prev) {
    r.logprob = a.logProbs[r.id];
    r.entropy = static_cast<float>(a.entropy);
    r.top.clear();
    for (const auto& [id, lp] : a.top)
        r.top.push_back({id, QString::fromUtf8(t->decodeToken(prev, id)), lp});
}

} // namespace

EngineWorker::EngineWorker(const JobTracker* jobs, QObject* parent) : QObject(parent), jobs_(jobs) {}

EngineWorker::~EngineWorker() = default;

bool EngineWorker::usePrecision(const Precision& p) {
    auto routing = applyPrecision(*transformer_, p, policy_);
    if (!routing) return false;
    policy_ = std::move(routing);
    return true;
}

void EngineWorker::attachRouting(TokenRecord& r, const LayerRecorder& recorder, int row) {
    r.layerRouterScores.clear();
    r.routerScoreWidth = 0;
    r.routerScore = NAN;
    if (!recorder.routed()) return;
    r.layerLevel = recorder.levels()[row];
    const std::vector<float>& sc = recorder.scores()[row];
    if (sc.empty()) return;
    r.layerRouterScores = sc;
    r.routerScoreWidth = recorder.scoreWidth();
    double sum = 0;
    int n = 0;
    for (float v : sc)
        if (std::isfinite(v)) sum += v, ++n;
    if (n > 0) r.routerScore = static_cast<float>(sum / n);
}

void EngineWorker::load(quint64 job, const QString& path) {
    if (jobs_->isCancelled(JobKind::Load, job)) return;
    QElapsedTimer timer;
    timer.start();
    try {
        emit loadProgress(job, QStringLiteral("Reading %1").arg(path), 10);
        auto model = std::make_shared<Model>(loadModel(path.toStdString()));
        if (jobs_->isCancelled(JobKind::Load, job)) return;
        emit loadProgress(job, QStringLiteral("Preparing the forward pass"), 70);
        const int threads = std::max(1, QThread::idealThreadCount());
        auto transformer = std::make_unique<Transformer>(*model, threads);
        if (jobs_->isCancelled(JobKind::Load, job)) return;
        // The old transformer refers to the old model: drop it first.
        transformer_.reset();
        policy_.reset();
        model_ = model;
        transformer_ = std::move(transformer);
        emit loadProgress(job, QStringLiteral("Done"), 100);
        emit loaded(job, model_, timer.elapsed() / 1000.0);
    } catch (const std::exception& e) {
        emit loadFailed(job, path, errorText(e));
    } catch (...) {
        emit loadFailed(job, path, QStringLiteral("%1: unknown error while loading").arg(path));
    }
}

void EngineWorker::run(quint64 job, const RunRequest& request) {
    const auto cancelled = [&] { return jobs_->isCancelled(JobKind::Run, job); };
    if (cancelled()) return;
    if (!transformer_ || !model_) return emit runFailed(job, QStringLiteral("No model is open"));
    const Tokenizer* tok = model_->tokenizer.get();
    if (!tok)
        return emit runFailed(job, QStringLiteral("%1: no tokenizer found for this model")
                                       .arg(QString::fromStdString(model_->path)));
    try {
        const ModelConfig& cfg = model_->config;
        std::vector<int> ids = tok->encode(request.prompt.toStdString(), true);
        if (ids.empty()) ids.push_back(tok->bos() >= 0 ? tok->bos() : 0);
        const int maxCtx = transformer_->maxContext();
        if (static_cast<int>(ids.size()) > maxCtx) ids.resize(maxCtx);
        const int n = static_cast<int>(ids.size());
        const int limit = std::min<int64_t>(maxCtx, static_cast<int64_t>(n) + std::max(0, request.maxNewTokens));

        // A sliced model runs every block at one uniform level, a routed one
        // at the level its routers choose per token and block.
        const bool routed = usePrecision(request.precision);
        const int level = transformer_->levels() > 0 && !routed ? transformer_->level() : 0;
        LayerRecorder recorder(cfg.nLayers);
        ScopedObserver observing(*transformer_, [&recorder](const LayerEvent& e) { recorder.observe(e); });

        // Special tokens (BOS) decode to nothing: show their vocabulary string instead.
        const auto piece = [tok](int prev, int id) {
            const std::string s = tok->decodeToken(prev, id);
            return s.empty() ? QString::fromUtf8(tok->piece(id)).trimmed() : QString::fromUtf8(s);
        };
        const auto attachLayers = [&recorder, level, &cfg](TokenRecord& r, int row) {
            r.layerRms = recorder.rms()[row];
            r.layerChange = recorder.change()[row];
            if (level > 0) r.layerLevel.assign(cfg.nLayers, level);
            attachRouting(r, recorder, row);
        };

        RunSummary summary;
        summary.promptTokens = n;
        summary.stopReason = limit >= maxCtx && limit - n < request.maxNewTokens
                                 ? QStringLiteral("context full")
                                 : QStringLiteral("length");
        emit runStarted(job, n);
        QElapsedTimer timer, flush;
        timer.start();
        TokenRecords batch;
        LogitAnalysis predicted; // of the logits the next token is sampled from

        GenerateOptions o;
        o.promptTokens = ids;
        o.steps = limit;
        o.allPromptLogits = true;
        o.sampler.temperature = request.temperature;
        o.sampler.topK = request.topK;
        o.sampler.topP = request.topP;
        o.sampler.seed = request.seed;
        // Every forward hands its positions' records: the prompt at once after
        // the prefill, then each sampled token once it has been fed.
        o.onStep = [&](const GenerateStep& st) {
            const int vocab = st.vocab;
            for (int i = 0; i < st.n; ++i) {
                const int pos = st.pos0 + i;
                TokenRecord r;
                r.id = st.tokens[i];
                r.position = pos;
                r.prompt = st.prompt;
                r.piece = piece(pos > 0 ? ids[size_t(pos - 1)] : -1, r.id);
                if (st.prompt && i > 0)
                    fillPrediction(r, analyseLogits(st.logits + size_t(i - 1) * vocab, vocab, kTopAlternatives), tok, ids[size_t(pos - 1)]);
                else if (!st.prompt)
                    fillPrediction(r, predicted, tok, ids[size_t(pos - 1)]);
                attachLayers(r, i);
                batch.append(std::move(r));
                if (pos >= static_cast<int>(ids.size())) ids.push_back(st.tokens[i]);
                else ids[size_t(pos)] = st.tokens[i];
            }
            if (st.prompt && st.pos0 + st.n == n) {
                summary.prefillSeconds = timer.nsecsElapsed() / 1e9;
                emit tokensReady(job, batch);
                batch.clear();
                timer.restart();
                flush.start();
            } else if (!st.prompt) {
                ++summary.generatedTokens;
                if (flush.elapsed() >= kBatchMs) {
                    emit tokensReady(job, batch);
                    batch.clear();
                    flush.restart();
                }
            }
            if (st.pos0 + st.n >= limit) return false;
            if (cancelled()) {
                summary.stopReason = QStringLiteral("stopped");
                return false;
            }
            predicted = analyseLogits(st.logits + size_t(st.n - 1) * (st.prompt ? vocab : 0), vocab, kTopAlternatives);
            return true;
        };
        const GenerateResult g = generate(*transformer_, *tok, o);
        // run.c stops when the model emits BOS (its end-of-text); EOS likewise.
        if (g.stop == GenerateStop::EndOfText) summary.stopReason = QStringLiteral("end of text");
        if (!batch.isEmpty()) emit tokensReady(job, batch);
        summary.decodeSeconds = timer.nsecsElapsed() / 1e9;
        emit runFinished(job, summary);
    } catch (const std::exception& e) {
        emit runFailed(job, errorText(e));
    }
}

void EngineWorker::score(quint64 job, const ScoreRequest& request) {
    const auto cancelled = [&] { return jobs_->isCancelled(JobKind::Score, job); };
    if (cancelled()) return;
    if (!transformer_ || !model_) return emit scoreFailed(job, QStringLiteral("No model is open"));
    const Tokenizer* tok = model_->tokenizer.get();
    const int n = static_cast<int>(request.tokens.size());
    if (!tok || n == 0) return emit scoreFailed(job, QStringLiteral("Nothing to score"));
    if (n > transformer_->maxContext())
        return emit scoreFailed(job, QStringLiteral("%1 tokens exceed the context of %2")
                                         .arg(n)
                                         .arg(transformer_->maxContext()));
    try {
        QElapsedTimer timer;
        timer.start();
        const ModelConfig& cfg = model_->config;
        const int vocab = cfg.vocabSize;
        const bool routed = usePrecision(request.precision);
        const int level = transformer_->levels() > 0 && !routed ? transformer_->level() : 0;
        std::vector<int> ids(n);
        for (int i = 0; i < n; ++i) {
            ids[i] = request.tokens[i].id;
            if (ids[i] < 0 || ids[i] >= vocab)
                return emit scoreFailed(job, QStringLiteral("token id %1 outside the vocabulary").arg(ids[i]));
        }
        LayerRecorder recorder(cfg.nLayers);
        ScopedObserver recording(*transformer_, [&recorder](const LayerEvent& e) { recorder.observe(e); });
        std::unique_ptr<RoutingStats> stats;
        std::optional<ScopedObserver> counting;
        if (routed) {
            stats = std::make_unique<RoutingStats>(model_->routers->levelBits, cfg.nLayers);
            counting.emplace(*transformer_, [&stats](const LayerEvent& e) { stats->observe(e); });
        }
        // Teacher forcing: one batched forward gives every position's logits.
        const std::vector<float>& all = transformer_->forward(ids.data(), n, 0, true);
        if (cancelled()) return;
        TokenRecords out = request.tokens;
        double nll = 0;
        for (int i = 0; i < n; ++i) {
            TokenRecord& r = out[i];
            r.layerRms = recorder.rms()[i];
            r.layerChange = recorder.change()[i];
            if (level > 0) r.layerLevel.assign(cfg.nLayers, level);
            else r.layerLevel.clear();
            attachRouting(r, recorder, i);
            if (i == 0) continue;
            fillPrediction(r, analyseLogits(&all[size_t(i - 1) * vocab], vocab, kTopAlternatives), tok,
                           ids[i - 1]);
            nll -= r.logprob;
        }
        ScoreSummary summary;
        summary.level = level;
        summary.averageBits = level > 0 ? model_->sliced->effectiveBits(level) : 32.0;
        if (routed) {
            summary.budget = policy_->budget();
            summary.perLayer = request.precision.allocation == BudgetAllocation::PerLayer;
            summary.averageBits = stats->averageBits();
        }
        summary.scoredTokens = n - 1;
        summary.perplexity = n > 1 ? std::exp(nll / (n - 1)) : NAN;
        summary.seconds = timer.nsecsElapsed() / 1e9;
        emit scored(job, out, summary);
    } catch (const std::exception& e) {
        emit scoreFailed(job, errorText(e));
    }
}

void EngineWorker::tensorStats(quint64 job, const QString& key, int level) {
    if (jobs_->isCancelled(JobKind::Stats, job) || !model_) return;
    const auto cancelled = [&] { return jobs_->isCancelled(JobKind::Stats, job); };
    if (const SlicedMatrix* m = findSlicedMatrix(*model_, key.toStdString())) {
        try {
            const int k = level > 0 ? std::min(level, m->levels()) : m->levels();
            if (level <= 0) {
                SlicedTensorReport report;
                report.key = key;
                // The dense source when the model still holds it (sliced in memory).
                if (!computeSlicedReport(*m, findTensor(*model_, key.toStdString()), report, cancelled))
                    return;
                emit slicedReportReady(job, report);
            }
            if (cancelled()) return;
            TensorStatistics s = slicedLevelStatistics(*m, k);
            s.key = QStringLiteral("%1 @ level %2 (%3 bits)").arg(key).arg(k).arg(m->config().bitsForLevel(k));
            emit statsReady(job, s);
        } catch (const std::exception& e) {
            emit statsFailed(job, errorText(e));
        }
        return;
    }
    const Tensor* t = findTensor(*model_, key.toStdString());
    if (!t) return emit statsFailed(job, QStringLiteral("no tensor named %1").arg(key));
    try {
        TensorStatistics s;
        s.key = key;
        if (computeTensorStatistics(*t, 128, s,
                                    [&] { return jobs_->isCancelled(JobKind::Stats, job); }))
            emit statsReady(job, s);
    } catch (const std::exception& e) {
        emit statsFailed(job, errorText(e));
    }
}

} // namespace mobi
