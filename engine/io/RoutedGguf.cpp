#include "io/RoutedGguf.h"

#include "core/Error.h"
#include "io/GgufFile.h"
#include "quant/SliceConfig.h"
#include "route/LinearErrors.h"

namespace mobi {

namespace {

// Router `index` of a set: block routers "blk.N.router.PART", per-linear
// ones "blk.N.router.LINEAR.PART".
std::string routerName(RouteGranularity g, size_t index, const char* part) {
    if (g == RouteGranularity::Block) return "blk." + std::to_string(index) + ".router." + part;
    return "blk." + std::to_string(index / kLinearsPerBlock) + ".router." +
           linearName(static_cast<int>(index % kLinearsPerBlock)) + "." + part;
}

} // namespace

bool hasRouterMetadata(const GgufFile& f) {
    for (const std::string& k : f.keys())
        if (k.rfind("mobiroute.", 0) == 0) return true;
    return f.findTensor("mobiroute.budget") != nullptr;
}

bool isRouterTensorName(const std::string& n) {
    return n.find(".router.") != std::string::npos || n == "mobiroute.budget";
}

std::vector<Tensor> routerTensors(const RouterSet& r) {
    std::vector<Tensor> out;
    const RouteGranularity g = r.granularity;
    for (size_t l = 0; l < r.routers.size(); ++l) {
        const RouterMlp& m = r.routers[l];
        out.push_back(Tensor::fromF32(routerName(g, l, "fc1.weight"), {m.hidden, m.in}, m.w1));
        out.push_back(Tensor::fromF32(routerName(g, l, "fc1.bias"), {m.hidden}, m.b1));
        out.push_back(Tensor::fromF32(routerName(g, l, "fc2.weight"), {m.out, m.hidden}, m.w2));
        out.push_back(Tensor::fromF32(routerName(g, l, "fc2.bias"), {m.out}, m.b2));
    }
    const int P = r.global.points();
    std::vector<float> table(r.global.thresholds());
    for (const BudgetTable& t : r.perLayer) {
        if (t.points() != P) throw EngineError("routers", "budget tables differ in size");
        table.insert(table.end(), t.thresholds().begin(), t.thresholds().end());
    }
    out.push_back(Tensor::fromF32("mobiroute.budget",
                                  {static_cast<int64_t>(r.perLayer.size()) + 1, P}, table));
    return out;
}

std::shared_ptr<const RouterSet> readRouterSet(const GgufFile& f, const ModelConfig& c,
                                               const SliceConfig& s, std::set<std::string>& used) {
    const std::string& path = f.path();
    if (!f.has("mobiroute.version"))
        throw FormatError(path, "has mobiroute data but no mobiroute.version");
    const int64_t version = f.getInt("mobiroute.version");
    if (version < 1) throw FormatError(path, "mobiroute.version " + std::to_string(version));
    if (version > kMobirouteVersion)
        throw UnsupportedError(path, "mobiroute.version " + std::to_string(version) +
                                         " is newer than this reader (" +
                                         std::to_string(kMobirouteVersion) + ")");
    auto r = std::make_shared<RouterSet>();
    const std::vector<int32_t> bits = f.getI32Array("mobiroute.level_bits");
    if (bits.size() < 2 || bits.size() > 64)
        throw FormatError(path,
                          "mobiroute.level_bits has " + std::to_string(bits.size()) + " entries");
    r->levelBits.assign(bits.begin(), bits.end());
    const int64_t hidden = f.getInt("mobiroute.hidden");
    if (hidden < 1 || hidden > 65536)
        throw FormatError(path, "mobiroute.hidden " + std::to_string(hidden) + " is out of range");
    r->calibrationTokens = f.getInt("mobiroute.calibration_tokens", 0);
    r->objective = f.getString("mobiroute.objective", "");
    try {
        r->granularity = parseRouteGranularity(f.getString("mobiroute.granularity", "block"),
                                               "mobiroute.granularity");
    } catch (const EngineError& e) {
        throw FormatError(path, e.what());
    }
    const int K = static_cast<int>(bits.size());
    const int per = r->routersPerBlock();
    const std::array<int, kLinearsPerBlock> widths = linearInputWidths(c);
    auto need = [&](const std::string& name, std::vector<int64_t> shape) {
        const GgufTensorInfo* ti = f.findTensor(name);
        if (!ti) throw FormatError(path, "router tensor " + name + " is missing");
        if (ti->dtype != DType::F32 || ti->shape != shape) {
            Tensor want, got;
            want.shape = shape;
            got.shape = ti->shape;
            throw FormatError(path, "router tensor " + name + " is " + dtypeName(ti->dtype) + " " +
                                        got.shapeString() + ", expected F32 " + want.shapeString() +
                                        " (routers do not match this model)");
        }
        used.insert(name);
        return f.tensor(*ti).toF32();
    };
    const size_t nRouters = static_cast<size_t>(c.nLayers) * per;
    const RouteGranularity g = r->granularity;
    for (size_t l = 0; l < nRouters; ++l) {
        RouterMlp m;
        m.in = per == 1 ? c.dim : widths[l % kLinearsPerBlock];
        m.hidden = static_cast<int>(hidden);
        m.out = K - 1;
        m.w1 = need(routerName(g, l, "fc1.weight"), {hidden, m.in});
        m.b1 = need(routerName(g, l, "fc1.bias"), {hidden});
        m.w2 = need(routerName(g, l, "fc2.weight"), {K - 1, hidden});
        m.b2 = need(routerName(g, l, "fc2.bias"), {K - 1});
        r->routers.push_back(std::move(m));
    }
    const int64_t rows = static_cast<int64_t>(nRouters) + 1;
    const GgufTensorInfo* bt = f.findTensor("mobiroute.budget");
    if (!bt) throw FormatError(path, "router tensor mobiroute.budget is missing");
    if (bt->shape.size() != 2 || bt->shape[0] != rows || bt->shape[1] < 3 || bt->shape[1] > 1 << 20)
        throw FormatError(path, "mobiroute.budget must be [" + std::to_string(rows) +
                                    ", points >= 3] (routers do not match this model)");
    const int P = static_cast<int>(bt->shape[1]);
    const std::vector<float> table = need("mobiroute.budget", {rows, P});
    try {
        r->global = BudgetTable::fromEntries(
            r->levelBits, std::vector<float>(table.begin(), table.begin() + P), "global table");
        for (size_t l = 0; l < nRouters; ++l)
            r->perLayer.push_back(BudgetTable::fromEntries(
                r->levelBits,
                std::vector<float>(table.begin() + static_cast<long>((l + 1) * size_t(P)),
                                   table.begin() + static_cast<long>((l + 2) * size_t(P))),
                "table of router " + std::to_string(l)));
    } catch (const FormatError&) {
        throw;
    } catch (const EngineError& e) {
        throw FormatError(path, std::string("mobiroute.budget: ") + e.what());
    }
    r->validate(c, s, path);
    return r;
}

} // namespace mobi
