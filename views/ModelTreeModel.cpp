#include "ModelTreeModel.h"

#include "ModelTensors.h"
#include "SlicedTensorReport.h"

#include "quant/SlicedModel.h"

#include <QLocale>

#include <algorithm>

namespace mobi {

ModelTreeNode* ModelTreeNode::add(std::unique_ptr<ModelTreeNode> child) {
    child->parent = this;
    children.push_back(std::move(child));
    return children.back().get();
}

int ModelTreeNode::row() const {
    if (!parent) return 0;
    const auto& siblings = parent->children;
    for (size_t i = 0; i < siblings.size(); ++i)
        if (siblings[i].get() == this) return static_cast<int>(i);
    return 0;
}

ModelTreeModel::ModelTreeModel(QObject* parent)
    : QAbstractItemModel(parent), root_(std::make_unique<ModelTreeNode>()) {}

ModelTreeModel::~ModelTreeModel() = default;

void ModelTreeModel::setRoot(std::unique_ptr<ModelTreeNode> root) {
    beginResetModel();
    root_ = root ? std::move(root) : std::make_unique<ModelTreeNode>();
    endResetModel();
}

void ModelTreeModel::clear() { setRoot(nullptr); }

static std::unique_ptr<ModelTreeNode> group(const QString& name) {
    auto n = std::make_unique<ModelTreeNode>();
    n->name = name;
    return n;
}

std::unique_ptr<ModelTreeNode> ModelTreeModel::buildTree(const Model& model) {
    auto root = group(QString::fromStdString(model.path));
    std::vector<ModelTreeNode*> blocks(model.weights.layers.size(), nullptr);
    ModelTreeNode* blockGroup = nullptr;
    for (const NamedTensor& t : namedTensors(model)) {
        auto leaf = std::make_unique<ModelTreeNode>();
        leaf->name = QString::fromStdString(t.label);
        leaf->key = QString::fromStdString(t.key);
        leaf->shape = QString::fromStdString(t.tensor->shapeString());
        leaf->dtype = QString::fromLatin1(dtypeName(t.tensor->dtype));
        leaf->parameters = t.tensor->numel();
        ModelTreeNode* parent = root.get();
        if (t.layer >= 0) {
            if (!blockGroup) blockGroup = root->add(group(QStringLiteral("blocks")));
            if (!blocks[t.layer])
                blocks[t.layer] = blockGroup->add(group(QStringLiteral("block %1").arg(t.layer)));
            parent = blocks[t.layer];
        }
        parent->add(std::move(leaf));
    }
    // A sliced file stores the block linears only as slices: list them too,
    // so the tree still accounts for every parameter.
    if (model.sliced) {
        static const char* const labels[] = {"wq", "wk", "wv", "wo", "w1 (gate)", "w3 (up)", "w2 (down)"};
        const SliceConfig& cfg = model.sliced->config;
        const QString dtype = QStringLiteral("sliced %1").arg(QString::fromStdString(cfg.sliceBitsString()));
        for (size_t l = 0; l < model.sliced->layers.size() && l < blocks.size(); ++l) {
            const auto mats = model.sliced->layers[l].all();
            for (size_t i = 0; i < mats.size(); ++i) {
                const SlicedMatrix& m = *mats[i];
                if (m.rows() == 0) continue;
                if (!blockGroup) blockGroup = root->add(group(QStringLiteral("blocks")));
                if (!blocks[l]) blocks[l] = blockGroup->add(group(QStringLiteral("block %1").arg(l)));
                const QString label = QString::fromLatin1(labels[i]);
                const auto& siblings = blocks[l]->children;
                if (std::any_of(siblings.begin(), siblings.end(),
                                [&](const auto& c) { return c->name == label; }))
                    continue; // the dense tensor is there as well
                auto leaf = std::make_unique<ModelTreeNode>();
                leaf->name = label;
                leaf->key = QString::fromStdString(slicedLinearKey(static_cast<int>(l), static_cast<int>(i)));
                leaf->shape = QStringLiteral("[%1, %2]").arg(m.rows()).arg(m.cols());
                leaf->dtype = dtype;
                leaf->parameters = m.rows() * m.cols();
                blocks[l]->add(std::move(leaf));
            }
        }
    }
    // Parameter counts of groups are the sums of their leaves.
    const auto sum = [](auto&& self, ModelTreeNode* n) -> qint64 {
        if (n->children.empty()) return n->parameters;
        qint64 s = 0;
        for (auto& c : n->children) s += self(self, c.get());
        n->parameters = s;
        return s;
    };
    sum(sum, root.get());
    return root;
}

QModelIndex ModelTreeModel::indexForKey(const QString& key) const {
    const auto find = [&](auto&& self, const ModelTreeNode* n) -> const ModelTreeNode* {
        if (n->key == key && !key.isEmpty()) return n;
        for (const auto& c : n->children)
            if (const ModelTreeNode* f = self(self, c.get())) return f;
        return nullptr;
    };
    const ModelTreeNode* f = find(find, root_.get());
    if (!f || f == root_.get()) return {};
    return createIndex(f->row(), 0, const_cast<ModelTreeNode*>(f));
}

const ModelTreeNode* ModelTreeModel::node(const QModelIndex& index) const {
    return index.isValid() ? static_cast<const ModelTreeNode*>(index.internalPointer()) : root_.get();
}

QModelIndex ModelTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (!hasIndex(row, column, parent)) return {};
    const ModelTreeNode* p = node(parent);
    return createIndex(row, column, p->children[row].get());
}

QModelIndex ModelTreeModel::parent(const QModelIndex& child) const {
    if (!child.isValid()) return {};
    const ModelTreeNode* p = node(child)->parent;
    if (!p || p == root_.get()) return {};
    return createIndex(p->row(), 0, const_cast<ModelTreeNode*>(p));
}

int ModelTreeModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() && parent.column() != 0) return 0;
    return static_cast<int>(node(parent)->children.size());
}

int ModelTreeModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant ModelTreeModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const ModelTreeNode* n = node(index);
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn: return n->name;
        case ShapeColumn: return n->shape;
        case DTypeColumn: return n->dtype;
        case ParametersColumn: return QLocale::c().toString(n->parameters);
        }
    } else if (role == Qt::TextAlignmentRole && index.column() == ParametersColumn) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == TensorKeyRole) {
        return n->key;
    } else if (role == ParameterCountRole) {
        return n->parameters;
    } else if (role == Qt::ToolTipRole && !n->key.isEmpty()) {
        return n->key;
    }
    return {};
}

QVariant ModelTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NameColumn: return QStringLiteral("Name");
    case ShapeColumn: return QStringLiteral("Shape");
    case DTypeColumn: return QStringLiteral("DType");
    case ParametersColumn: return QStringLiteral("Parameters");
    }
    return {};
}

} // namespace mobi
