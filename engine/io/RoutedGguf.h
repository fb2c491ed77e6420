// MoBiRoute routers and budget tables inside a (sliced) GGUF.
//
//  blk.N.router.fc1.weight  F32 [hidden, in]    blk.N.router.fc1.bias F32 [hidden]
//  blk.N.router.fc2.weight  F32 [K-1, hidden]   blk.N.router.fc2.bias F32 [K-1]
//    (per-linear routers: blk.N.router.LINEAR.fc1.weight ..., LINEAR one of
//    attn_q attn_k attn_v attn_output ffn_gate ffn_up ffn_down, `in` that
//    linear's input width; per-block routers read the dim-wide block input)
//  mobiroute.budget         F32 [1 + routers, points]: row 0 the global table,
//                           row 1 + r router r's; entry i is the threshold for
//                           an average of bits(1) + (bits(K) - bits(1)) i / (points - 1)
//  metadata mobiroute.version, .level_bits, .hidden, .calibration_tokens, .objective,
//           .granularity ("block" when absent, or "linear")
#pragma once

#include "core/Tensor.h"
#include "model/ModelConfig.h"
#include "route/RouterSet.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace mobi {

class GgufFile;
struct SliceConfig;

constexpr uint32_t kMobirouteVersion = 1;

bool hasRouterMetadata(const GgufFile& f);
// True for tensor names this layout owns.
bool isRouterTensorName(const std::string& name);

// Owned F32 tensors (named as above) holding `r`.
std::vector<Tensor> routerTensors(const RouterSet& r);

// Reads and validates the routers against the model config and slices;
// inserts the names it read into `used`. Throws FormatError naming the file
// (UnsupportedError for a newer mobiroute.version).
std::shared_ptr<const RouterSet> readRouterSet(const GgufFile& f, const ModelConfig& c,
                                               const SliceConfig& s, std::set<std::string>& used);

} // namespace mobi
