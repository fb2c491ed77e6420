#include "train/TrainData.h"

#include "core/Error.h"
#include "util/Json.h"

#include <fstream>
#include <sstream>

namespace mobi {

namespace {

std::vector<std::pair<int64_t, int64_t>> lossRanges(const Json& v, size_t textBytes,
                                                    const std::string& where) {
    if (!v.isArray()) throw FormatError(where, "\"loss\" must be a list of [begin, end] pairs");
    std::vector<std::pair<int64_t, int64_t>> out;
    for (const Json& r : v.asArray()) {
        if (!r.isArray() || r.asArray().size() != 2)
            throw FormatError(where, "\"loss\" must be a list of [begin, end] pairs");
        const auto b = r.asArray()[0].asInteger(), e = r.asArray()[1].asInteger();
        if (!b || !e || *b < 0 || *e < *b || *e > static_cast<int64_t>(textBytes))
            throw FormatError(where, "loss range is not whole byte offsets 0 <= begin <= end <= " +
                                         std::to_string(textBytes) + " (the text's length)");
        out.emplace_back(*b, *e);
    }
    return out;
}

uint64_t fnv(uint64_t h, uint64_t x) {
    for (int i = 0; i < 8; ++i) {
        h ^= (x >> (8 * i)) & 0xFF;
        h *= 0x100000001B3ull;
    }
    return h;
}

} // namespace

std::vector<TextRecord> readTrainingJsonl(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EngineError(path, "cannot open the training data");
    std::vector<TextRecord> out;
    std::string line;
    int64_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(lineNo);
        const Json j = Json::parse(line, where);
        const Json* text = j.find("text");
        if (!j.isObject() || !text || !text->isString())
            throw FormatError(where, "a record must be a JSON object with a string \"text\"");
        TextRecord r;
        r.text = text->asString();
        if (const Json* loss = j.find("loss")) {
            r.loss = lossRanges(*loss, r.text.size(), where);
            r.lossEverywhere = false;
        }
        out.push_back(std::move(r));
    }
    if (in.bad()) throw EngineError(path, "read error");
    return out;
}

TrainDataset tokenizeRecords(const std::vector<TextRecord>& texts, const Tokenizer& tok,
                             int context) {
    TrainDataset d;
    d.fingerprint = 0xCBF29CE484222325ull;
    for (const TextRecord& r : texts) {
        TokenizedRecord t;
        t.tokens = tok.encode(r.text, true);
        if (static_cast<int>(t.tokens.size()) > context) {
            ++d.skippedLong;
            continue;
        }
        // Byte offset of each token: the decoded pieces concatenated.
        const bool bos = !t.tokens.empty() && t.tokens[0] == tok.bos() && tok.bos() >= 0;
        std::string decoded;
        std::vector<int64_t> start(t.tokens.size(), 0);
        for (size_t i = bos ? 1 : 0; i < t.tokens.size(); ++i) {
            start[i] = static_cast<int64_t>(decoded.size());
            decoded += tok.decodeToken(i ? t.tokens[i - 1] : -1, t.tokens[i]);
        }
        if (decoded != r.text) {
            ++d.skippedUndecodable;
            continue;
        }
        t.loss.assign(t.tokens.size(), 0);
        int64_t n = 0;
        for (size_t i = 1; i < t.tokens.size(); ++i) {
            bool in = r.lossEverywhere;
            for (const auto& [b, e] : r.loss)
                in = in || (start[i] >= b && start[i] < e);
            t.loss[i] = in;
            n += in;
        }
        if (n == 0) {
            ++d.skippedNoLoss;
            continue;
        }
        for (size_t i = 0; i < t.tokens.size(); ++i)
            d.fingerprint = fnv(d.fingerprint, uint64_t(t.tokens[i]) * 2 + t.loss[i]);
        d.fingerprint = fnv(d.fingerprint, ~0ull);
        d.tokens += static_cast<int64_t>(t.tokens.size());
        d.lossTokens += n;
        d.records.push_back(std::move(t));
    }
    return d;
}

} // namespace mobi
