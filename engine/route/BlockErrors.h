// Per token, block and level: how far a sliced (or otherwise quantized)
// block's output lies from full precision when both read the same
// full-precision input. What the routers are calibrated on and what outlier
// migration ranks tokens by.
#pragma once

#include "model/Model.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace mobi {

struct BlockErrorOptions {
    int ctx = 0;     // chunk length; 0 = the model's trained context
    int bos = 1;     // first token of every chunk (llama.cpp's protocol)
    int threads = 0; // 0 = all cores
    // Keep the normalized block inputs (router inputs) of every token.
    bool keepRouterInputs = false;
    const std::atomic<bool>* cancel = nullptr;
    // progress(chunks done, chunks total)
    std::function<void(int, int)> progress;
};

struct BlockErrors {
    int nLayers = 0, nLevels = 0, nTokens = 0, dim = 0;
    std::vector<int> tokens;    // ids as measured (BOS at every chunk start)
    std::vector<int> positions; // position of each token in its chunk
    // e_res = ||y_k - y||^2 / ||y||^2 with y the reference block output
    // (the residual stream after the block): the error the block adds to the
    // residual stream, additive across blocks to first order.
    std::vector<float> residualErr; // [(layer * nLevels + level - 1) * nTokens + token]
    // e_abs = ||y_k - y||^2 / mean over tokens of ||y||^2 (that block's):
    // the same error without the per-token normalisation, so tokens with a
    // large residual stream (e.g. the attention-sink BOS) keep their weight.
    std::vector<float> absoluteErr; // same indexing
    // e_upd = ||y_k - y|| / ||y - x||: relative error of what the block
    // computes (its update to the residual stream); the sensitivity that
    // outlier analysis ranks tokens by.
    std::vector<float> updateErr; // same indexing
    // Reference normalized block inputs (attention-norm output), when kept.
    std::vector<float> routerInput; // [(layer * nTokens + token) * dim]
    // Per channel of the reference normalized block input: mean |x| and
    // max |x| over all tokens.
    std::vector<float> channelMeanAbs, channelMaxAbs; // [layer * dim + channel]

    size_t index(int layer, int level, int token) const {
        return (static_cast<size_t>(layer) * nLevels + (level - 1)) * nTokens + token;
    }
    float residual(int layer, int level, int token) const {
        return residualErr[index(layer, level, token)];
    }
    float absolute(int layer, int level, int token) const {
        return absoluteErr[index(layer, level, token)];
    }
    float update(int layer, int level, int token) const {
        return updateErr[index(layer, level, token)];
    }
};

// Splits `tokens` into chunks of ctx (the first of each replaced by BOS, a
// shorter last chunk kept when it has at least 2 tokens), runs `reference`
// (a dense model, or a sliced one at its top level) over each, and then
// every block of `candidate` alone, at each of its levels (a dense candidate
// has one), on the reference block inputs. Throws EngineError when the two
// models' shapes differ or there is nothing to measure; CancelledError-like
// EngineError("block errors", "cancelled") when *cancel turns true.
BlockErrors measureBlockErrors(const Model& reference, const Model& candidate,
                               const std::vector<int>& tokens, const BlockErrorOptions& options);

} // namespace mobi
