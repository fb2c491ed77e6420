// The training loop: a tiny model overfits a small dataset to near-zero
// loss, a run resumed from a checkpoint reproduces the uninterrupted run's
// loss curve bit for bit, and damaged checkpoints are refused.
#include "TinyTrainSetup.h"

#include "core/Error.h"
#include "train/TrainCheckpoint.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace mobi;

class TestTrainLoop : public QObject {
    Q_OBJECT
  private slots:
    void lossMaskFollowsByteSpans();
    void overfitsSmallDataset();
    void resumeReproducesLossCurve();
    void corruptCheckpointIsRefused();
    void resultsDoNotDependOnThreadCount();
    void scheduleAndAdamW();
};

void TestTrainLoop::lossMaskFollowsByteSpans() {
    const auto tok = tinytrain::tokenizer();
    TextRecord r;
    r.text = "task: look\n> go to desk\n";
    const int64_t b = r.text.find("> ") + 1; // the space before "go"
    r.loss = {{b, int64_t(r.text.size())}};
    r.lossEverywhere = false;
    const TrainDataset d = tokenizeRecords({r}, *tok, 64);
    QCOMPARE(int(d.records.size()), 1);
    const TokenizedRecord& t = d.records[0];
    QCOMPARE(t.tokens[0], tok->bos());
    std::string lossText, all;
    for (size_t i = 1; i < t.tokens.size(); ++i) {
        const std::string piece = tok->decodeToken(t.tokens[i - 1], t.tokens[i]);
        all += piece;
        if (t.loss[i]) lossText += piece;
    }
    QCOMPARE(all, r.text);
    QCOMPARE(lossText, std::string(" go to desk\n"));
    // Longer than the context: skipped and counted, not truncated.
    const TrainDataset shortCtx = tokenizeRecords({r}, *tok, 4);
    QCOMPARE(int(shortCtx.records.size()), 0);
    QCOMPARE(shortCtx.skippedLong, 1);
}

void TestTrainLoop::overfitsSmallDataset() {
    TrainState s = tinytrain::state();
    s.hyper.steps = 300;
    s.hyper.lr = 1e-2f;
    const TrainDataset data = tokenizeRecords(tinytrain::texts(), *s.tokenizer, 64);
    QCOMPARE(int(data.records.size()), 8);
    ThreadPool pool(2);
    Trainer trainer(s, data, pool, bestKernelIsa());
    double first = 0, last = 0;
    for (int i = 0; i < s.hyper.steps; ++i) {
        const StepResult r = trainer.step();
        QVERIFY(r.finite);
        if (i == 0) first = r.loss;
        last = r.loss;
    }
    qDebug("loss %.4f -> %.4f", first, last);
    QVERIFY(first > 3.0);
    QVERIFY2(last < 0.05, qPrintable(QString("final loss %1").arg(last)));
}

void TestTrainLoop::resumeReproducesLossCurve() {
    const TrainDataset data = tokenizeRecords(tinytrain::texts(), *tinytrain::tokenizer(), 64);
    ThreadPool pool(2);
    TrainState straight = tinytrain::state();
    straight.hyper.steps = 12;
    std::vector<double> curve;
    {
        Trainer t(straight, data, pool, bestKernelIsa());
        for (int i = 0; i < 12; ++i)
            curve.push_back(t.step().loss);
    }
    QTemporaryDir dir;
    TrainState first = tinytrain::state();
    first.hyper.steps = 12;
    {
        Trainer t(first, data, pool, bestKernelIsa());
        for (int i = 0; i < 5; ++i)
            QCOMPARE(t.step().loss, curve[size_t(i)]);
    }
    saveCheckpoint(first, dir.path().toStdString());
    TrainState resumed = loadCheckpoint(dir.path().toStdString());
    QCOMPARE(resumed.step, int64_t(5));
    Trainer t(resumed, data, pool, bestKernelIsa());
    for (int i = 5; i < 12; ++i)
        QCOMPARE(t.step().loss, curve[size_t(i)]);
    QVERIFY(resumed.weights == straight.weights);
    QVERIFY(resumed.m == straight.m && resumed.v == straight.v);
}

