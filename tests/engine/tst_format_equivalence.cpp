// The same weights through every format give the same function:
// llama2.c .bin -> GGUF (ours) -> Hugging Face directory, plus llama.cpp's own
// GGUF of stories260K: logits agree to 1e-5 and greedy text is identical.
#include "TestData.h"

#include "eval/Generator.h"
#include "io/GgufWriter.h"
#include "io/HfWriter.h"
#include "io/ModelLoader.h"
#include "model/Transformer.h"
#include "tokenizer/Tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

class TestFormatEquivalence : public QObject {
    Q_OBJECT

    static std::vector<float> logitsOf(const mobi::Model& m, const std::vector<int>& ids) {
        mobi::Transformer t(m, 2);
        const std::vector<float>& all = t.forward(ids.data(), static_cast<int>(ids.size()), 0, true);
        return all;
    }

    static float maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
        if (a.size() != b.size()) return INFINITY;
        float d = 0;
        for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
        return d;
    }

    static std::string greedy(const mobi::Model& m) {
        mobi::Transformer t(m, 2);
        mobi::GenerateOptions o;
        o.prompt = "Once upon a time";
        o.steps = 96;
        o.sampler.temperature = 0;
        return mobi::generate(t, *m.tokenizer, o).text;
    }

private slots:
    void binGgufHfAgree() {
        REQUIRE_DATA("models/stories260K/stories260K.bin");
        QTemporaryDir tmp;
        const std::string gguf = tmp.filePath("s.gguf").toStdString();
        const std::string hf = tmp.filePath("hf").toStdString();

        const mobi::Model bin = mobi::loadModel(testdata::stdPath("models/stories260K/stories260K.bin"));
        mobi::GgufWriteOptions go;
        go.matrixType = mobi::DType::F32;
        mobi::saveGguf(bin, gguf, go);
        const mobi::Model g = mobi::loadModel(gguf);
        mobi::saveHfDirectory(g, hf);
        const mobi::Model h = mobi::loadModel(hf);
        const mobi::Model ref = mobi::loadModel(testdata::stdPath("models/stories260K/stories260K.gguf"));

        QCOMPARE(g.config.ropeStyle, mobi::RopeStyle::Interleaved);
        QCOMPARE(h.config.ropeStyle, mobi::RopeStyle::Half);
        const std::vector<int> ids = bin.tokenizer->encode("Lily saw a big red ball in the park.", true);
        QCOMPARE(g.tokenizer->encode("Lily saw a big red ball in the park.", true), ids);
        QCOMPARE(h.tokenizer->encode("Lily saw a big red ball in the park.", true), ids);
        QCOMPARE(ref.tokenizer->encode("Lily saw a big red ball in the park.", true), ids);

        const std::vector<float> lb = logitsOf(bin, ids);
        QVERIFY(maxAbsDiff(lb, logitsOf(g, ids)) < 1e-5f);
        QVERIFY(maxAbsDiff(lb, logitsOf(h, ids)) < 1e-5f);
        QVERIFY(maxAbsDiff(lb, logitsOf(ref, ids)) < 1e-5f);

        const std::string text = greedy(bin);
        QVERIFY(text.size() > 50);
        QCOMPARE(greedy(g), text);
        QCOMPARE(greedy(h), text);
        QCOMPARE(greedy(ref), text);
    }
};

QTEST_APPLESS_MAIN(TestFormatEquivalence)
#include "tst_format_equivalence.moc"
