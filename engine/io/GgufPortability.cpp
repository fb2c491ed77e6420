#include "io/GgufPortability.h"

#include "io/GgufFile.h"
#include "io/RoutedGguf.h"
#include "io/SlicedGguf.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace mobi {

namespace {

const char* const kBlockTensors[] = {
    "attn_norm.weight",   "attn_q.weight",      "attn_k.weight",   "attn_v.weight",
    "attn_output.weight", "attn_q.bias",        "attn_k.bias",     "attn_v.bias",
    "attn_q_norm.weight", "attn_k_norm.weight", "ffn_norm.weight", "ffn_gate.weight",
    "ffn_up.weight",      "ffn_down.weight",
};
const char* const kBlockLinears[] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                     "ffn_gate", "ffn_up", "ffn_down"};

// Weight types llama.cpp computes with (mobiscope's GGUF reader admits no
// other float or quantized type).
bool isWeightType(uint32_t ggmlType) {
    return ggmlType == ggml::F32 || ggmlType == ggml::F16 || ggmlType == ggml::BF16 ||
           ggmlType == ggml::Q8_0;
}

// "what NAME (and N more)" for the names of one kind.
std::string phrase(const std::string& what, const std::vector<std::string>& names) {
    const size_t more = names.size() - 1;
    return what + " " + names.front() + (more ? " (and " + std::to_string(more) + " more)" : "");
}

} // namespace

bool isStandardTensorName(const std::string& n, int blocks) {
    if (n == "token_embd.weight" || n == "output_norm.weight" || n == "output.weight" ||
        n == "rope_freqs.weight")
        return true;
    if (n.rfind("blk.", 0) != 0) return false;
    size_t i = 4;
    long block = 0;
    while (i < n.size() && std::isdigit(static_cast<unsigned char>(n[i])) && i < 12)
        block = block * 10 + (n[i++] - '0');
    if (i == 4 || i >= n.size() || n[i] != '.' || (n[4] == '0' && i > 5) || block >= blocks)
        return false;
    const std::string rest = n.substr(i + 1);
    for (const char* t : kBlockTensors)
        if (rest == t) return true;
    return false;
}

GgufPortability checkGgufPortability(const GgufFile& f) {
    GgufPortability p;
    bool planes = hasSlicedMetadata(f), routers = hasRouterMetadata(f);
    const std::string arch = f.getString("general.architecture", "");
    const std::string blockKey = arch + ".block_count";
    const int64_t declared = f.has(blockKey) ? f.getInt(blockKey) : 0;
    const int blocks = static_cast<int>(std::clamp<int64_t>(declared, 0, 1 << 16));
    std::vector<std::string> unknown, badType, missing;
    for (const GgufTensorInfo& ti : f.tensorInfos()) {
        if (isSlicedTensorName(ti.name) && ti.name.rfind("blk.", 0) == 0)
            planes = true;
        else if (isRouterTensorName(ti.name))
            routers = true;
        else if (!isStandardTensorName(ti.name, blocks))
            unknown.push_back(ti.name);
        else if (!isWeightType(ti.ggmlType))
            badType.push_back(ti.name);
    }
    if (planes) p.needsMobiscope.push_back("MoBiSlice bit-planes");
    if (routers) p.needsMobiscope.push_back("MoBiRoute routers");
    if (!unknown.empty()) p.problems.push_back(phrase("non-standard tensor", unknown));
    if (!badType.empty()) p.problems.push_back(phrase("integer-typed tensor", badType));
    // A sliced file holds its linears as planes (already said).
    for (int l = 0; l < blocks && !planes; ++l)
        for (const char* lin : kBlockLinears) {
            const std::string name = "blk." + std::to_string(l) + "." + lin + ".weight";
            if (!f.hasTensor(name)) missing.push_back(name);
        }
    if (!missing.empty()) p.problems.push_back(phrase("missing tensor", missing));
    return p;
}

} // namespace mobi
