// Which arithmetic the sliced kernels use for the activations.
#pragma once

#include <cstdint>
#include <string>

namespace mobi {

//  Float:   float activations (the default): agrees with a dense product on
//           the dequantized weights to float rounding.
//  Int8Act: activations quantized per weight group to int8 (symmetric absmax,
//           d_g = max|x_j| / 127, q_j = round(x_j / d_g)) and integer dot
//           products with the weight codes; agrees with a dense product of the
//           dequantized weights and the dequantized activations d_g q_j to float
//           rounding, and with Float up to the activation rounding.
enum class SlicedKernelMode : uint8_t { Float, Int8Act };

const char* slicedKernelModeName(SlicedKernelMode m);
// "float" / "int8" (also "f32", "int8act"); throws EngineError naming `where`.
SlicedKernelMode parseSlicedKernelMode(const std::string& s, const std::string& where = "--act");
// What a Transformer starts with: env MOBISCOPE_SLICED_ACT (float|int8) when
// set, else Float. Throws EngineError for another value.
SlicedKernelMode defaultSlicedKernelMode();

} // namespace mobi
