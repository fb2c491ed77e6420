// Everything a training run is: model shape and weights, AdamW moments,
// hyper-parameters, data position, tokenizer and metadata. A checkpoint
// stores exactly this.
#pragma once

#include "model/ModelConfig.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "train/AdamW.h"
#include "train/BatchPlanner.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mobi {

struct TrainHyper {
    int64_t steps = 100;     // optimizer steps of the whole run
    int batchTokens = 16384; // tokens per optimizer step (records are whole)
    int microTokens = 4096;  // tokens per forward/backward (gradient accumulation)
    float lr = 1e-3f;
    float minLr = 1e-4f;
    int64_t warmup = 20;
    float clip = 1.0f; // global gradient norm; <= 0 disables
    uint64_t seed = 1;
    AdamWOptions adam;
};

struct TrainState {
    ModelConfig config;
    TrainHyper hyper;
    std::vector<float> weights, m, v;
    int64_t step = 0; // optimizer steps done
    DataCursor cursor;
    uint64_t dataFingerprint = 0;
    std::shared_ptr<SentencePieceTokenizer> tokenizer;
    std::map<std::string, std::string> metadata; // GGUF string keys to write
};

} // namespace mobi
