#include "ModelDocument.h"

#include "ModelTreeModel.h"
#include "PrecisionSource.h"
#include "RoutedPrecisionSource.h"
#include "SlicedPrecisionSource.h"
#include "TokenListModel.h"

#include "model/Model.h"
#include "quant/SlicedModel.h"
#include "route/RouterSet.h"

#include <QFileInfo>
#include <QLocale>

namespace mobi {

namespace {
// Long enough to skip the intermediate steps of a drag, short enough to feel live.
constexpr int kRescoreDelayMs = 150;
} // namespace

ModelDocument::ModelDocument(QObject* parent)
    : Document(parent), tree_(new ModelTreeModel(this)), tokens_(new TokenListModel(this)),
      source_(std::make_unique<FullPrecisionSource>()) {
    qRegisterMetaType<ModelPtr>();
    qRegisterMetaType<TokenRecords>();
    qRegisterMetaType<TensorStatistics>();
    qRegisterMetaType<SlicedTensorReport>();
    qRegisterMetaType<RunRequest>();
    qRegisterMetaType<RunSummary>();
    qRegisterMetaType<ScoreRequest>();
    qRegisterMetaType<ScoreSummary>();
    debounce_.setSingleShot(true);
    debounce_.setInterval(kRescoreDelayMs);
    connect(&debounce_, &QTimer::timeout, this, &ModelDocument::rescore);
    tokens_->setPrecisionSource(source_.get());
    thread_.setObjectName(QStringLiteral("mobiscope engine"));
    worker_ = new EngineWorker(&jobs_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);

    connect(worker_, &EngineWorker::loadProgress, this, [this](quint64 job, const QString& stage, int pct) {
        if (jobs_.isCurrent(JobKind::Load, job)) emit loadProgress(stage, pct);
    });
    connect(worker_, &EngineWorker::loaded, this, [this](quint64 job, ModelPtr model, double seconds) {
        if (!jobs_.isCurrent(JobKind::Load, job)) return;
        loading_ = false;
        model_ = std::move(model);
        path_ = QString::fromStdString(model_->path);
        tokens_->clear();
        tokens_->setVocabSize(model_->config.vocabSize);
        score_ = ScoreSummary{};
        debounce_.stop();
        // The views hold the old source: swap it in the token model first, the
        // window re-binds the slider on `loaded`.
        std::unique_ptr<PrecisionSource> source;
        if (model_->sliced && model_->routers) {
            auto routed = RoutedPrecisionSource::fromModel(*model_->sliced, *model_->routers);
            routed->setPerLayer(perLayerAllocation());
            source = std::move(routed);
        } else if (model_->sliced)
            source = SlicedPrecisionSource::fromModel(*model_->sliced);
        else
            source = std::make_unique<FullPrecisionSource>();
        tokens_->setPrecisionSource(source.get());
        source_ = std::move(source);
        precision_.level = source_->level();
        precision_.budget = source_->hasRouter() ? source_->budget() : 0;
        tree_->setRoot(ModelTreeModel::buildTree(*model_));
        emit loaded(path_, seconds);
        emit busyChanged();
    });
    connect(worker_, &EngineWorker::loadFailed, this,
            [this](quint64 job, const QString& path, const QString& message) {
                if (!jobs_.isCurrent(JobKind::Load, job)) return;
                loading_ = false;
                emit loadFailed(path, message);
                emit busyChanged();
            });
    connect(worker_, &EngineWorker::tokensReady, this, [this](quint64 job, const TokenRecords& t) {
        if (!jobs_.isCurrent(JobKind::Run, job)) return;
        tokens_->append(t);
        emit runProgress(tokens_->rowCount() - summary_.promptTokens);
    });
    connect(worker_, &EngineWorker::runStarted, this, [this](quint64 job, int promptTokens) {
        if (jobs_.isCurrent(JobKind::Run, job)) summary_.promptTokens = promptTokens;
    });
    connect(worker_, &EngineWorker::runFinished, this, [this](quint64 job, const RunSummary& s) {
        // A stopped run still reports what it did; only superseded runs are dropped.
        if (job != jobs_.current(JobKind::Run)) return;
        running_ = false;
        summary_ = s;
        scoreFromRun();
        emit runFinished(s);
        emit busyChanged();
        // The slider moved during the run: show the text at the level now chosen.
        if (precision_ != runPrecision_) rescore();
    });
    connect(worker_, &EngineWorker::runFailed, this, [this](quint64 job, const QString& message) {
        if (job != jobs_.current(JobKind::Run)) return;
        running_ = false;
        emit runFailed(message);
        emit busyChanged();
    });
    connect(worker_, &EngineWorker::statsReady, this, [this](quint64 job, const TensorStatistics& s) {
        if (jobs_.isCurrent(JobKind::Stats, job)) emit tensorStatsReady(s);
    });
    connect(worker_, &EngineWorker::slicedReportReady, this, [this](quint64 job, const SlicedTensorReport& r) {
        if (jobs_.isCurrent(JobKind::Stats, job)) emit slicedReportReady(r);
    });
    connect(worker_, &EngineWorker::statsFailed, this, [this](quint64 job, const QString& message) {
        if (jobs_.isCurrent(JobKind::Stats, job)) emit tensorStatsFailed(message);
    });
    connect(worker_, &EngineWorker::scored, this,
            [this](quint64 job, const TokenRecords& t, const ScoreSummary& s) {
                if (!jobs_.isCurrent(JobKind::Score, job)) return;
                scoring_ = false;
                if (!tokens_->updateRecords(t)) return; // the text changed meanwhile
                score_ = s;
                emit scoreFinished(s);
            });
    connect(worker_, &EngineWorker::scoreFailed, this, [this](quint64 job, const QString& message) {
        if (!jobs_.isCurrent(JobKind::Score, job)) return;
        scoring_ = false;
        emit scoreFailed(message);
    });
    thread_.start();
}

ModelDocument::~ModelDocument() { shutdown(); }

void ModelDocument::shutdown() {
    if (shutDown_) return;
    shutDown_ = true;
    jobs_.cancelAll();
    thread_.quit();
    thread_.wait();
}

void ModelDocument::post(std::function<void()> call) {
    if (shutDown_) return;
    QMetaObject::invokeMethod(worker_, std::move(call), Qt::QueuedConnection);
}

QString ModelDocument::describeModel() const {
    if (!model_) return QStringLiteral("No model");
    const ModelConfig& c = model_->config;
    return QStringLiteral("%1 \u2014 %2, %3 params, %4 layers, dim %5, vocab %6")
        .arg(QFileInfo(path_).fileName(), QString::fromStdString(model_->format),
             QLocale::system().formattedDataSize(static_cast<qint64>(model_->parameterCount()), 1,
                                                 QLocale::DataSizeSIFormat)
                 .remove(QLatin1Char('B')),
             QString::number(c.nLayers), QString::number(c.dim), QString::number(c.vocabSize));
}

void ModelDocument::open(const QString& path) {
    // A new model supersedes whatever ran on the old one.
    jobs_.cancel(JobKind::Run);
    jobs_.cancel(JobKind::Stats);
    jobs_.cancel(JobKind::Score);
    scoring_ = false;
    debounce_.stop();
    if (running_) {
        running_ = false;
        summary_.stopReason = QStringLiteral("stopped");
    }
    const quint64 job = jobs_.start(JobKind::Load);
    loading_ = true;
    emit loadStarted(path);
    emit busyChanged();
    post([w = worker_, job, path] { w->load(job, path); });
}

void ModelDocument::cancelLoad() {
    if (!loading_) return;
    jobs_.cancel(JobKind::Load);
    loading_ = false;
    emit busyChanged();
}

void ModelDocument::run(const RunRequest& request) {
    if (!model_ || loading_) return;
    // A run replaces the text a pending re-score would have scored.
    debounce_.stop();
    jobs_.cancel(JobKind::Score);
    scoring_ = false;
    const quint64 job = jobs_.start(JobKind::Run);
    running_ = true;
    summary_ = RunSummary{};
    score_ = ScoreSummary{};
    RunRequest req = request;
    req.precision = precision_;
    runPrecision_ = precision_;
    tokens_->clear();
    emit runStarted();
    emit busyChanged();
    post([w = worker_, job, req] { w->run(job, req); });
}

void ModelDocument::stop() {
    if (running_) jobs_.cancel(JobKind::Run);
}

void ModelDocument::requestTensorStats(const QString& key, int level) {
    if (!model_ || key.isEmpty()) return;
    const quint64 job = jobs_.start(JobKind::Stats);
    post([w = worker_, job, key, level] { w->tensorStats(job, key, level); });
}

} // namespace mobi

