// Between training states and engine models: export as a `llama` GGUF
// (standard keys and tensor names, the tokenizer inside, the state's
// metadata as string keys) and import an existing model as a start.
#pragma once

#include "core/DType.h"
#include "model/Model.h"
#include "train/TrainState.h"

#include <memory>
#include <string>

namespace mobi {

// The tokenizer the trainer and the exported GGUF share: a SentencePiece
// vocabulary in GGUF form (LlamaCpp flavour; llama2.c pieces are converted as
// the GGUF writer converts them). Throws UnsupportedError for other kinds.
std::shared_ptr<SentencePieceTokenizer> trainingTokenizer(const Tokenizer& tok);

// An engine model (F32 tensors owning copies of the weights).
Model trainedModel(const TrainState& state);
// Writes OUT.gguf with matrices as F32 or F16; metadata keys go in as
// strings (general.name sets the model's name).
void exportTrainedGguf(const TrainState& state, const std::string& path, DType matrixType);

// Takes config, weights (any stored dtype, as F32), tokenizer and the
// mobiscope.* metadata of `model`; the state's hyper-parameters are kept and
// its optimizer state reset. A positive context overrides the model's.
// Throws EngineError naming the model when it cannot be trained here.
void importModel(const Model& model, int context, TrainState& state);

} // namespace mobi
