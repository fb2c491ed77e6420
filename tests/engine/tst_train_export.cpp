// Export and import: the trainer's logits equal the engine Transformer's on
// the exported GGUF (F32: max |diff| < 1e-4), the GGUF carries the tokenizer
// (same ids) and the --meta keys, and importing it gives back the weights.
#include "TinyTrainSetup.h"

#include "core/Error.h"
#include "io/ModelLoader.h"
#include "model/Transformer.h"
#include "train/TrainGraph.h"
#include "train/TrainModelIo.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace mobi;

class TestTrainExport : public QObject {
    Q_OBJECT
  private slots:
    void engineLogitsEqualTrainerLogits_data();
    void engineLogitsEqualTrainerLogits();
    void importGivesBackTheWeights();
    void reservedMetadataKeyIsRefused();
};

namespace {

// A few steps so the weights are no longer the initialisation.
TrainState trainedState(bool tied) {
    TrainState s = tinytrain::state();
    s.config.tiedEmbeddings = tied;
    Trainer::initialize(s);
    s.hyper.steps = 8;
    const TrainDataset data = tokenizeRecords(tinytrain::texts(), *s.tokenizer, 64);
    ThreadPool pool(2);
    Trainer t(s, data, pool, bestKernelIsa());
    for (int i = 0; i < 8; ++i)
        t.step();
    s.metadata["mobiscope.agent.prompt_format"] = "mobiscope-agent-v1";
    s.metadata["general.name"] = "tiny-trained";
    return s;
}

} // namespace

void TestTrainExport::engineLogitsEqualTrainerLogits_data() {
    QTest::addColumn<bool>("tied");
    QTest::newRow("tied") << true;
    QTest::newRow("untied") << false;
}

void TestTrainExport::engineLogitsEqualTrainerLogits() {
    QFETCH(bool, tied);
    const TrainState s = trainedState(tied);
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/m.gguf").toStdString();
    exportTrainedGguf(s, path, DType::F32);

    LoadOptions o;
    o.requireTokenizer = true;
    const Model m = loadModel(path, o);
    QCOMPARE(m.config.arch, std::string("llama"));
    QCOMPARE(m.config.tiedEmbeddings, tied);
    QCOMPARE(m.metadata.at("mobiscope.agent.prompt_format"), std::string("mobiscope-agent-v1"));
    QCOMPARE(m.metadata.at("general.name"), std::string("tiny-trained"));
    const std::string text = "task: put mug on shelf\n> go to desk\nyou open drawer\n> take mug\n";
    const std::vector<int> ids = m.tokenizer->encode(text, true);
    QVERIFY(ids == s.tokenizer->encode(text, true));
    QVERIFY(ids.size() > 20);

    TrainBatch b;
    b.tokens = ids;
    b.starts = {0, int(ids.size())};
    b.targets.assign(ids.size(), -1);
    const ParamLayout layout(s.config);
    ThreadPool pool(2);
    TrainGraph graph(layout, pool, bestKernelIsa());
    graph.setKeepAllLogits(true);
    graph.forward(s.weights.data(), b);
    const std::vector<float>& mine = graph.allLogits();

    Transformer tf(m, 2);
    const std::vector<float>& ref = tf.forward(ids.data(), int(ids.size()), 0, true);
    QCOMPARE(ref.size(), mine.size());
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i)
        worst = std::max(worst, double(std::fabs(ref[i] - mine[i])));
    qDebug("max |logit difference| %.3g over %zu logits", worst, ref.size());
    QVERIFY(worst < 1e-4);

    // F16 matrices: the same model up to half-precision rounding.
    const std::string half = (dir.path() + "/h.gguf").toStdString();
    exportTrainedGguf(s, half, DType::F16);
    const Model mh = loadModel(half, o);
    QCOMPARE(mh.weights.tokEmbeddings.dtype, DType::F16);
    Transformer th(mh, 2);
    const std::vector<float>& rh = th.forward(ids.data(), int(ids.size()), 0, true);
    double worstHalf = 0;
    for (size_t i = 0; i < rh.size(); ++i)
        worstHalf = std::max(worstHalf, double(std::fabs(rh[i] - mine[i])));
    QVERIFY(worstHalf < 0.05);
}

void TestTrainExport::importGivesBackTheWeights() {
    const TrainState s = trainedState(true);
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/m.gguf").toStdString();
    exportTrainedGguf(s, path, DType::F32);
    LoadOptions o;
    o.requireTokenizer = true;
    const Model m = loadModel(path, o);
    TrainState back;
    importModel(m, 0, back);
    QVERIFY(back.weights == s.weights);
    QCOMPARE(back.config.seqLen, s.config.seqLen);
    QCOMPARE(back.step, int64_t(0));
    QCOMPARE(back.metadata.at("mobiscope.agent.prompt_format"), std::string("mobiscope-agent-v1"));
    QVERIFY(back.tokenizer->vocab().pieces == s.tokenizer->vocab().pieces);
}

void TestTrainExport::reservedMetadataKeyIsRefused() {
    TrainState s = tinytrain::state();
    s.metadata.emplace("llama.context_length", std::string(1, '7'));
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/m.gguf").toStdString();
    QVERIFY_THROWS_EXCEPTION(EngineError, exportTrainedGguf(s, path, DType::F32));
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
}

QTEST_APPLESS_MAIN(TestTrainExport)
#include "tst_train_export.moc"
