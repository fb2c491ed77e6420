#include "MainWindow.h"

#include "BudgetSlider.h"
#include "GroupScaleHeatmap.h"
#include "HistogramWidget.h"
#include "LayerBarChart.h"
#include "LayerHeatmap.h"
#include "ModelDocument.h"
#include "ModelTensors.h"
#include "ModelTreeModel.h"
#include "PrecisionSource.h"
#include "ProfileDocument.h"
#include "ProfileTimeline.h"
#include "ProfileView.h"
#include "RangeStatsModel.h"
#include "SlicedTensorReport.h"
#include "TableCsv.h"
#include "TokenChipView.h"
#include "TokenListModel.h"

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
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <cmath>

namespace mobi {

namespace {

constexpr int kMaxRecent = 10;

// SVG icons need Qt's svg plugin; fall back to the style's icons without it.
QIcon icon(const QString& name, QStyle::StandardPixmap fallback) {
    QIcon i(QStringLiteral(":/icons/%1.svg").arg(name));
    if (i.pixmap(16).isNull())
        return QApplication::style()->standardIcon(fallback);
    return i;
}

QString fmt(double v, int decimals = 4) {
    return std::isfinite(v) ? QString::number(v, 'g', decimals) : QStringLiteral("-");
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), doc_(new ModelDocument(this)), profileDoc_(new ProfileDocument(this)) {
    setWindowTitle(QStringLiteral("mobiscope"));
    setObjectName(QStringLiteral("mobiscopeMainWindow"));
    setAcceptDrops(true);
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
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
    recentMenu_ = file->addMenu(QStringLiteral("Open &Recent"));
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
    rebuildRecentMenu();
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
    measureBox_ = new QComboBox(tb);
    measureBox_->setObjectName(QStringLiteral("measureCombo"));
    for (TokenMeasure m : {TokenMeasure::LogProb, TokenMeasure::Entropy, TokenMeasure::LevelBits,
                           TokenMeasure::RouterScore})
        measureBox_->addItem(tokenMeasureName(m), static_cast<int>(m));
    tb->addWidget(measureBox_);
    connect(measureBox_, &QComboBox::currentIndexChanged, this, [this] {
        doc_->tokens()->setMeasure(static_cast<TokenMeasure>(measureBox_->currentData().toInt()));
    });
    tb->addWidget(new QLabel(QStringLiteral("  Layers by "), tb));
    layerMeasureBox_ = new QComboBox(tb);
    for (LayerMeasure m : {LayerMeasure::RelativeChange, LayerMeasure::HiddenRms, LayerMeasure::Level,
                           LayerMeasure::Bits})
        layerMeasureBox_->addItem(layerMeasureName(m), static_cast<int>(m));
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
    // Measures without data (levels, router scores) stay listed but greyed, with the reason.
    auto* model = qobject_cast<QStandardItemModel*>(measureBox_->model());
    const PrecisionSource* src = doc_->precisionSource();
    for (int i = 0; i < measureBox_->count(); ++i) {
        const auto m = static_cast<TokenMeasure>(measureBox_->itemData(i).toInt());
        QStandardItem* item = model->item(i);
        const bool on = tokenMeasureAvailable(m, src);
        item->setEnabled(on);
        item->setToolTip(on ? QString() : src->unavailableReason());
    }
    if (layerMeasureBox_) {
        auto* lm = qobject_cast<QStandardItemModel*>(layerMeasureBox_->model());
        for (LayerMeasure m : {LayerMeasure::Level, LayerMeasure::Bits}) {
            QStandardItem* level = lm->item(layerMeasureBox_->findData(static_cast<int>(m)));
            level->setEnabled(src->hasLevels());
            level->setToolTip(src->hasLevels() ? QString() : src->unavailableReason());
        }
    }
}

void MainWindow::buildCentral() {
    auto* central = new QWidget(this);
    auto* v = new QVBoxLayout(central);
    v->setContentsMargins(6, 6, 6, 6);
    auto* row = new QHBoxLayout;
    prompt_ = new QPlainTextEdit(central);
    prompt_->setObjectName(QStringLiteral("promptEdit"));
    prompt_->setPlaceholderText(QStringLiteral("Prompt (empty: start from BOS)"));
    prompt_->setFixedHeight(prompt_->fontMetrics().lineSpacing() * 3 + 14);
    prompt_->setTabChangesFocus(true);
    row->addWidget(prompt_, 1);
    auto* params = new QVBoxLayout;
    auto* line1 = new QHBoxLayout;
    runButton_ = new QPushButton(runAction_->icon(), QStringLiteral("Run"), central);
    stopButton_ = new QPushButton(stopAction_->icon(), QStringLiteral("Stop"), central);
    connect(runButton_, &QPushButton::clicked, runAction_, &QAction::trigger);
    connect(stopButton_, &QPushButton::clicked, stopAction_, &QAction::trigger);
    line1->addWidget(runButton_);
    line1->addWidget(stopButton_);
    params->addLayout(line1);
    auto* line2 = new QHBoxLayout;
    maxTokens_ = new QSpinBox(central);
    maxTokens_->setRange(1, 1 << 20);
    maxTokens_->setValue(128);
    maxTokens_->setPrefix(QStringLiteral("new tokens "));
    temperature_ = new QDoubleSpinBox(central);
    temperature_->setRange(0, 5);
    temperature_->setSingleStep(0.1);
    temperature_->setValue(0.8);
    temperature_->setPrefix(QStringLiteral("temp "));
    temperature_->setToolTip(QStringLiteral("0 = greedy"));
    seed_ = new QSpinBox(central);
    seed_->setRange(1, 1 << 30);
    seed_->setValue(42);
    seed_->setPrefix(QStringLiteral("seed "));
    line2->addWidget(maxTokens_);
    line2->addWidget(temperature_);
    line2->addWidget(seed_);
    params->addLayout(line2);
    row->addLayout(params);
    v->addLayout(row);
    chips_ = new TokenChipView(central);
    chips_->setObjectName(QStringLiteral("tokenChips"));
    chips_->setModel(doc_->tokens());
    v->addWidget(chips_, 1);
    tokenDetails_ = new QLabel(central);
    tokenDetails_->setTextFormat(Qt::RichText);
    tokenDetails_->setWordWrap(true);
    tokenDetails_->setMinimumHeight(tokenDetails_->fontMetrics().lineSpacing() * 2);
    tokenDetails_->setText(QStringLiteral("Hover a token for details; click to select it."));
    v->addWidget(tokenDetails_);
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("centralTabs"));
    tabs_->setDocumentMode(true);
    tabs_->addTab(central, QStringLiteral("Tokens"));
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
    connect(chips_, &TokenChipView::tokenSelected, this, &MainWindow::onTokenSelected);
    connect(chips_, &TokenChipView::tokenHovered, this, [this](int row) {
        const int show = row >= 0 ? row : chips_->selectedToken();
        tokenDetails_->setText(show >= 0 ? doc_->tokens()->describe(show, false).replace(QStringLiteral("<br>"), QStringLiteral(" &nbsp;|&nbsp; "))
                                         : QStringLiteral("Hover a token for details; click to select it."));
    });
}

void MainWindow::buildDocks() {
    // Model inspector: tree, statistics, histogram.
    auto* inspector = new QSplitter(Qt::Vertical, this);
    tree_ = new QTreeView(inspector);
    tree_->setObjectName(QStringLiteral("modelTree"));
    tree_->setModel(doc_->tree());
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    statsLabel_ = new QLabel(QStringLiteral("Select a tensor"), inspector);
    statsLabel_->setTextFormat(Qt::RichText);
    statsLabel_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    statsLabel_->setMargin(4);
    statsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    histogram_ = new HistogramWidget(inspector);
    // Sliced linears: per-level error table and slice 1's group scales.
    slicedPanel_ = new QWidget(inspector);
    slicedPanel_->setObjectName(QStringLiteral("slicedPanel"));
    auto* slicedLayout = new QVBoxLayout(slicedPanel_);
    slicedLayout->setContentsMargins(4, 0, 4, 0);
    slicedLabel_ = new QLabel(slicedPanel_);
    slicedLabel_->setTextFormat(Qt::RichText);
    slicedLabel_->setWordWrap(true);
    levelTable_ = new QTableWidget(0, 4, slicedPanel_);
    levelTable_->setObjectName(QStringLiteral("levelErrorTable"));
    levelTable_->setHorizontalHeaderLabels({QStringLiteral("Level"), QStringLiteral("Bits"),
                                            QStringLiteral("Bits/weight"), QStringLiteral("Rel. error")});
    levelTable_->verticalHeader()->hide();
    levelTable_->verticalHeader()->setDefaultSectionSize(levelTable_->fontMetrics().height() + 4);
    levelTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    levelTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
    levelTable_->setSelectionMode(QAbstractItemView::SingleSelection);
    levelTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    levelTable_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    levelTable_->setToolTip(QStringLiteral("Select a level to see its dequantized weights' statistics"));
    scaleHeatmap_ = new GroupScaleHeatmap(slicedPanel_);
    scaleHeatmap_->setObjectName(QStringLiteral("groupScaleHeatmap"));
    auto* slicedRow = new QHBoxLayout;
    slicedRow->addWidget(levelTable_);
    slicedRow->addWidget(scaleHeatmap_, 1);
    slicedLayout->addWidget(slicedLabel_);
    slicedLayout->addLayout(slicedRow, 1);
    slicedPanel_->hide();
    connect(levelTable_, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (fillingLevelTable_ || row < 0 || slicedKey_.isEmpty()) return;
        const int level = levelTable_->item(row, 0)->data(Qt::UserRole).toInt();
        statsLabel_->setText(QStringLiteral("<b>%1</b> @ level %2<br>computing\u2026").arg(slicedKey_).arg(level));
        doc_->requestTensorStats(slicedKey_, level);
    });
    inspector->addWidget(tree_);
    inspector->addWidget(statsLabel_);
    inspector->addWidget(slicedPanel_);
    inspector->addWidget(histogram_);
    inspector->setStretchFactor(0, 3);
    inspector->setStretchFactor(2, 2);
    inspector->setStretchFactor(3, 2);
    connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                const QString key = current.siblingAtColumn(0).data(ModelTreeModel::TensorKeyRole).toString();
                if (key.isEmpty()) return;
                slicedKey_.clear();
                slicedPanel_->hide();
                scaleHeatmap_->clear();
                levelTable_->setRowCount(0);
                statsLabel_->setText(QStringLiteral("<b>%1</b><br>computing\u2026").arg(key));
                doc_->requestTensorStats(key);
            });
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
    connect(heatmap_, &LayerHeatmap::tokenSelected, chips_, &TokenChipView::setSelectedToken);
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
        chips_->setSelectedToken(-1);
        chart_->setSelectedToken(-1);
        heatmap_->setSelectedToken(-1);
    });
    connect(doc_, &ModelDocument::runProgress, this, [this](int generated) {
        runStatus_->setText(QStringLiteral("generating: %1 tokens").arg(generated));
    });
    connect(doc_, &ModelDocument::runFinished, this, &MainWindow::onRunFinished);
    connect(doc_, &ModelDocument::runFailed, this, [this](const QString& message) {
        runStatus_->setText(QStringLiteral("run failed"));
        showError(QStringLiteral("The run failed"), message, QString());
    });
    connect(doc_, &ModelDocument::tensorStatsReady, this, &MainWindow::showStatistics);
    connect(doc_, &ModelDocument::slicedReportReady, this, &MainWindow::showSlicedReport);
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
    if (!o.prompt.isNull()) prompt_->setPlainText(o.prompt);
    if (o.maxNewTokens > 0) maxTokens_->setValue(o.maxNewTokens);
    if (o.temperature >= 0) temperature_->setValue(o.temperature);
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
    addRecent(path);
    setWindowTitle(QStringLiteral("%1 \u2014 mobiscope").arg(QFileInfo(path).fileName()));
    modelStatus_->setText(doc_->describeModel());
    statusBar()->showMessage(QStringLiteral("Opened in %1 s").arg(seconds, 0, 'f', 2), 4000);
    tree_->expandToDepth(0);
    tree_->resizeColumnToContents(1);
    tree_->resizeColumnToContents(2);
    tree_->resizeColumnToContents(3);
    budget_->setSource(doc_->precisionSource());
    allocationBox_->setEnabled(doc_->isRouted());
    refreshMeasureItems();
    levelStatus_->setText(doc_->isRouted() ? doc_->precisionSource()->describe()
                          : doc_->precisionSource()->hasLevels()
                              ? doc_->precisionSource()->levelLabel(doc_->level())
                              : QString());
    histogram_->clear();
    slicedKey_.clear();
    slicedPanel_->hide();
    scaleHeatmap_->clear();
    levelTable_->setRowCount(0);
    statsLabel_->setText(QStringLiteral("Select a tensor"));
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
                tree_->scrollTo(idx);
                tree_->setCurrentIndex(idx);
            }
        }
        if (startup_.run) runPrompt();
        else startupPending_ = false;
    }
}

