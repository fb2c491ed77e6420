#include "MainWindow.h"

#include "BudgetSlider.h"
#include "LayerBarChart.h"
#include "LayerHeatmap.h"
#include "ModelDocument.h"
#include "MeasureCombos.h"
#include "ModelInspector.h"
#include "RecentFilesMenu.h"
#include "ScoreStatus.h"
#include "ModelTensors.h"
#include "ModelTreeModel.h"
#include "PrecisionSource.h"
#include "ProfileDocument.h"
#include "ProfileView.h"
#include "TokenChipView.h"
#include "TokenListModel.h"
#include "TokenPane.h"
#include "TokenSelection.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QTreeView>

#include <cmath>

namespace mobi {

namespace {

// SVG icons need Qt's svg plugin; fall back to the style's icons without it.
QIcon icon(const QString& name, QStyle::StandardPixmap fallback) {
    QIcon i(QStringLiteral(":/icons/%1.svg").arg(name));
    if (i.pixmap(16).isNull())
        return QApplication::style()->standardIcon(fallback);
    return i;
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), doc_(new ModelDocument(this)), profileDoc_(new ProfileDocument(this)) {
    setWindowTitle(QStringLiteral("mobiscope"));
    setObjectName(QStringLiteral("mobiscopeMainWindow"));
    setAcceptDrops(true);
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    selection_ = new TokenSelection(this);
    buildActions();
    buildCentral();
    buildDocks();
    buildToolBar();
    buildMenus();
    connectDocument();
    connectProfile();
    modelStatus_ = new QLabel(doc_->describeModel(), this);
    runStatus_ = new QLabel(this);
    levelStatus_ = new QLabel(this);
    levelStatus_->setObjectName(QStringLiteral("levelStatus"));
    statusBar()->addWidget(modelStatus_, 1);
    statusBar()->addPermanentWidget(levelStatus_);
    statusBar()->addPermanentWidget(runStatus_);
    restoreSettings();
    updateActions();
}

MainWindow::~MainWindow() {
    doc_->shutdown();
    profileDoc_->shutdown();
}

void MainWindow::buildActions() {
    openAction_ = new QAction(icon(QStringLiteral("open"), QStyle::SP_DialogOpenButton),
                              QStringLiteral("&Open\u2026"), this);
    openAction_->setShortcut(QKeySequence::Open);
    openAction_->setToolTip(QStringLiteral("Open a model (llama2.c .bin, .gguf, Hugging Face directory) or a profile (.sqlite) (Ctrl+O)"));
    connect(openAction_, &QAction::triggered, this, [this] {
        QSettings s;
        const QString dir = s.value(QStringLiteral("lastDir")).toString();
        const QString path = QFileDialog::getOpenFileName(
            this, QStringLiteral("Open Model or Profile"), dir,
            QStringLiteral("Models and profiles (*.bin *.gguf *.safetensors config.json *.sqlite);;"
                           "Profiles (*.sqlite);;All files (*)"));
        if (!path.isEmpty()) openModel(path);
    });
    runAction_ = new QAction(icon(QStringLiteral("run"), QStyle::SP_MediaPlay), QStringLiteral("&Run"), this);
    runAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    runAction_->setToolTip(QStringLiteral("Prefill the prompt and generate (Ctrl+R)"));
    connect(runAction_, &QAction::triggered, this, &MainWindow::runPrompt);
    stopAction_ = new QAction(icon(QStringLiteral("stop"), QStyle::SP_MediaStop), QStringLiteral("&Stop"), this);
    stopAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    stopAction_->setToolTip(QStringLiteral("Stop the run (Esc)"));
    connect(stopAction_, &QAction::triggered, this, &MainWindow::stopRun);
    quitAction_ = new QAction(QStringLiteral("&Quit"), this);
    quitAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);
    exportTableAction_ = new QAction(QStringLiteral("Export Statistics Table as &CSV\u2026"), this);
    exportPngAction_ = new QAction(QStringLiteral("Export Timeline as &PNG\u2026"), this);
    exportSvgAction_ = new QAction(QStringLiteral("Export Timeline as &SVG\u2026"), this);
    exportReportAction_ = new QAction(QStringLiteral("Export &Report\u2026"), this);
    exportReportAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    exportReportAction_->setToolTip(QStringLiteral("HTML report of the profile (or PDF: choose a .pdf name)"));
    auto ask = [this](const QString& title, const QString& suffix, const QString& filter) {
        const QString base = profileDoc_->data() ? QFileInfo(profileDoc_->path()).completeBaseName()
                                                 : QStringLiteral("profile");
        const QString dir = QSettings().value(QStringLiteral("exportDir"), QDir::homePath()).toString();
        const QString path = QFileDialog::getSaveFileName(this, title, dir + QLatin1Char('/') + base + suffix, filter);
        if (!path.isEmpty()) QSettings().setValue(QStringLiteral("exportDir"), QFileInfo(path).absolutePath());
        return path;
    };
    connect(exportTableAction_, &QAction::triggered, this, [this, ask] {
        const QString p = ask(QStringLiteral("Export Table"), QStringLiteral("-ranges.csv"), QStringLiteral("CSV (*.csv)"));
        if (!p.isEmpty()) exportProfileTable(p);
    });
    connect(exportPngAction_, &QAction::triggered, this, [this, ask] {
        const QString p = ask(QStringLiteral("Export Timeline"), QStringLiteral("-timeline.png"), QStringLiteral("PNG (*.png)"));
        if (!p.isEmpty()) exportTimelineImage(p);
    });
    connect(exportSvgAction_, &QAction::triggered, this, [this, ask] {
        const QString p = ask(QStringLiteral("Export Timeline"), QStringLiteral("-timeline.svg"), QStringLiteral("SVG (*.svg)"));
        if (!p.isEmpty()) exportTimelineImage(p);
    });
    connect(exportReportAction_, &QAction::triggered, this, [this, ask] {
        const QString p = ask(QStringLiteral("Export Report"), QStringLiteral("-report.html"),
                              QStringLiteral("HTML (*.html);;PDF (*.pdf)"));
        if (!p.isEmpty()) exportProfileReport(p);
    });
    lightAction_ = new QAction(QStringLiteral("&Light"), this);
    darkAction_ = new QAction(QStringLiteral("&Dark"), this);
    for (QAction* a : {lightAction_, darkAction_}) a->setCheckable(true);
    connect(lightAction_, &QAction::triggered, this, [this] { setTheme(Theme::Light); });
    connect(darkAction_, &QAction::triggered, this, [this] { setTheme(Theme::Dark); });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(QStringLiteral("&File"));
    file->addAction(openAction_);
    recentMenu_ = new RecentFilesMenu(file);
    file->addMenu(recentMenu_);
    connect(recentMenu_, &RecentFilesMenu::openRequested, this, &MainWindow::openModel);
    file->addSeparator();
    QMenu* exp = file->addMenu(QStringLiteral("&Export"));
    exp->addAction(exportTableAction_);
    exp->addAction(exportPngAction_);
    exp->addAction(exportSvgAction_);
    file->addAction(exportReportAction_);
    file->addSeparator();
    file->addAction(quitAction_);
    QMenu* run = menuBar()->addMenu(QStringLiteral("&Run"));
    run->addAction(runAction_);
    run->addAction(stopAction_);
    viewMenu_ = menuBar()->addMenu(QStringLiteral("&View"));
    QMenu* theme = viewMenu_->addMenu(QStringLiteral("&Theme"));
    theme->addAction(lightAction_);
    theme->addAction(darkAction_);
    viewMenu_->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) viewMenu_->addAction(d->toggleViewAction());
    QMenu* help = menuBar()->addMenu(QStringLiteral("&Help"));
    help->addAction(QStringLiteral("&About mobiscope"), this, [this] {
        QMessageBox::about(this, QStringLiteral("About mobiscope"),
                           QStringLiteral("<b>mobiscope</b> %1<br>Explorer and profiler for elastic "
                                          "mixed-precision LLM inference.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::buildToolBar() {
    QToolBar* tb = addToolBar(QStringLiteral("Main"));
    tb->setObjectName(QStringLiteral("mainToolBar"));
    tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    tb->addAction(openAction_);
    tb->addAction(runAction_);
    tb->addAction(stopAction_);
    tb->addSeparator();
    tb->addWidget(new QLabel(QStringLiteral(" Colour tokens by "), tb));
    measureBox_ = tokenMeasureCombo(tb);
    tb->addWidget(measureBox_);
    connect(measureBox_, &QComboBox::currentIndexChanged, this, [this] {
        doc_->tokens()->setMeasure(static_cast<TokenMeasure>(measureBox_->currentData().toInt()));
    });
    tb->addWidget(new QLabel(QStringLiteral("  Layers by "), tb));
    layerMeasureBox_ = layerMeasureCombo(tb);
    tb->addWidget(layerMeasureBox_);
    connect(layerMeasureBox_, &QComboBox::currentIndexChanged, this, [this] {
        const auto m = static_cast<LayerMeasure>(layerMeasureBox_->currentData().toInt());
        chart_->setMeasure(m);
        heatmap_->setMeasure(m);
    });
    tb->addSeparator();
    budget_ = new BudgetSlider(tb);
    budget_->setSource(doc_->precisionSource());
    tb->addWidget(budget_);
    connect(budget_, &BudgetSlider::levelChanged, doc_, &ModelDocument::requestLevel);
    connect(budget_, &BudgetSlider::budgetChanged, this, [this](double bits) {
        if (doc_->isRouted()) doc_->requestBudget(bits);
    });
    allocationBox_ = new QComboBox(tb);
    allocationBox_->setObjectName(QStringLiteral("allocationCombo"));
    allocationBox_->addItem(QStringLiteral("global"), false);
    allocationBox_->addItem(QStringLiteral("per layer"), true);
    allocationBox_->setToolTip(
        QStringLiteral("How the routers spread the budget: global (one threshold, blocks where "
                       "bits help more get more) or per layer (every block meets the budget)"));
    allocationBox_->setEnabled(false);
    tb->addWidget(allocationBox_);
    connect(allocationBox_, &QComboBox::currentIndexChanged, this, [this] {
        doc_->setPerLayerAllocation(allocationBox_->currentData().toBool());
    });
    refreshMeasureItems();
}

void MainWindow::refreshMeasureItems() {
    markAvailableMeasures(measureBox_, layerMeasureBox_, doc_->precisionSource());
}

void MainWindow::buildCentral() {
    tokenPane_ = new TokenPane(doc_->tokens(), runAction_, stopAction_, this);
    chips_ = tokenPane_->chips();
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("centralTabs"));
    tabs_->setDocumentMode(true);
    tabs_->addTab(tokenPane_, QStringLiteral("Tokens"));
    profileView_ = new ProfileView(tabs_);
    profileView_->setObjectName(QStringLiteral("profileView"));
    tabs_->addTab(profileView_, QStringLiteral("Profile"));
    setCentralWidget(tabs_);
    // The model docks say nothing about a profile: hidden while the Profile tab
    // is shown, back as they were on the Tokens tab.
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int index) {
        const bool profile = tabs_->widget(index) == profileView_;
        if (profile) {
            hiddenDocks_.clear();
            for (QDockWidget* d : findChildren<QDockWidget*>())
                if (d->isVisible()) {
                    hiddenDocks_.append(d);
                    d->hide();
                }
        } else {
            for (QDockWidget* d : std::as_const(hiddenDocks_))
                if (d) d->show();
            hiddenDocks_.clear();
        }
    });
    // Clicks in any token view set the one selection; every view follows it.
    connect(chips_, &TokenChipView::tokenSelected, selection_, &TokenSelection::setToken);
    connect(selection_, &TokenSelection::tokenChanged, chips_, &TokenChipView::setSelectedToken);
    connect(selection_, &TokenSelection::tokenChanged, this, &MainWindow::onTokenSelected);
}

QPlainTextEdit* MainWindow::promptEdit() const { return tokenPane_->prompt(); }
QSpinBox* MainWindow::maxTokensSpin() const { return tokenPane_->maxTokens(); }
QDoubleSpinBox* MainWindow::temperatureSpin() const { return tokenPane_->temperature(); }
HistogramWidget* MainWindow::histogram() const { return inspector_->histogram(); }
QTreeView* MainWindow::modelTree() const { return inspector_->tree(); }
QWidget* MainWindow::slicedPanel() const { return inspector_->slicedPanel(); }
GroupScaleHeatmap* MainWindow::groupScaleHeatmap() const { return inspector_->groupScaleHeatmap(); }
QTableWidget* MainWindow::levelErrorTable() const { return inspector_->levelErrorTable(); }
QLabel* MainWindow::slicedInfoLabel() const { return inspector_->slicedInfoLabel(); }

void MainWindow::buildDocks() {
    // Model inspector: tree, statistics, histogram, sliced linears.
    inspector_ = new ModelInspector(doc_->tree(), this);
    connect(inspector_, &ModelInspector::statisticsRequested, doc_,
            [this](const QString& key, int level) { doc_->requestTensorStats(key, level); });
    auto* inspector = inspector_;
    auto* modelDock = new QDockWidget(QStringLiteral("Model"), this);
    modelDock->setObjectName(QStringLiteral("modelDock"));
    modelDock->setWidget(inspector);
    addDockWidget(Qt::LeftDockWidgetArea, modelDock);

    chart_ = new LayerBarChart(this);
    chart_->setModel(doc_->tokens());
    auto* layerDock = new QDockWidget(QStringLiteral("Per layer"), this);
    layerDock->setObjectName(QStringLiteral("layerDock"));
    layerDock->setWidget(chart_);
    addDockWidget(Qt::RightDockWidgetArea, layerDock);

    heatmap_ = new LayerHeatmap(this);
    heatmap_->setModel(doc_->tokens());
    auto* heatDock = new QDockWidget(QStringLiteral("Token x layer"), this);
    heatDock->setObjectName(QStringLiteral("heatmapDock"));
    heatDock->setWidget(heatmap_);
    addDockWidget(Qt::BottomDockWidgetArea, heatDock);
    connect(heatmap_, &LayerHeatmap::tokenSelected, selection_, &TokenSelection::setToken);
    connect(selection_, &TokenSelection::tokenChanged, heatmap_, &LayerHeatmap::setSelectedToken);
    connect(selection_, &TokenSelection::tokenChanged, chart_, &LayerBarChart::setSelectedToken);
    resizeDocks({modelDock, layerDock}, {420, 380}, Qt::Horizontal);
    resizeDocks({heatDock}, {230}, Qt::Vertical);
}

void MainWindow::connectDocument() {
    connect(doc_, &ModelDocument::loadStarted, this, [this](const QString& path) {
        closeProgress();
        progress_ = new QProgressDialog(this);
        progress_->setWindowTitle(QStringLiteral("Opening model"));
        progress_->setMinimumDuration(400); // fast loads never flash a dialog
        connect(progress_, &QProgressDialog::canceled, doc_, &ModelDocument::cancelLoad);
        progress_->setLabelText(QStringLiteral("Opening %1").arg(QFileInfo(path).fileName()));
        progress_->setRange(0, 100);
        progress_->setValue(0);
        statusBar()->showMessage(QStringLiteral("Opening %1\u2026").arg(path));
    });
    connect(doc_, &ModelDocument::loadProgress, this, [this](const QString& stage, int pct) {
        if (progress_) {
            progress_->setLabelText(stage);
            progress_->setValue(pct);
        }
    });
    connect(doc_, &ModelDocument::loaded, this, &MainWindow::onLoaded);
    connect(doc_, &ModelDocument::loadFailed, this, [this](const QString& path, const QString& message) {
        closeProgress();
        statusBar()->clearMessage();
        startupPending_ = false;
        showError(QStringLiteral("Could not open the model"), message, path);
    });
    connect(doc_, &ModelDocument::busyChanged, this, [this] {
        if (!doc_->isLoading()) closeProgress();
        updateActions();
    });
    connect(doc_, &ModelDocument::runStarted, this, [this] {
        runStatus_->setText(QStringLiteral("running\u2026"));
        perplexityByLevel_.clear();
        selection_->setToken(-1);
    });
    connect(doc_, &ModelDocument::runProgress, this, [this](int generated) {
        runStatus_->setText(QStringLiteral("generating: %1 tokens").arg(generated));
    });
    connect(doc_, &ModelDocument::runFinished, this, &MainWindow::onRunFinished);
    connect(doc_, &ModelDocument::runFailed, this, [this](const QString& message) {
        runStatus_->setText(QStringLiteral("run failed"));
        showError(QStringLiteral("The run failed"), message, QString());
    });
    connect(doc_, &ModelDocument::tensorStatsReady, inspector_, &ModelInspector::showStatistics);
    connect(doc_, &ModelDocument::slicedReportReady, inspector_, &ModelInspector::showSlicedReport);
    connect(doc_, &ModelDocument::scoreStarted, this, [this](int level) {
        levelStatus_->setText(doc_->isRouted()
                                  ? QStringLiteral("re-routing at %1 bits\u2026").arg(doc_->budget(), 0, 'f', 2)
                                  : QStringLiteral("re-scoring at level %1\u2026").arg(level));
    });
    connect(doc_, &ModelDocument::scoreFinished, this, &MainWindow::showScore);
    connect(doc_, &ModelDocument::tensorStatsFailed, this, [this](const QString& message) {
        statusBar()->showMessage(QStringLiteral("Tensor statistics failed: %1").arg(message), 10000);
    });
    connect(doc_, &ModelDocument::scoreFailed, this, [this](const QString& message) {
        levelStatus_->setText(QStringLiteral("re-score failed"));
        showError(QStringLiteral("Re-scoring at the new level failed"), message, QString());
    });
}

void MainWindow::applyStartupOptions(const StartupOptions& o) {
    startup_ = o;
    if (!o.prompt.isNull()) tokenPane_->prompt()->setPlainText(o.prompt);
    if (o.maxNewTokens > 0) tokenPane_->maxTokens()->setValue(o.maxNewTokens);
    if (o.temperature >= 0) tokenPane_->temperature()->setValue(o.temperature);
    if (!o.measure.isEmpty()) {
        const int i = measureBox_->findData(
            static_cast<int>(tokenMeasureFromKey(o.measure, TokenMeasure::LogProb)));
        if (i >= 0) measureBox_->setCurrentIndex(i);
    }
    if (!o.layerMeasure.isEmpty()) {
        const int i = layerMeasureBox_->findData(
            static_cast<int>(layerMeasureFromKey(o.layerMeasure, LayerMeasure::RelativeChange)));
        if (i >= 0) layerMeasureBox_->setCurrentIndex(i);
    }
    if (!o.model.isEmpty() && ProfileDocument::isProfilePath(o.model)) {
        startupPending_ = true;
        openProfile(o.model);
    } else if (!o.model.isEmpty()) {
        startupPending_ = true;
        openModel(o.model);
    }
}

void MainWindow::closeProgress() {
    // A fresh dialog per load: a reused QProgressDialog can pop up again from its own show timer.
    if (!progress_) return;
    progress_->hide();
    progress_->deleteLater();
    progress_ = nullptr;
}

void MainWindow::openModel(const QString& path) {
    if (path.isEmpty()) return;
    if (ProfileDocument::isProfilePath(path)) return openProfile(path);
    QSettings().setValue(QStringLiteral("lastDir"), QFileInfo(path).absolutePath());
    doc_->open(QFileInfo(path).absoluteFilePath());
}

void MainWindow::onLoaded(const QString& path, double seconds) {
    closeProgress();
    recentMenu_->add(path);
    setWindowTitle(QStringLiteral("%1 \u2014 mobiscope").arg(QFileInfo(path).fileName()));
    modelStatus_->setText(doc_->describeModel());
    statusBar()->showMessage(QStringLiteral("Opened in %1 s").arg(seconds, 0, 'f', 2), 4000);
    QTreeView* tree = inspector_->tree();
    tree->expandToDepth(0);
    tree->resizeColumnToContents(1);
    tree->resizeColumnToContents(2);
    tree->resizeColumnToContents(3);
    budget_->setSource(doc_->precisionSource());
    allocationBox_->setEnabled(doc_->isRouted());
    refreshMeasureItems();
    levelStatus_->setText(doc_->isRouted() ? doc_->precisionSource()->describe()
                          : doc_->precisionSource()->hasLevels()
                              ? doc_->precisionSource()->levelLabel(doc_->level())
                              : QString());
    inspector_->clear();
    if (startupPending_) {
        // Before the run, so that it generates at that level.
        if (startup_.level > 0) budget_->setLevel(startup_.level);
        if (!startup_.allocation.isEmpty())
            allocationBox_->setCurrentIndex(startup_.allocation == QStringLiteral("layer") ? 1 : 0);
        if (startup_.budget > 0) budget_->setBudget(startup_.budget);
        if (!startup_.tensor.isEmpty()) {
            // A key (layers.1.feed_forward.w2) or a GGUF name (blk.1.ffn_down).
            const QModelIndex idx = doc_->tree()->indexForKey(
                QString::fromStdString(tensorKeyForName(startup_.tensor.toStdString())));
            if (idx.isValid()) {
                tree->scrollTo(idx);
                tree->setCurrentIndex(idx);
            }
        }
        if (startup_.run) runPrompt();
        else startupPending_ = false;
    }
}

void MainWindow::runPrompt() {
    if (!doc_->model() || doc_->isLoading()) return;
    doc_->run(tokenPane_->request());
}

void MainWindow::stopRun() {
    if (profileDoc_->isLoading()) {
        profileDoc_->cancelLoad();
        statusBar()->showMessage(QStringLiteral("Opening the profile was cancelled"), 4000);
    }
    if (progress_ && doc_->isLoading()) progress_->cancel();
    doc_->stop();
}

void MainWindow::onRunFinished(const RunSummary& s) {
    runStatus_->setText(QStringLiteral("%1 prompt + %2 generated tokens, prefill %3 ms, %4 tok/s (%5)")
                            .arg(s.promptTokens)
                            .arg(s.generatedTokens)
                            .arg(s.prefillSeconds * 1000, 0, 'f', 1)
                            .arg(s.tokensPerSecond(), 0, 'f', 0)
                            .arg(s.stopReason));
    chart_->update();
    heatmap_->update();
    if (doc_->precisionSource()->hasLevels()) showScore(doc_->lastScore());
    if (startupPending_) {
        startupPending_ = false;
        if (startup_.selectToken >= 0)
            chips_->setSelectedToken(std::min(startup_.selectToken, chips_->chipCount() - 1));
        // As if the user dragged the slider: the same text re-scored at that level.
        if (startup_.rescoreLevel > 0) budget_->setLevel(startup_.rescoreLevel);
    }
}

void MainWindow::showScore(const ScoreSummary& s) {
    if (s.routed()) budget_->setAchieved(s.averageBits);
    if (!s.routed() && s.level <= 0) return levelStatus_->clear();
    const ScoreStatus st = describeScore(s, perplexityByLevel_);
    levelStatus_->setText(st.text);
    levelStatus_->setToolTip(st.toolTip);
    if (const int row = chips_->selectedToken(); row >= 0) onTokenSelected(row);
}

void MainWindow::onTokenSelected(int row) {
    if (row >= 0) tokenPane_->showDetails(row);
}

void MainWindow::updateActions() {
    const bool haveModel = doc_->model() != nullptr;
    const bool busy = doc_->isLoading();
    runAction_->setEnabled(haveModel && !busy);
    const bool haveProfile = profileDoc_->data() != nullptr;
    for (QAction* a : {exportTableAction_, exportPngAction_, exportSvgAction_}) a->setEnabled(haveProfile);
    exportReportAction_->setEnabled(haveProfile && !profileDoc_->isWritingReport());
    stopAction_->setEnabled(doc_->isRunning() || busy || profileDoc_->isLoading());
    tokenPane_->setRunEnabled(runAction_->isEnabled(), stopAction_->isEnabled());
    if (!doc_->isRunning() && !busy && runStatus_ && runStatus_->text() == QStringLiteral("running\u2026"))
        runStatus_->clear();
}

void MainWindow::showError(const QString& title, const QString& message, const QString& path) {
    // Non-blocking (open(), not exec()): the app keeps running and tests can find and close it.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("errorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton* another = box->addButton(QStringLiteral("Open Another\u2026"), QMessageBox::ActionRole);
    QPushButton* forget = nullptr;
    if (!path.isEmpty() && recentFiles().contains(path))
        forget = box->addButton(QStringLiteral("Remove from Recent"), QMessageBox::ActionRole);
    box->addButton(QMessageBox::Close);
    connect(box, &QMessageBox::buttonClicked, this, [this, another, forget, path](QAbstractButton* b) {
        if (b == forget) recentMenu_->remove(path);
        else if (b == another) QMetaObject::invokeMethod(openAction_, &QAction::trigger, Qt::QueuedConnection);
    });
    box->open();
    emit errorShown(message);
}

QStringList MainWindow::recentFiles() const {
    return RecentFilesMenu::files();
}

void MainWindow::setTheme(Theme t) {
    theme_ = t;
    applyTheme(t);
    lightAction_->setChecked(t == Theme::Light);
    darkAction_->setChecked(t == Theme::Dark);
}

void MainWindow::restoreSettings() {
    QSettings s;
    if (!restoreGeometry(s.value(QStringLiteral("geometry")).toByteArray())) resize(1580, 960);
    restoreState(s.value(QStringLiteral("windowState")).toByteArray());
    const TokenMeasure m = tokenMeasureFromKey(s.value(QStringLiteral("tokenMeasure")).toString(),
                                               TokenMeasure::LogProb);
    const int mi = measureBox_->findData(static_cast<int>(m));
    if (mi >= 0 && tokenMeasureAvailable(m, doc_->precisionSource())) measureBox_->setCurrentIndex(mi);
    const LayerMeasure lm = layerMeasureFromKey(s.value(QStringLiteral("layerMeasure")).toString(),
                                                LayerMeasure::RelativeChange);
    const int li = layerMeasureBox_->findData(static_cast<int>(lm));
    if (li >= 0 && lm != LayerMeasure::Level && lm != LayerMeasure::Bits)
        layerMeasureBox_->setCurrentIndex(li);
    tokenPane_->restore(s);
    setTheme(themeFromKey(s.value(QStringLiteral("theme")).toString()));
}

void MainWindow::saveSettings() const {
    QSettings s;
    s.setValue(QStringLiteral("geometry"), saveGeometry());
    s.setValue(QStringLiteral("windowState"), saveState());
    s.setValue(QStringLiteral("tokenMeasure"), tokenMeasureKey(doc_->tokens()->measure()));
    s.setValue(QStringLiteral("layerMeasure"), layerMeasureKey(chart_->measure()));
    tokenPane_->save(s);
    s.setValue(QStringLiteral("theme"), themeKey(theme_));
}

void MainWindow::closeEvent(QCloseEvent* e) {
    tabs_->setCurrentIndex(0); // the model docks back before the layout is saved
    saveSettings();
    // Cancels the run and joins the engine thread: returns after the current token at most.
    doc_->shutdown();
    profileDoc_->shutdown();
    e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls() && e->mimeData()->urls().first().isLocalFile()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const QList<QUrl> urls = e->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        openModel(urls.first().toLocalFile());
        e->acceptProposedAction();
    }
}

} // namespace mobi
