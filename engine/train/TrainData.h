// Training records (format 2 of the agent contract): JSONL lines
// {"text": ..., "loss": [[b, e], ...]}, tokenized with BOS first; a token
// carries loss iff its first byte lies in a loss range (every token when the
// record has no "loss" key).
#pragma once

#include "tokenizer/Tokenizer.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mobi {

struct TextRecord {
    std::string text;
    std::vector<std::pair<int64_t, int64_t>> loss; // half-open byte ranges
    bool lossEverywhere = true;                    // no "loss" key
};

// Reads one JSONL file; blank lines are skipped. Throws FormatError naming
// "path:line" for a line that is not a JSON object with a string "text", or
// whose "loss" is not a list of [begin, end] pairs within the text.
std::vector<TextRecord> readTrainingJsonl(const std::string& path);

struct TokenizedRecord {
    std::vector<int> tokens;   // BOS first
    std::vector<uint8_t> loss; // loss[i]: token i is a target (never the BOS)
};

struct TrainDataset {
    std::vector<TokenizedRecord> records;
    int64_t tokens = 0; // in the kept records
    int64_t lossTokens = 0;
    int skippedLong = 0;        // longer than the context
    int skippedNoLoss = 0;      // no token inside a loss range
    int skippedUndecodable = 0; // tokens do not decode back to the text
    uint64_t fingerprint = 0;   // of the kept tokens and masks (checkpoints check it)
};

TrainDataset tokenizeRecords(const std::vector<TextRecord>& texts, const Tokenizer& tok,
                             int context);

} // namespace mobi