RunRequest MainWindow::currentRequest() const {
    RunRequest r;
    r.prompt = prompt_->toPlainText();
    r.maxNewTokens = maxTokens_->value();
    r.temperature = static_cast<float>(temperature_->value());
    r.seed = static_cast<uint64_t>(seed_->value());
    return r;
}

void MainWindow::runPrompt() {
    if (!doc_->model() || doc_->isLoading()) return;
    doc_->run(currentRequest());
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
    if (s.routed()) {
        // Requested budget next to what the routers achieved on this text.
        budget_->setAchieved(s.averageBits);
        QString text = QStringLiteral("routed %1: budget %2 \u2192 %3 bits achieved \u00b7 perplexity %4")
                           .arg(s.perLayer ? QStringLiteral("per layer") : QStringLiteral("globally"))
                           .arg(s.budget, 0, 'f', 2)
                           .arg(s.averageBits, 0, 'f', 2)
                           .arg(s.perplexity, 0, 'f', 3);
        if (s.seconds > 0) text += QStringLiteral(" (re-routed %1 tokens in %2 ms)")
                                       .arg(s.scoredTokens + 1)
                                       .arg(s.seconds * 1000, 0, 'f', 1);
        levelStatus_->setText(text);
        levelStatus_->setToolTip(QStringLiteral("Achieved: mean bits of the levels the routers chose "
                                                "over every token x block; perplexity over the %1 "
                                                "scored tokens")
                                     .arg(s.scoredTokens));
        if (const int row = chips_->selectedToken(); row >= 0) onTokenSelected(row);
        return;
    }
    if (s.level <= 0) return levelStatus_->clear();
    QString text = QStringLiteral("level %1 \u00b7 %2 b/w \u00b7 perplexity %3")
                       .arg(s.level)
                       .arg(s.averageBits, 0, 'f', 2)
                       .arg(s.perplexity, 0, 'f', 3);
    perplexityByLevel_[s.level] = s.perplexity;
    QStringList others;
    for (auto it = perplexityByLevel_.constBegin(); it != perplexityByLevel_.constEnd(); ++it)
        if (it.key() != s.level)
            others << QStringLiteral("level %1: %2").arg(it.key()).arg(it.value(), 0, 'f', 3);
    if (!others.isEmpty()) text += QStringLiteral(" [%1]").arg(others.join(QStringLiteral(", ")));
    if (s.seconds > 0) text += QStringLiteral(" (re-scored %1 tokens in %2 ms)")
                                   .arg(s.scoredTokens + 1)
                                   .arg(s.seconds * 1000, 0, 'f', 1);
    levelStatus_->setText(text);
    levelStatus_->setToolTip(QStringLiteral("Perplexity: exp of the mean negative log-likelihood of "
                                            "the %1 scored tokens at this level")
                                 .arg(s.scoredTokens));
    if (const int row = chips_->selectedToken(); row >= 0) onTokenSelected(row);
}

