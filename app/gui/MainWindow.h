// The mobiscope main window: menus, toolbar, docks, and the wiring between the
// model document and the views (linked token selection, measures, settings).
#pragma once

#include "StartupOptions.h"
#include "Theme.h"

#include <QMainWindow>
#include <QMap>
#include <QPointer>
#include <QProgressDialog>

class QAction;
class QComboBox;
class QDockWidget;
class QDoubleSpinBox;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTreeView;

namespace mobi {

class BudgetSlider;
class GroupScaleHeatmap;
class HistogramWidget;
class LayerBarChart;
class LayerHeatmap;
class ModelDocument;
class ModelInspector;
class RecentFilesMenu;
class TokenPane;
class TokenSelection;
class ProfileDocument;
class ProfileView;
class TokenChipView;
struct RunRequest;
struct RunSummary;
struct ScoreSummary;
struct SlicedTensorReport;
struct TensorStatistics;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void applyStartupOptions(const StartupOptions& options);
    // Opens a model, or a profile when the path ends in .sqlite.
    void openModel(const QString& path);
    void openProfile(const QString& path);
    void runPrompt();
    void stopRun();
    void setTheme(Theme t);

    // For tests and automation.
    ModelDocument* document() const { return doc_; }
    ProfileDocument* profileDocument() const { return profileDoc_; }
    ProfileView* profileView() const { return profileView_; }
    QTabWidget* centralTabs() const { return tabs_; }
    // Exports of the profile viewer (false with an error dialog on failure).
    bool exportProfileTable(const QString& csvPath);
    bool exportTimelineImage(const QString& path); // .png or .svg by suffix
    void exportProfileReport(const QString& path);  // .html or .pdf by suffix
    TokenChipView* chipView() const { return chips_; }
    LayerHeatmap* heatmap() const { return heatmap_; }
    LayerBarChart* layerChart() const { return chart_; }
    HistogramWidget* histogram() const;
    QTreeView* modelTree() const;
    // Sliced linears in the inspector: slice 1's group scales, the error of
    // each level (rows: level, bits, effective bits/weight, rel. error) and
    // the label saying what the errors are measured against.
    QWidget* slicedPanel() const;
    GroupScaleHeatmap* groupScaleHeatmap() const;
    QTableWidget* levelErrorTable() const;
    QLabel* slicedInfoLabel() const;
    ModelInspector* inspector() const { return inspector_; }
    QComboBox* measureCombo() const { return measureBox_; }
    BudgetSlider* budgetSlider() const { return budget_; }
    // Global or per-layer budget allocation (enabled for routed models).
    QComboBox* allocationCombo() const { return allocationBox_; }
    QPlainTextEdit* promptEdit() const;
    QSpinBox* maxTokensSpin() const;
    QDoubleSpinBox* temperatureSpin() const;
    // The selection every token view of the model document follows.
    TokenSelection* tokenSelection() const { return selection_; }
    // Level, achieved bits and perplexity of the text shown (sliced models).
    QLabel* levelStatus() const { return levelStatus_; }
    QStringList recentFiles() const;

signals:
    void errorShown(const QString& message);

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    void buildActions();
    void buildMenus();
    void buildToolBar();
    void buildCentral();
    void buildDocks();
    void connectDocument();
    void connectProfile();
    void onProfileLoaded(const QString& path, double seconds);
    void restoreSettings();
    void saveSettings() const;
    void showError(const QString& title, const QString& message, const QString& path);
    void updateActions();
    void closeProgress();
    void onLoaded(const QString& path, double seconds);
    void onRunFinished(const RunSummary& s);
    void onTokenSelected(int row);
    void showScore(const ScoreSummary& s);
    void refreshMeasureItems();

    ModelDocument* doc_;
    ProfileDocument* profileDoc_;
    ProfileView* profileView_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QList<QPointer<QDockWidget>> hiddenDocks_;
    QAction* exportTableAction_ = nullptr;
    QAction* exportPngAction_ = nullptr;
    QAction* exportSvgAction_ = nullptr;
    QAction* exportReportAction_ = nullptr;
    StartupOptions startup_;
    bool startupPending_ = false;
    Theme theme_ = Theme::Light;

    QAction* openAction_ = nullptr;
    QAction* runAction_ = nullptr;
    QAction* stopAction_ = nullptr;
    QAction* quitAction_ = nullptr;
    QAction* lightAction_ = nullptr;
    QAction* darkAction_ = nullptr;
    RecentFilesMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;

    QComboBox* measureBox_ = nullptr;
    QComboBox* layerMeasureBox_ = nullptr;
    BudgetSlider* budget_ = nullptr;
    QComboBox* allocationBox_ = nullptr;
    TokenPane* tokenPane_ = nullptr;
    TokenChipView* chips_ = nullptr;
    TokenSelection* selection_ = nullptr;
    ModelInspector* inspector_ = nullptr;
    LayerBarChart* chart_ = nullptr;
    LayerHeatmap* heatmap_ = nullptr;
    QLabel* modelStatus_ = nullptr;
    QLabel* runStatus_ = nullptr;
    QLabel* levelStatus_ = nullptr;
    // Perplexity of the current text at each level seen so far, for comparison.
    QMap<int, double> perplexityByLevel_;
    QPointer<QProgressDialog> progress_;
};

} // namespace mobi
