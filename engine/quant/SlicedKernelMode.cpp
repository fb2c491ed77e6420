#include "quant/SlicedKernelMode.h"

#include "core/Error.h"

#include <cstdlib>

namespace mobi {

const char* slicedKernelModeName(SlicedKernelMode m) {
    return m == SlicedKernelMode::Int8Act ? "int8" : "float";
}

SlicedKernelMode parseSlicedKernelMode(const std::string& s, const std::string& where) {
    if (s == "float" || s == "f32") return SlicedKernelMode::Float;
    if (s == "int8" || s == "int8act") return SlicedKernelMode::Int8Act;
    throw EngineError(where, "unknown activation mode '" + s + "' (expected float or int8)");
}

SlicedKernelMode defaultSlicedKernelMode() {
    const char* env = std::getenv("MOBISCOPE_SLICED_ACT");
    return env && *env ? parseSlicedKernelMode(env, "MOBISCOPE_SLICED_ACT")
                       : SlicedKernelMode::Float;
}

} // namespace mobi