void MainWindow::onTokenSelected(int row) {
    chart_->setSelectedToken(row);
    heatmap_->setSelectedToken(row);
    if (row >= 0)
        tokenDetails_->setText(doc_->tokens()->describe(row, false).replace(QStringLiteral("<br>"),
                                                                     QStringLiteral(" &nbsp;|&nbsp; ")));
}

void MainWindow::showStatistics(const TensorStatistics& s) {
    histogram_->setStatistics(s);
    statsLabel_->setText(
        QStringLiteral("<b>%1</b> &nbsp; %2 values<table cellspacing=0 cellpadding=1>"
                       "<tr><td>min</td><td align=right>&nbsp;%3</td><td>&nbsp;&nbsp;max</td><td align=right>&nbsp;%4</td></tr>"
                       "<tr><td>mean</td><td align=right>&nbsp;%5</td><td>&nbsp;&nbsp;std</td><td align=right>&nbsp;%6</td></tr>"
                       "<tr><td>abs-max</td><td align=right>&nbsp;%7</td><td>&nbsp;&nbsp;&gt;6\u03c3</td><td align=right>&nbsp;%8%</td></tr>"
                       "</table>")
            .arg(s.key)
            .arg(s.count)
            .arg(fmt(s.min), fmt(s.max), fmt(s.mean), fmt(s.stddev), fmt(s.absMax))
            .arg(s.outlierFraction * 100, 0, 'g', 3));
}

