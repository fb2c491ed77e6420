// Item model of a model's structure: blocks and tensors with shape, dtype and parameter count.
#pragma once

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace mobi {

struct Model;

// One row of the tree; built from a Model or by hand (tests).
struct ModelTreeNode {
    QString name;
    QString key;      // tensor key for leaves (see ModelTensors.h), empty for groups
    QString shape;
    QString dtype;
    qint64 parameters = 0; // sum over children for groups
    std::vector<std::unique_ptr<ModelTreeNode>> children;
    ModelTreeNode* parent = nullptr;

    ModelTreeNode* add(std::unique_ptr<ModelTreeNode> child);
    int row() const;
};

class ModelTreeModel final : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, ShapeColumn, DTypeColumn, ParametersColumn, ColumnCount };
    enum Role { TensorKeyRole = Qt::UserRole + 1, ParameterCountRole };

    explicit ModelTreeModel(QObject* parent = nullptr);
    ~ModelTreeModel() override;

    // Takes the children of `root` as the top-level rows.
    void setRoot(std::unique_ptr<ModelTreeNode> root);
    void clear();
    static std::unique_ptr<ModelTreeNode> buildTree(const Model& model);
    // Index of the leaf with this tensor key, or invalid.
    QModelIndex indexForKey(const QString& key) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const final;
    QModelIndex parent(const QModelIndex& child) const final;
    int rowCount(const QModelIndex& parent = {}) const final;
    int columnCount(const QModelIndex& parent = {}) const final;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const final;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const final;

private:
    const ModelTreeNode* node(const QModelIndex& index) const;
    std::unique_ptr<ModelTreeNode> root_;
};

} // namespace mobi
