// Training checkpoints: DIR/checkpoint.bin holds a TrainState (shape, step,
// data cursor, hyper-parameters, tokenizer, metadata, weights and AdamW
// moments) in a little-endian binary format: magic "MOBITRN\0", version,
// fields, and an FNV-1a checksum of everything before it. Written to a
// temporary file and renamed, so a crash never leaves a partial checkpoint.
#pragma once

#include "train/TrainState.h"

#include <string>

namespace mobi {

std::string checkpointPath(const std::string& dir);
// Creates dir when missing. Throws EngineError on I/O failure (the previous
// checkpoint, if any, is left as it was).
void saveCheckpoint(const TrainState& state, const std::string& dir);
// Throws EngineError/FormatError naming the file: missing, not a checkpoint,
// another version, truncated, checksum mismatch or inconsistent sizes.
TrainState loadCheckpoint(const std::string& dir);

} // namespace mobi