void MainWindow::showSlicedReport(const SlicedTensorReport& r) {
    slicedKey_ = r.key;
    slicedLabel_->setText(
        QStringLiteral("<b>Sliced</b> %1 x %2, slices %3 (%4), group %5. Rel. Frobenius error %6")
            .arg(r.rows)
            .arg(r.cols)
            .arg(r.sliceBits, r.mode)
            .arg(r.groupSize)
            .arg(r.againstDense ? QStringLiteral("vs dense weights")
                                : QStringLiteral("vs top level (file has no dense weights)")));
    fillingLevelTable_ = true;
    levelTable_->setRowCount(static_cast<int>(r.levels.size()));
    for (int i = 0; i < static_cast<int>(r.levels.size()); ++i) {
        const SlicedLevelError& e = r.levels[static_cast<size_t>(i)];
        const QStringList cells = {QString::number(e.level), QString::number(e.bits),
                                   QString::number(e.effectiveBits, 'f', 3), QString::number(e.relError, 'g', 4)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (c == 0) item->setData(Qt::UserRole, e.level);
            item->setData(Qt::UserRole + 1, c == 3 ? e.relError : c == 2 ? e.effectiveBits : e.level);
            levelTable_->setItem(i, c, item);
        }
    }
    // The statistics that follow are of the top level.
    if (!r.levels.empty()) levelTable_->setCurrentCell(static_cast<int>(r.levels.size()) - 1, 0);
    fillingLevelTable_ = false;
    // Wide enough for every column; the heatmap takes the rest.
    levelTable_->resizeColumnsToContents();
    int tableWidth = 2 * levelTable_->frameWidth() + 2;
    for (int c = 0; c < levelTable_->columnCount(); ++c) tableWidth += levelTable_->columnWidth(c);
    levelTable_->setFixedWidth(tableWidth);
    scaleHeatmap_->setScales(r.rows, r.groups, r.scales);
    slicedPanel_->show();
}

