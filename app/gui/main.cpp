// mobiscope: the desktop app. `mobiscope [MODEL] [--prompt TEXT] [--run] ...`
#include "MainWindow.h"
#include "io/EmbeddedModel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("mobiscope"));
    QApplication::setApplicationName(QStringLiteral("mobiscope"));
    QApplication::setApplicationVersion(QStringLiteral(MOBISCOPE_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/mobiscope.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Explorer and profiler for elastic mixed-precision LLM inference."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
                                 QStringLiteral("Model to open: llama2.c .bin, .gguf, a Hugging Face directory, or a profile .sqlite (default: the embedded agent model, resources/models/agent.gguf)."));
    const QCommandLineOption prompt(QStringLiteral("prompt"), QStringLiteral("Prompt text."), QStringLiteral("text"));
    const QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Run the prompt once the model is open."));
    const QCommandLineOption tokens({QStringLiteral("n"), QStringLiteral("tokens")},
                                    QStringLiteral("Tokens to generate."), QStringLiteral("n"));
    const QCommandLineOption temp(QStringLiteral("temp"), QStringLiteral("Sampling temperature (0 = greedy)."),
                                  QStringLiteral("t"));
    const QCommandLineOption select(QStringLiteral("select-token"),
                                    QStringLiteral("Token to select after the run."), QStringLiteral("index"));
    const QCommandLineOption tensor(QStringLiteral("tensor"),
                                    QStringLiteral("Tensor to show in the inspector, e.g. layers.0.attention.wq or blk.0.attn_q."),
                                    QStringLiteral("key"));
    const QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("light or dark."), QStringLiteral("name"));
    const QCommandLineOption measure(QStringLiteral("measure"),
                                     QStringLiteral("Colour tokens by: logprob, entropy or bits."),
                                     QStringLiteral("name"));
    const QCommandLineOption level(QStringLiteral("level"),
                                   QStringLiteral("Uniform precision level of a sliced model (1..K)."),
                                   QStringLiteral("k"));
    const QCommandLineOption layers(QStringLiteral("layer-measure"),
                                    QStringLiteral("Colour layers by: change, rms, level or bits."),
                                    QStringLiteral("name"));
    const QCommandLineOption rescore(QStringLiteral("rescore-level"),
                                     QStringLiteral("After the run, move the budget slider to this level "
                                                    "(re-scores the same text)."),
                                     QStringLiteral("k"));
    const QCommandLineOption budget(QStringLiteral("budget"),
                                    QStringLiteral("Average bits for a routed model's routers "
                                                   "(MoBiRoute), e.g. 3.5."),
                                    QStringLiteral("bits"));
    const QCommandLineOption allocation(QStringLiteral("allocation"),
                                        QStringLiteral("Routed budget allocation: global or layer."),
                                        QStringLiteral("name"));
    const QCommandLineOption selectRange(QStringLiteral("select-range"),
                                         QStringLiteral("Profiles: range name to select in the statistics table."),
                                         QStringLiteral("name"));
    const QCommandLineOption zoom(QStringLiteral("zoom-ms"),
                                  QStringLiteral("Profiles: timeline window START,END in ms from the start."),
                                  QStringLiteral("start,end"));
    parser.addOptions({prompt, run, tokens, temp, select, tensor, theme, measure, level, layers, rescore,
                       budget, allocation, selectRange, zoom});
    parser.process(app);

    mobi::MainWindow w;
    if (parser.isSet(theme)) w.setTheme(mobi::themeFromKey(parser.value(theme)));
    mobi::StartupOptions o;
    if (!parser.positionalArguments().isEmpty()) {
        o.model = parser.positionalArguments().first();
    } else {
        // No model given: the embedded default (the project's agent model),
        // when it is installed or in the source tree; otherwise an empty window.
        for (const std::string& c : mobi::embeddedModelCandidates())
            if (QFileInfo(QString::fromStdString(c)).isFile()) {
                o.model = QString::fromStdString(c);
                break;
            }
    }
    if (parser.isSet(prompt)) o.prompt = parser.value(prompt);
    o.run = parser.isSet(run);
    if (parser.isSet(tokens)) o.maxNewTokens = parser.value(tokens).toInt();
    if (parser.isSet(temp)) o.temperature = parser.value(temp).toDouble();
    if (parser.isSet(select)) o.selectToken = parser.value(select).toInt();
    if (parser.isSet(tensor)) o.tensor = parser.value(tensor);
    if (parser.isSet(measure)) o.measure = parser.value(measure);
    if (parser.isSet(level)) o.level = parser.value(level).toInt();
    if (parser.isSet(layers)) o.layerMeasure = parser.value(layers);
    if (parser.isSet(rescore)) o.rescoreLevel = parser.value(rescore).toInt();
    if (parser.isSet(budget)) o.budget = parser.value(budget).toDouble();
    if (parser.isSet(allocation)) o.allocation = parser.value(allocation);
    if (parser.isSet(selectRange)) o.rangeName = parser.value(selectRange);
    if (parser.isSet(zoom)) {
        const QStringList parts = parser.value(zoom).split(QLatin1Char(','));
        if (parts.size() == 2) {
            o.zoomStartMs = parts[0].toDouble();
            o.zoomEndMs = parts[1].toDouble();
        }
    }
    w.show();
    w.applyStartupOptions(o);
    return app.exec();
}
