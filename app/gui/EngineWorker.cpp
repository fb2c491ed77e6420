#include "EngineWorker.h"

#include "LayerRecorder.h"
#include "LogitAnalysis.h"
#include "ModelTensors.h"

#include "core/Error.h"
#include "io/ModelLoader.h"
#include "model/Sampler.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "route/RouterPolicy.h"
#include "route/RoutingStats.h"
#include "tokenizer/Tokenizer.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <exception>

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

bool EngineWorker::applyPrecision(int level, double budget, bool perLayer) {
    if (transformer_->levels() <= 0) return false;
    if (model_->routers && budget > 0) {
        const RouterSet& rs = *model_->routers;
        const double bits = std::clamp(budget, rs.minBits(), rs.maxBits());
        const BudgetAllocation a = perLayer ? BudgetAllocation::PerLayer : BudgetAllocation::Global;
        if (!policy_) policy_ = std::make_shared<RouterPolicy>(model_->routers, bits, a);
        else policy_->setBudget(bits, a);
        transformer_->setLevelPolicy(policy_);
        return true;
    }
    transformer_->setLevelPolicy(nullptr);
    if (level > 0) transformer_->setLevel(level);
    return false;
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
        const int vocab = cfg.vocabSize;
        std::vector<int> ids = tok->encode(request.prompt.toStdString(), true);
        if (ids.empty()) ids.push_back(tok->bos() >= 0 ? tok->bos() : 0);
        const int maxCtx = transformer_->maxContext();
        if (static_cast<int>(ids.size()) > maxCtx) ids.resize(maxCtx);
        const int n = static_cast<int>(ids.size());
        const int limit = std::min<int64_t>(maxCtx, static_cast<int64_t>(n) + std::max(0, request.maxNewTokens));

        LayerRecorder recorder(cfg.nLayers);
        transformer_->setObserver([&recorder](const LayerEvent& e) { recorder.observe(e); });
        struct ObserverReset { // the recorder dies with this call
            Transformer* t;
            ~ObserverReset() { t->setObserver({}); }
        } reset{transformer_.get()};

        // Special tokens (BOS) decode to nothing: show their vocabulary string instead.
        const auto piece = [tok](int prev, int id) {
            const std::string s = tok->decodeToken(prev, id);
            return s.empty() ? QString::fromUtf8(tok->piece(id)).trimmed() : QString::fromUtf8(s);
        };
        // A sliced model runs every block at one uniform level, a routed one
        // at the level its routers choose per token and block.
        const bool routed = applyPrecision(request.level, request.budget, request.perLayer);
        const int level = transformer_->levels() > 0 && !routed ? transformer_->level() : 0;
        const auto attachLayers = [&recorder, level, &cfg](TokenRecord& r, int row) {
            r.layerRms = recorder.rms()[row];
            r.layerChange = recorder.change()[row];
            if (level > 0) r.layerLevel.assign(cfg.nLayers, level);
            attachRouting(r, recorder, row);
        };

        RunSummary summary;
        summary.promptTokens = n;
        emit runStarted(job, n);
        QElapsedTimer timer;
        timer.start();
        recorder.begin(n);
        const std::vector<float>& all = transformer_->forward(ids.data(), n, 0, true);
        TokenRecords batch;
        for (int i = 0; i < n; ++i) {
            TokenRecord r;
            r.id = ids[i];
            r.position = i;
            r.prompt = true;
            r.piece = piece(i > 0 ? ids[i - 1] : -1, ids[i]);
            if (i > 0) fillPrediction(r, analyseLogits(&all[size_t(i - 1) * vocab], vocab, kTopAlternatives), tok, ids[i - 1]);
            attachLayers(r, i);
            batch.append(std::move(r));
        }
        std::vector<float> logits(all.end() - vocab, all.end());
        summary.prefillSeconds = timer.nsecsElapsed() / 1e9;
        emit tokensReady(job, batch);
        batch.clear();

        SamplerConfig sc;
        sc.temperature = request.temperature;
        sc.topK = request.topK;
        sc.topP = request.topP;
        sc.seed = request.seed;
        Sampler sampler(sc);
        QElapsedTimer decode, flush;
        decode.start();
        flush.start();
        int prev = ids.back();
        summary.stopReason = limit >= maxCtx && limit - n < request.maxNewTokens
                                 ? QStringLiteral("context full")
                                 : QStringLiteral("length");
        std::vector<float> scratch(vocab);
        for (int pos = n; pos < limit; ++pos) {
            if (cancelled()) {
                summary.stopReason = QStringLiteral("stopped");
                break;
            }
            const LogitAnalysis a = analyseLogits(logits.data(), vocab, kTopAlternatives);
            std::copy(logits.begin(), logits.end(), scratch.begin());
            const int next = sampler.sample(scratch.data(), vocab);
            // run.c stops when the model emits BOS (its end-of-text); EOS likewise.
            if (next == tok->bos() || next == tok->eos()) {
                summary.stopReason = QStringLiteral("end of text");
                break;
            }
            TokenRecord r;
            r.id = next;
            r.position = pos;
            r.piece = piece(prev, next);
            fillPrediction(r, a, tok, prev);
            // Feeding the token gives its per-layer data and the next logits.
            recorder.begin(1);
            const std::vector<float>& out = transformer_->forward(&next, 1, pos);
            logits.assign(out.begin(), out.begin() + vocab);
            attachLayers(r, 0);
            batch.append(std::move(r));
            ++summary.generatedTokens;
            prev = next;
            if (flush.elapsed() >= kBatchMs) {
                emit tokensReady(job, batch);
                batch.clear();
                flush.restart();
            }
        }
        if (!batch.isEmpty()) emit tokensReady(job, batch);
        summary.decodeSeconds = decode.nsecsElapsed() / 1e9;
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
        const bool routed = applyPrecision(request.level, request.budget, request.perLayer);
        const int level = transformer_->levels() > 0 && !routed ? transformer_->level() : 0;
        std::vector<int> ids(n);
        for (int i = 0; i < n; ++i) {
            ids[i] = request.tokens[i].id;
            if (ids[i] < 0 || ids[i] >= vocab)
                return emit scoreFailed(job, QStringLiteral("token id %1 outside the vocabulary").arg(ids[i]));
        }
        LayerRecorder recorder(cfg.nLayers);
        std::unique_ptr<RoutingStats> stats;
        if (routed) stats = std::make_unique<RoutingStats>(model_->routers->levelBits, cfg.nLayers);
        transformer_->setObserver([&recorder, &stats](const LayerEvent& e) {
            recorder.observe(e);
            if (stats) stats->observe(e);
        });
        struct ObserverReset {
            Transformer* t;
            ~ObserverReset() { t->setObserver({}); }
        } reset{transformer_.get()};
        recorder.begin(n);
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
            summary.perLayer = request.perLayer;
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