void TestTrainLoop::corruptCheckpointIsRefused() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const TrainState s = tinytrain::state();
    saveCheckpoint(s, d);
    const std::string path = checkpointPath(d);
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto expectError = [&](const std::string& content, const char* what) {
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << content;
        }
        try {
            loadCheckpoint(d);
            QFAIL("damaged checkpoint was accepted");
        } catch (const EngineError& e) {
            QVERIFY2(std::string(e.what()).find(what) != std::string::npos, e.what());
        }
    };
    std::string flipped = bytes;
    flipped[bytes.size() / 2] ^= 0x40;
    expectError(flipped, "checksum");
    expectError(bytes.substr(0, bytes.size() / 3), "checksum");
    expectError("hello", "bad magic");
    expectError("", "bad magic");
}

// Every GEMM element and every reduction is summed in one fixed order
// whatever the split between threads.
void TestTrainLoop::resultsDoNotDependOnThreadCount() {
    const TrainDataset data = tokenizeRecords(tinytrain::texts(), *tinytrain::tokenizer(), 64);
    std::vector<float> weights[2];
    std::vector<double> losses[2];
    const int threads[2] = {1, 3};
    for (int i = 0; i < 2; ++i) {
        TrainState s = tinytrain::state();
        s.hyper.steps = 4;
        ThreadPool pool(threads[i]);
        Trainer t(s, data, pool, bestKernelIsa());
        for (int k = 0; k < 4; ++k)
            losses[i].push_back(t.step().loss);
        weights[i] = s.weights;
    }
    QVERIFY(losses[0] == losses[1]);
    QVERIFY(weights[0] == weights[1]);
}

void TestTrainLoop::scheduleAndAdamW() {
    // Warm-up 10 of 111 steps, peak 1e-3, floor 1e-4 (reached at step 110).
    QCOMPARE(scheduledLearningRate(0, 111, 1e-3f, 1e-4f, 10), 1e-4f);
    QCOMPARE(scheduledLearningRate(9, 111, 1e-3f, 1e-4f, 10), 1e-3f);
    QCOMPARE(scheduledLearningRate(10, 111, 1e-3f, 1e-4f, 10), 1e-3f);
    QVERIFY(std::fabs(scheduledLearningRate(60, 111, 1e-3f, 1e-4f, 10) - 0.55e-3f) < 1e-7f);
    QVERIFY(std::fabs(scheduledLearningRate(110, 111, 1e-3f, 1e-4f, 10) - 1e-4f) < 1e-9f);
    // AdamW by hand on a 1-layer model: at t = 1 each weight moves by
    // lr * g / (|g| + eps) plus lr * wd * w on matrices only.
    ModelConfig c;
    c.dim = 2, c.hiddenDim = 2, c.nLayers = 1, c.nHeads = 1, c.nKvHeads = 1, c.headDim = 2;
    c.vocabSize = 3, c.seqLen = 4, c.tiedEmbeddings = true;
    const ParamLayout layout(c);
    std::vector<float> w(layout.total(), 0.5f), g(layout.total()), m(layout.total(), 0.0f),
        v(layout.total(), 0.0f);
    for (size_t i = 0; i < g.size(); ++i)
        g[i] = (i % 2 ? -1.0f : 1.0f) * float(i + 1) * 0.01f;
    AdamWOptions o;
    o.weightDecay = 0.1f;
    ThreadPool pool(2);
    adamwStep(pool, layout, o, 0.01f, 1, w.data(), g.data(), m.data(), v.data());
    for (const ParamTensor& t : layout.tensors())
        for (size_t i = t.offset; i < t.offset + t.size; ++i) {
            const double step = 0.01 * g[i] / (std::fabs(g[i]) + 1e-8);
            const double expect = 0.5 - (t.matrix ? 0.01 * 0.1 * 0.5 : 0.0) - step;
            QVERIFY2(std::fabs(w[i] - expect) < 1e-6,
                     qPrintable(QString("%1: %2 vs %3").arg(t.name.c_str()).arg(w[i]).arg(expect)));
        }
}

QTEST_APPLESS_MAIN(TestTrainLoop)
#include "tst_train_loop.moc"
