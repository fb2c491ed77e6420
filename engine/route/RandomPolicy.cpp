#include "route/RandomPolicy.h"

#include "core/Error.h"

#include <cmath>
#include <cstdio>

namespace mobi {

namespace {

uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace

RandomPolicy::RandomPolicy(std::vector<int> levelBits, double bits, uint64_t seed) : seed_(seed) {
    if (levelBits.empty()) throw EngineError("random routing", "no levels");
    const double lo = levelBits.front(), hi = levelBits.back();
    if (!std::isfinite(bits) || bits < lo - 1e-9 || bits > hi + 1e-9) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "budget %g bits is outside the levels' range %g..%g", bits,
                      lo, hi);
        throw EngineError("random routing", buf);
    }
    const int K = static_cast<int>(levelBits.size());
    std::vector<double> w(size_t(K), 0.0);
    w.back() = 1.0;
    for (int k = 1; k < K; ++k) {
        const double a = levelBits[size_t(k - 1)], b = levelBits[size_t(k)];
        if (bits <= b + 1e-12) {
            const double p = std::min(1.0, std::max(0.0, (bits - a) / (b - a)));
            w.back() = 0.0;
            w[size_t(k - 1)] = 1.0 - p;
            w[size_t(k)] += p;
            break;
        }
    }
    *this = RandomPolicy(std::vector<std::vector<double>>{w}, seed);
}

RandomPolicy::RandomPolicy(const std::vector<std::vector<double>>& weights, uint64_t seed,
                           bool perLinear)
    : seed_(seed), perLinear_(perLinear) {
    if (weights.empty()) throw EngineError("random routing", "no level weights");
    for (const std::vector<double>& w : weights) {
        double sum = 0;
        for (double x : w) {
            if (!(x >= 0) || !std::isfinite(x))
                throw EngineError("random routing", "level weights must be finite and >= 0");
            sum += x;
        }
        if (w.empty() || sum <= 0)
            throw EngineError("random routing", "a block has no level with positive weight");
        std::vector<double> c(w.size());
        double acc = 0;
        for (size_t k = 0; k < w.size(); ++k)
            c[k] = (acc += w[k] / sum);
        c.back() = 1.0;
        cdf_.push_back(std::move(c));
    }
}

void RandomPolicy::draw(int row, uint64_t key, int n, int pos, int* levels) const {
    const std::vector<double>& c = cdf_.size() == 1 ? cdf_[0] : cdf_.at(size_t(row));
    for (int t = 0; t < n; ++t) {
        const uint64_t h = mix(seed_ ^ mix(stream_ ^ mix(key << 32 | uint32_t(pos + t))));
        const double u = (h >> 11) * (1.0 / 9007199254740992.0);
        int k = 0;
        while (k + 1 < static_cast<int>(c.size()) && u >= c[size_t(k)])
            ++k;
        levels[t] = k + 1;
    }
}

void RandomPolicy::choose(int layer, const float*, int n, int, int pos, int* levels, float*) {
    if (layer == 0 && pos == 0) ++stream_;
    draw(layer, uint64_t(layer), n, pos, levels);
}

void RandomPolicy::chooseLinear(int layer, int linear, const float*, int n, int, int pos,
                                int* levels, float*) {
    if (layer == 0 && linear == 0 && pos == 0) ++stream_;
    const int row = layer * 7 + linear;
    draw(row, uint64_t(row) + 0x10000, n, pos, levels);
}

TablePolicy::TablePolicy(int sequences, int layers, int positions, std::vector<int> levels,
                         int unitsPerBlock)
    : sequences_(sequences), layers_(layers), positions_(positions), units_(unitsPerBlock),
      levels_(std::move(levels)) {
    if (sequences <= 0 || layers <= 0 || positions <= 0 || (units_ != 1 && units_ != 7) ||
        levels_.size() != size_t(sequences) * size_t(layers) * size_t(units_) * size_t(positions))
        throw EngineError("level table", "has " + std::to_string(levels_.size()) + " entries for " +
                                             std::to_string(sequences) + " sequences x " +
                                             std::to_string(layers) + " blocks x " +
                                             std::to_string(units_) + " units x " +
                                             std::to_string(positions) + " positions");
}

void TablePolicy::lookup(int layer, int unit, int n, int pos, int* levels) {
    if (sequence_ < 0 || sequence_ >= sequences_ || layer < 0 || layer >= layers_ || pos < 0 ||
        pos + n > positions_)
        throw EngineError("level table", "has no entry for sequence " + std::to_string(sequence_) +
                                             " block " + std::to_string(layer) + " positions " +
                                             std::to_string(pos) + ".." +
                                             std::to_string(pos + n - 1));
    const size_t base =
        ((size_t(sequence_) * layers_ + size_t(layer)) * units_ + size_t(unit)) * positions_;
    for (int t = 0; t < n; ++t)
        levels[t] = levels_[base + size_t(pos + t)];
}

void TablePolicy::choose(int layer, const float*, int n, int, int pos, int* levels, float*) {
    if (layer == 0 && pos == 0) ++sequence_;
    lookup(layer, 0, n, pos, levels);
}

void TablePolicy::chooseLinear(int layer, int linear, const float*, int n, int, int pos,
                               int* levels, float*) {
    if (layer == 0 && linear == 0 && pos == 0) ++sequence_;
    lookup(layer, units_ == 7 ? linear : 0, n, pos, levels);
}

} // namespace mobi
