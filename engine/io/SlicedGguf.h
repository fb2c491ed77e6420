// MoBiSlice tensors and `mobiquant.*` metadata inside a GGUF: names and the
// reader that rebuilds a SlicedModel from them.
#pragma once

#include "model/ModelConfig.h"
#include "quant/SlicedModel.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>

namespace mobi {

class GgufFile;

// Layout version written as mobiquant.version.
constexpr uint32_t kMobiquantVersion = 1;

// Tensors of the sliced linear `base` (e.g. "blk.3.attn_q"):
//  base.plane.P  I32 [rows, 2 * ceil(cols / 64)]: bit-plane P (0 = MSB of
//                slice 1) as little-endian 64-bit words, row-major;
//  base.scale.S  F16 [rows, ceil(cols / group)]: slice S's step (S = 0 only
//  base.min.S    F16 [rows, ceil(cols / group)]  in nested mode).
std::string slicedPlaneName(const std::string& base, int plane);
std::string slicedScaleName(const std::string& base, int slice);
std::string slicedMinName(const std::string& base, int slice);

// True when the file has mobiquant.* metadata.
bool hasSlicedMetadata(const GgufFile& f);

// Reads the SliceConfig and every block's sliced linears (shapes from the
// config c), validating metadata, tensor presence, dtype and exact shape;
// inserts the names it read into `used`. Throws FormatError naming the file
// (UnsupportedError for a newer mobiquant.version). Tensors keep the file's
// map alive.
std::shared_ptr<const SlicedModel> readSlicedModel(const GgufFile& f, const ModelConfig& c,
                                                   std::set<std::string>& used);

// True for a tensor name that belongs to a sliced linear (.plane./.scale./.min.).
bool isSlicedTensorName(const std::string& name);

} // namespace mobi
