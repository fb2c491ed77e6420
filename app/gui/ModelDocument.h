// An opened model and its current run: owns the engine worker thread, the
// item models the views show, and the precision source.
#pragma once

#include "Document.h"
#include "EngineWorker.h"
#include "JobTracker.h"
#include "RunRequest.h"

#include <QThread>
#include <QTimer>

#include <memory>

namespace mobi {

class ModelTreeModel;
class PrecisionSource;
class TokenListModel;

class ModelDocument final : public Document {
    Q_OBJECT
public:
    explicit ModelDocument(QObject* parent = nullptr);
    ~ModelDocument() override;

    DocumentKind kind() const override { return DocumentKind::Model; }
    QString path() const override { return path_; }
    void shutdown() override;

    const ModelPtr& model() const { return model_; }
    bool isLoading() const { return loading_; }
    bool isRunning() const { return running_; }
    ModelTreeModel* tree() const { return tree_; }
    TokenListModel* tokens() const { return tokens_; }
    PrecisionSource* precisionSource() const { return source_.get(); }
    const RunSummary& lastSummary() const { return summary_; }
    // Level, bits and perplexity of the text as shown (after a run or a re-score).
    const ScoreSummary& lastScore() const { return score_; }
    bool isScoring() const { return scoring_; }
    // Uniform level the next run or re-score uses (0 for a dense or routed model).
    int level() const { return precision_.level; }
    // Whether the open model has MoBiRoute routers (the slider sets a budget).
    bool isRouted() const;
    // Average bits the routers of a routed model aim at (0 otherwise).
    double budget() const { return precision_.budget; }
    bool perLayerAllocation() const { return precision_.allocation == BudgetAllocation::PerLayer; }
    // The one precision setting of this document: what the next run or
    // re-score uses (the slider and the allocation box only request changes).
    const Precision& precision() const { return precision_; }
    QString describeModel() const;

public slots:
    void open(const QString& path);
    void cancelLoad();
    void run(const mobi::RunRequest& request);
    void stop();
    // Statistics of a tensor; for a sliced linear also its report
    // (slicedReportReady) and the statistics of `level` (0: top level, and
    // the report; > 0: that level's statistics only).
    void requestTensorStats(const QString& key, int level = 0);
    // The slider moved: after a short quiet period the current text is
    // re-scored at `level` in the background (a newer request cancels older ones).
    void requestLevel(int level);
    // Routed models: the same for a budget in average bits; only the latest
    // of rapid moves is re-routed.
    void requestBudget(double bits);
    // Routed models: per-layer (each block meets the budget) or global allocation.
    void setPerLayerAllocation(bool on);

signals:
    void loadStarted(const QString& path);
    void loadProgress(const QString& stage, int percent);
    void loaded(const QString& path, double seconds);
    void loadFailed(const QString& path, const QString& message);
    void runStarted();
    void runProgress(int generated);
    void runFinished(const mobi::RunSummary& summary);
    void runFailed(const QString& message);
    void tensorStatsReady(const mobi::TensorStatistics& stats);
    void slicedReportReady(const mobi::SlicedTensorReport& report);
    void tensorStatsFailed(const QString& message);
    void scoreStarted(int level);
    void scoreFinished(const mobi::ScoreSummary& summary);
    void scoreFailed(const QString& message);
    void busyChanged();

private:
    // Queued calls into the worker thread.
    void post(std::function<void()> call);
    void rescore();
    // Whether the text shown was scored at the precision now chosen.
    bool scoreIsCurrent() const;
    // The score of a finished run's own records (no extra forward).
    void scoreFromRun();

    JobTracker jobs_;
    QThread thread_;
    EngineWorker* worker_ = nullptr;
    QString path_;
    ModelPtr model_;
    ModelTreeModel* tree_;
    TokenListModel* tokens_;
    std::unique_ptr<PrecisionSource> source_;
    RunSummary summary_;
    ScoreSummary score_;
    QTimer debounce_;
    Precision precision_;
    Precision runPrecision_; // what the current or last run used
    bool scoring_ = false;
    bool loading_ = false;
    bool running_ = false;
    bool shutDown_ = false;
};

} // namespace mobi
