// Runs engine work (load, prefill + generation, re-scoring at a level, tensor statistics) on its own
// thread; results go back to the GUI as value structs through typed signals,
// tagged with the job id they belong to.
#pragma once

#include "JobTracker.h"
#include "RunRequest.h"
#include "SlicedTensorReport.h"
#include "TensorStatistics.h"
#include "TokenRecord.h"

#include <QObject>

#include <memory>

namespace mobi {

struct Model;
struct Precision;
class LayerRecorder;
class RouterPolicy;
class Transformer;
struct TokenRecord;

using ModelPtr = std::shared_ptr<const Model>;

class EngineWorker final : public QObject {
    Q_OBJECT
public:
    // `jobs` is read (only its atomic cancel marks) from the worker thread.
    explicit EngineWorker(const JobTracker* jobs, QObject* parent = nullptr);
    ~EngineWorker() override;

public slots:
    void load(quint64 job, const QString& path);
    void run(quint64 job, const mobi::RunRequest& request);
    // Statistics of a tensor. For a sliced linear: first its report (group
    // scales and per-level errors, when level <= 0), then the statistics of
    // level `level`'s dequantized weights (the top level when level <= 0).
    void tensorStats(quint64 job, const QString& key, int level = 0);
    // One batched forward over the request's tokens at its level (teacher forcing).
    void score(quint64 job, const mobi::ScoreRequest& request);

signals:
    void loadProgress(quint64 job, const QString& stage, int percent);
    void loaded(quint64 job, mobi::ModelPtr model, double seconds);
    void loadFailed(quint64 job, const QString& path, const QString& message);
    void runStarted(quint64 job, int promptTokens);
    void tokensReady(quint64 job, const mobi::TokenRecords& tokens);
    void runFinished(quint64 job, const mobi::RunSummary& summary);
    void runFailed(quint64 job, const QString& message);
    void statsReady(quint64 job, const mobi::TensorStatistics& stats);
    void slicedReportReady(quint64 job, const mobi::SlicedTensorReport& report);
    void statsFailed(quint64 job, const QString& message);
    void scored(quint64 job, const mobi::TokenRecords& tokens, const mobi::ScoreSummary& summary);
    void scoreFailed(quint64 job, const QString& message);

private:
    // applyPrecision, keeping the router policy for the next budget (a table
    // lookup). Returns whether the forward routes.
    bool usePrecision(const Precision& p);
    // Levels and router scores of `row` from the recorder's Route events.
    static void attachRouting(TokenRecord& r, const LayerRecorder& recorder, int row);

    const JobTracker* jobs_;
    ModelPtr model_;
    std::unique_ptr<Transformer> transformer_;
    std::shared_ptr<RouterPolicy> policy_; // reused across budgets (a table lookup)
};

} // namespace mobi

Q_DECLARE_METATYPE(mobi::ModelPtr)
Q_DECLARE_METATYPE(mobi::TokenRecords)
Q_DECLARE_METATYPE(mobi::TensorStatistics)
Q_DECLARE_METATYPE(mobi::SlicedTensorReport)
