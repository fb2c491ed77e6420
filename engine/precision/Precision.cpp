#include "precision/Precision.h"

#include "core/Error.h"
#include "model/Model.h"
#include "model/Transformer.h"
#include "quant/SlicedModel.h"
#include "route/RouterPolicy.h"

#include <cstdio>

namespace mobi {

void checkPrecision(const Model& model, const Precision& p) {
    const std::string where = model.path.empty() ? "model" : model.path;
    if (p.routed()) {
        if (p.level != 0) throw EngineError(where, "give a budget or a level, not both");
        if (!model.sliced) throw EngineError(where, "is not a sliced model: it cannot be routed");
        if (!model.routers) throw EngineError(where, "has no routers to route a budget with");
        const RouterSet& rs = *model.routers;
        if (p.budget < rs.minBits() || p.budget > rs.maxBits()) {
            char buf[160];
            std::snprintf(buf, sizeof buf,
                          "budget %g is outside the levels of this model: %g..%g bits", p.budget,
                          rs.minBits(), rs.maxBits());
            throw EngineError(where, buf);
        }
        return;
    }
    if (p.level == 0) return;
    if (!model.sliced) throw EngineError(where, "is not a sliced model: it has no levels");
    if (p.level < 1 || p.level > model.sliced->levels())
        throw EngineError(where, "level " + std::to_string(p.level) +
                                     " does not exist (levels 1.." +
                                     std::to_string(model.sliced->levels()) + ")");
}

std::shared_ptr<RouterPolicy> applyPrecision(Transformer& t, const Precision& p,
                                             std::shared_ptr<RouterPolicy> reuse) {
    checkPrecision(t.model(), p);
    if (p.act) t.setSlicedKernelMode(*p.act);
    if (p.routed()) {
        if (reuse && &reuse->routers() == t.model().routers.get())
            reuse->setBudget(p.budget, p.allocation);
        else
            reuse = std::make_shared<RouterPolicy>(t.model().routers, p.budget, p.allocation);
        t.setLevelPolicy(reuse);
        return reuse;
    }
    if (t.levels() > 0) {
        t.setLevelPolicy(nullptr);
        t.setLevel(p.level > 0 ? p.level : t.levels());
    }
    return nullptr;
}

std::string describePrecision(const Precision& p) {
    char buf[120];
    if (p.routed())
        std::snprintf(buf, sizeof buf, "routed at %g bits (%s)", p.budget,
                      budgetAllocationName(p.allocation));
    else if (p.level > 0)
        std::snprintf(buf, sizeof buf, "level %d", p.level);
    else
        std::snprintf(buf, sizeof buf, "top level");
    std::string s = buf;
    if (p.act) s += std::string(", ") + slicedKernelModeName(*p.act) + " activations";
    return s;
}

} // namespace mobi
