// Per block, level and token: how much the model's next-token distribution
// moves when that block alone runs at the level (every token) and all other
// blocks at the top level. Unlike the block-local errors it includes what a
// block's error does downstream (later blocks, and later tokens reading its
// keys and values), at the price of one forward per block and level.
#pragma once

#include "model/Model.h"
#include "route/BlockErrors.h"
#include "route/ErrorTable.h"

#include <vector>

namespace mobi {

// Units = blocks; err = KL(p_reference || p_block-at-level) in nats, for
// every token of the chunks measureBlockErrors uses (same order), so that
// rows line up with BlockErrors::routerInput. Throws EngineError for a dense
// candidate, mismatched vocabularies, too few tokens or cancellation.
ErrorTable measureOutputKl(const Model& reference, const Model& candidate,
                           const std::vector<int>& tokens, const BlockErrorOptions& options);

} // namespace mobi