void MainWindow::updateActions() {
    const bool haveModel = doc_->model() != nullptr;
    const bool busy = doc_->isLoading();
    runAction_->setEnabled(haveModel && !busy);
    const bool haveProfile = profileDoc_->data() != nullptr;
    for (QAction* a : {exportTableAction_, exportPngAction_, exportSvgAction_}) a->setEnabled(haveProfile);
    exportReportAction_->setEnabled(haveProfile && !profileDoc_->isWritingReport());
    stopAction_->setEnabled(doc_->isRunning() || busy || profileDoc_->isLoading());
    runButton_->setEnabled(runAction_->isEnabled());
    stopButton_->setEnabled(stopAction_->isEnabled());
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
        if (b == forget) removeRecent(path);
        else if (b == another) QMetaObject::invokeMethod(openAction_, &QAction::trigger, Qt::QueuedConnection);
    });
    box->open();
    emit errorShown(message);
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::addRecent(const QString& path) {
    QStringList list = recentFiles();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent) list.removeLast();
    QSettings().setValue(QStringLiteral("recentFiles"), list);
    rebuildRecentMenu();
}

void MainWindow::removeRecent(const QString& path) {
    QStringList list = recentFiles();
    list.removeAll(path);
    QSettings().setValue(QStringLiteral("recentFiles"), list);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    if (!recentMenu_) return;
    recentMenu_->clear();
    const QStringList list = recentFiles();
    for (int i = 0; i < list.size(); ++i) {
        QAction* a = recentMenu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(list[i]));
        connect(a, &QAction::triggered, this, [this, p = list[i]] { openModel(p); });
    }
    if (!list.isEmpty()) {
        recentMenu_->addSeparator();
        recentMenu_->addAction(QStringLiteral("Clear"), this, [this] {
            QSettings().remove(QStringLiteral("recentFiles"));
            rebuildRecentMenu();
        });
    }
    recentMenu_->setEnabled(!list.isEmpty());
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
    prompt_->setPlainText(s.value(QStringLiteral("prompt"), QStringLiteral("Once upon a time")).toString());
    maxTokens_->setValue(s.value(QStringLiteral("maxNewTokens"), 128).toInt());
    temperature_->setValue(s.value(QStringLiteral("temperature"), 0.8).toDouble());
    seed_->setValue(s.value(QStringLiteral("seed"), 42).toInt());
    setTheme(themeFromKey(s.value(QStringLiteral("theme")).toString()));
}

