#include "quant/SlicedModel.h"

#include "core/Error.h"

#include <cmath>
#include <limits>

namespace mobi {

uint64_t SlicedModel::parameterCount() const {
    uint64_t n = 0;
    for (const SlicedLayer& L : layers)
        for (const SlicedMatrix* m : L.all())
            n += static_cast<uint64_t>(m->rows() * m->cols());
    return n;
}

uint64_t SlicedModel::levelBytes(int k) const {
    uint64_t n = 0;
    for (const SlicedLayer& L : layers)
        for (const SlicedMatrix* m : L.all())
            n += m->levelBytes(k);
    return n;
}

double SlicedModel::effectiveBits(int k) const {
    double bits = 0, params = 0;
    for (const SlicedLayer& L : layers)
        for (const SlicedMatrix* m : L.all()) {
            const double p = static_cast<double>(m->rows() * m->cols());
            bits += m->effectiveBits(k) * p;
            params += p;
        }
    return params > 0 ? bits / params : 0.0;
}

double SlicedModel::meanReconstructionError(int k) const {
    double sum = 0;
    int n = 0;
    for (const SlicedLayer& L : layers)
        for (const SlicedMatrix* m : L.all()) {
            sum += m->reconstructionError(k);
            ++n;
        }
    return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

} // namespace mobi
