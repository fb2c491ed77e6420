#include "SlicedTensorReport.h"

#include "model/Model.h"
#include "quant/SlicedModel.h"

#include <cmath>

namespace mobi {

namespace {
const char* const kLinearKeys[] = {"attention.wq",   "attention.wk",    "attention.wv",
                                   "attention.wo",   "feed_forward.w1", "feed_forward.w3",
                                   "feed_forward.w2"};
constexpr int kLinears = 7;
} // namespace

std::string slicedLinearKey(int layer, int linear) {
    if (linear < 0 || linear >= kLinears) return {};
    return "layers." + std::to_string(layer) + "." + kLinearKeys[linear];
}

const SlicedMatrix* findSlicedMatrix(const Model& model, const std::string& key) {
    if (!model.sliced) return nullptr;
    const auto& layers = model.sliced->layers;
    for (size_t l = 0; l < layers.size(); ++l) {
        const auto mats = layers[l].all();
        for (int i = 0; i < kLinears; ++i)
            if (mats[static_cast<size_t>(i)]->rows() > 0 &&
                slicedLinearKey(static_cast<int>(l), i) == key)
                return mats[static_cast<size_t>(i)];
    }
    return nullptr;
}

bool computeSlicedReport(const SlicedMatrix& m, const Tensor* dense, SlicedTensorReport& out,
                         const std::function<bool()>& cancelled) {
    const SliceConfig& cfg = m.config();
    out.rows = m.rows();
    out.cols = m.cols();
    out.groups = m.groupsPerRow();
    out.groupSize = m.groupSize();
    out.sliceBits = QString::fromStdString(cfg.sliceBitsString());
    out.mode = QString::fromLatin1(sliceModeName(cfg.mode));
    out.scales.assign(static_cast<size_t>(out.rows * out.groups), 0.f);
    for (int64_t r = 0; r < out.rows; ++r)
        for (int64_t g = 0; g < out.groups; ++g) {
            float s = 0, mn = 0;
            m.sliceScaleMin(0, r, g, s, mn);
            out.scales[static_cast<size_t>(r * out.groups + g)] = s;
        }
    const int K = m.levels();
    out.againstDense = dense && !dense->empty();
    out.levels.clear();
    std::vector<double> err(static_cast<size_t>(K), 0.0);
    if (out.againstDense) {
        for (int k = 1; k <= K; ++k) {
            if (cancelled && cancelled()) return false;
            err[static_cast<size_t>(k - 1)] = m.errorAgainst(k, *dense);
        }
    } else {
        // Row by row: every level of a row against the top level of that row.
        const size_t cols = static_cast<size_t>(m.cols());
        std::vector<float> top(cols), row(cols);
        std::vector<double> diff(static_cast<size_t>(K), 0.0);
        double norm = 0;
        for (int64_t r = 0; r < m.rows(); ++r) {
            if (cancelled && (r & 63) == 0 && cancelled()) return false;
            m.dequantizeRow(K, r, top.data());
            for (float v : top)
                norm += static_cast<double>(v) * v;
            for (int k = 1; k < K; ++k) {
                m.dequantizeRow(k, r, row.data());
                double d = 0;
                for (size_t j = 0; j < cols; ++j) {
                    const double e = static_cast<double>(top[j]) - row[j];
                    d += e * e;
                }
                diff[static_cast<size_t>(k - 1)] += d;
            }
        }
        for (int k = 1; k <= K; ++k)
            err[static_cast<size_t>(k - 1)] =
                norm > 0 ? std::sqrt(diff[static_cast<size_t>(k - 1)] / norm) : 0.0;
    }
    for (int k = 1; k <= K; ++k)
        out.levels.push_back(
            {k, cfg.bitsForLevel(k), m.effectiveBits(k), err[static_cast<size_t>(k - 1)]});
    return true;
}

TensorStatistics slicedLevelStatistics(const SlicedMatrix& m, int k, int bins) {
    const std::vector<float> w = m.dequantizeLevel(k);
    return computeStatistics(w.data(), static_cast<int64_t>(w.size()), bins);
}

} // namespace mobi