void MainWindow::saveSettings() const {
    QSettings s;
    s.setValue(QStringLiteral("geometry"), saveGeometry());
    s.setValue(QStringLiteral("windowState"), saveState());
    s.setValue(QStringLiteral("tokenMeasure"), tokenMeasureKey(doc_->tokens()->measure()));
    s.setValue(QStringLiteral("layerMeasure"), layerMeasureKey(chart_->measure()));
    s.setValue(QStringLiteral("prompt"), prompt_->toPlainText());
    s.setValue(QStringLiteral("maxNewTokens"), maxTokens_->value());
    s.setValue(QStringLiteral("temperature"), temperature_->value());
    s.setValue(QStringLiteral("seed"), seed_->value());
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

namespace mobi {

void MainWindow::openProfile(const QString& path) {
    if (path.isEmpty()) return;
    QSettings().setValue(QStringLiteral("lastDir"), QFileInfo(path).absolutePath());
    profileDoc_->open(QFileInfo(path).absoluteFilePath());
}

void MainWindow::connectProfile() {
    connect(profileDoc_, &ProfileDocument::loadStarted, this, [this](const QString& path) {
        statusBar()->showMessage(QStringLiteral("Opening profile %1\u2026").arg(path));
    });
    connect(profileDoc_, &ProfileDocument::loaded, this, &MainWindow::onProfileLoaded);
    connect(profileDoc_, &ProfileDocument::loadFailed, this, [this](const QString& path, const QString& message) {
        statusBar()->clearMessage();
        startupPending_ = false;
        showError(QStringLiteral("Could not open the profile"), message, path);
    });
    connect(profileDoc_, &ProfileDocument::busyChanged, this, &MainWindow::updateActions);
    connect(profileDoc_, &ProfileDocument::reportWritten, this, [this](const QString& out) {
        statusBar()->showMessage(QStringLiteral("Report written to %1").arg(out), 6000);
    });
    connect(profileDoc_, &ProfileDocument::reportFailed, this, [this](const QString& message) {
        showError(QStringLiteral("Could not write the report"), message, QString());
    });
    connect(profileView_, &ProfileView::nameSelected, this, [this](const QString& name) {
        if (!name.isEmpty()) statusBar()->showMessage(QStringLiteral("Range %1 highlighted in the timeline").arg(name), 3000);
    });
}

void MainWindow::onProfileLoaded(const QString& path, double seconds) {
    addRecent(path);
    tabs_->setCurrentWidget(profileView_); // shown first, so the view lays out at its real size
    profileView_->setData(profileDoc_->data());
    setWindowTitle(QStringLiteral("%1 \u2014 mobiscope").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(QStringLiteral("Opened profile in %1 s").arg(seconds, 0, 'f', 2), 4000);
    updateActions();
    if (!startupPending_) return;
    startupPending_ = false;
    if (!startup_.rangeName.isEmpty()) profileView_->selectName(startup_.rangeName);
    if (startup_.zoomEndMs > startup_.zoomStartMs) {
        const double t0 = static_cast<double>(profileDoc_->data()->t0);
        profileView_->timeline()->setViewRange(t0 + startup_.zoomStartMs * 1e6, t0 + startup_.zoomEndMs * 1e6);
    }
}

bool MainWindow::exportProfileTable(const QString& csvPath) {
    QString error;
    if (!writeTableCsv(*profileView_->proxy(), csvPath, &error)) {
        showError(QStringLiteral("Could not export the table"), error, QString());
        return false;
    }
    statusBar()->showMessage(QStringLiteral("Table written to %1").arg(csvPath), 6000);
    return true;
}

bool MainWindow::exportTimelineImage(const QString& path) {
    ProfileTimeline* t = profileView_->timeline();
    const QSize size = t->size().expandedTo(QSize(1200, 300));
    bool ok = false;
    QString error;
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive)) {
        QSaveFile f(path);
        ok = f.open(QIODevice::WriteOnly) && f.write(t->toSvg(size).toUtf8()) >= 0 && f.commit();
        if (!ok) error = f.errorString();
    } else {
        ok = t->toImage(size).save(path, "PNG");
        if (!ok) error = QStringLiteral("could not write the PNG");
    }
    if (!ok) {
        showError(QStringLiteral("Could not export the timeline"), QStringLiteral("%1: %2").arg(path, error), QString());
        return false;
    }
    statusBar()->showMessage(QStringLiteral("Timeline written to %1").arg(path), 6000);
    return true;
}

void MainWindow::exportProfileReport(const QString& path) { profileDoc_->exportReport(path); }

} // namespace mobi