namespace mobi {

void ModelDocument::requestLevel(int level) {
    if (!source_->hasLevels()) return;
    source_->setLevel(level);
    precision_.level = source_->level();
    debounce_.start();
}

bool ModelDocument::isRouted() const { return source_->hasRouter(); }

void ModelDocument::requestBudget(double bits) {
    if (!source_->hasRouter()) return;
    source_->setBudget(bits);
    precision_.budget = source_->budget();
    debounce_.start();
}

void ModelDocument::setPerLayerAllocation(bool on) {
    if (perLayerAllocation() == on) return;
    precision_.allocation = on ? BudgetAllocation::PerLayer : BudgetAllocation::Global;
    if (auto* routed = dynamic_cast<RoutedPrecisionSource*>(source_.get())) routed->setPerLayer(on);
    if (source_->hasRouter()) debounce_.start();
}

bool ModelDocument::scoreIsCurrent() const {
    if (source_->hasRouter())
        return score_.routed() && score_.budget == precision_.budget &&
               score_.perLayer == perLayerAllocation();
    return score_.level == precision_.level;
}

void ModelDocument::rescore() {
    debounce_.stop();
    if (!model_ || loading_ || !source_->hasLevels() || tokens_->rowCount() == 0) return;
    // A running generation finishes at its level; runFinished re-scores after it.
    if (running_) return;
    if (scoreIsCurrent() && !scoring_) return;
    // Superseding the job makes the worker skip every older request still queued:
    // only the latest level or budget is scored.
    const quint64 job = jobs_.start(JobKind::Score);
    scoring_ = true;
    emit scoreStarted(precision_.level);
    ScoreRequest req{tokens_->records(), precision_};
    post([w = worker_, job, req] { w->score(job, req); });
}

void ModelDocument::scoreFromRun() {
    score_ = ScoreSummary{};
    if (!source_->hasLevels()) return;
    const TokenRecords& recs = tokens_->records();
    score_.perplexity = perplexityOf(recs, &score_.scoredTokens);
    if (runPrecision_.routed()) {
        // Routed: the achieved bits are the mean over every token x block decision.
        score_.budget = runPrecision_.budget;
        score_.perLayer = runPrecision_.allocation == BudgetAllocation::PerLayer;
        double sum = 0;
        qint64 n = 0;
        for (const TokenRecord& r : recs)
            for (int level : r.layerLevel)
                sum += source_->bitsForLevel(level), ++n;
        score_.averageBits = n > 0 ? sum / n : NAN;
        return;
    }
    score_.level = runPrecision_.level > 0 ? runPrecision_.level : precision_.level;
    score_.averageBits = source_->bitsForLevel(score_.level);
}

} // namespace mobi
