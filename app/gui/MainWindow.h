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
    HistogramWidget* histogram() const { return histogram_; }
    QTreeView* modelTree() const { return tree_; }
    // Sliced linears in the inspector: slice 1's group scales, the error of
    // each level (rows: level, bits, effective bits/weight, rel. error) and
    // the label saying what the errors are measured against.
    QWidget* slicedPanel() const { return slicedPanel_; }
    GroupScaleHeatmap* groupScaleHeatmap() const { return scaleHeatmap_; }
    QTableWidget* levelErrorTable() const { return levelTable_; }
    QLabel* slicedInfoLabel() const { return slicedLabel_; }
    QComboBox* measureCombo() const { return measureBox_; }
    BudgetSlider* budgetSlider() const { return budget_; }
    // Global or per-layer budget allocation (enabled for routed models).
    QComboBox* allocationCombo() const { return allocationBox_; }
    QPlainTextEdit* promptEdit() const { return prompt_; }
    QSpinBox* maxTokensSpin() const { return maxTokens_; }
    QDoubleSpinBox* temperatureSpin() const { return temperature_; }
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
    void addRecent(const QString& path);
    void removeRecent(const QString& path);
    void rebuildRecentMenu();
    void showError(const QString& title, const QString& message, const QString& path);
    void updateActions();
    void closeProgress();
    void onLoaded(const QString& path, double seconds);
    void onRunFinished(const RunSummary& s);
    void onTokenSelected(int row);
    void showScore(const ScoreSummary& s);
    void showStatistics(const TensorStatistics& s);
    void showSlicedReport(const SlicedTensorReport& r);
    void refreshMeasureItems();
    RunRequest currentRequest() const;

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
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;

    QComboBox* measureBox_ = nullptr;
    QComboBox* layerMeasureBox_ = nullptr;
    BudgetSlider* budget_ = nullptr;
    QComboBox* allocationBox_ = nullptr;
    QPlainTextEdit* prompt_ = nullptr;
    QSpinBox* maxTokens_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* stopButton_ = nullptr;
    TokenChipView* chips_ = nullptr;
    QLabel* tokenDetails_ = nullptr;
    QTreeView* tree_ = nullptr;
    QLabel* statsLabel_ = nullptr;
    HistogramWidget* histogram_ = nullptr;
    QWidget* slicedPanel_ = nullptr;
    QLabel* slicedLabel_ = nullptr;
    QTableWidget* levelTable_ = nullptr;
    GroupScaleHeatmap* scaleHeatmap_ = nullptr;
    QString slicedKey_;           // key of the sliced linear the panel shows
    bool fillingLevelTable_ = false;
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
