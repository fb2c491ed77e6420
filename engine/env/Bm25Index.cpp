#include "env/Bm25Index.h"

#include "env/Bm25Analyzer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>

namespace mobi {

namespace {

// SmallFloat.longToInt4 / int4ToLong: 3 mantissa bits after the implicit one.
uint32_t longToInt4(uint64_t i) {
    const int numBits = 64 - std::countl_zero(i);
    if (numBits < 4) return static_cast<uint32_t>(i); // subnormal
    const int shift = numBits - 4;
    uint32_t encoded = static_cast<uint32_t>(i >> shift) & 0x07u;
    encoded |= static_cast<uint32_t>(shift + 1) << 3;
    return encoded;
}

uint64_t int4ToLong(uint32_t i) {
    const uint64_t bits = i & 0x07u;
    const int shift = static_cast<int>(i >> 3) - 1;
    return shift == -1 ? bits : (bits | 0x08u) << shift;
}

const uint32_t kNumFreeValues = 255 - longToInt4(0x7FFFFFFFu); // 24

} // namespace

uint8_t Bm25Index::encodeLength(uint32_t length) {
    if (length < kNumFreeValues) return static_cast<uint8_t>(length);
    return static_cast<uint8_t>(kNumFreeValues + longToInt4(length - kNumFreeValues));
}

uint32_t Bm25Index::decodeLength(uint8_t code) {
    if (code < kNumFreeValues) return code;
    return static_cast<uint32_t>(kNumFreeValues + int4ToLong(code - kNumFreeValues));
}

size_t Bm25Index::add(std::string_view text) {
    return addTerms(Bm25Analyzer::analyze(text));
}

size_t Bm25Index::addTerms(const std::vector<std::string>& terms) {
    const size_t doc = lengths_.size();
    std::map<std::string, uint32_t> tf;
    for (const std::string& t : terms)
        ++tf[t];
    for (const auto& [term, n] : tf)
        postings_[term].push_back({doc, n});
    lengths_.push_back(static_cast<uint32_t>(terms.size()));
    totalTerms_ += terms.size();
    return doc;
}

size_t Bm25Index::docFreq(const std::string& term) const {
    const auto it = postings_.find(term);
    return it == postings_.end() ? 0 : it->second.size();
}

double Bm25Index::averageLength() const {
    return lengths_.empty() ? 0.0 : double(totalTerms_) / double(lengths_.size());
}

std::vector<Bm25Hit> Bm25Index::search(std::string_view query, size_t k) const {
    return searchTerms(Bm25Analyzer::analyze(query), k);
}

std::vector<Bm25Hit> Bm25Index::searchTerms(const std::vector<std::string>& queryTerms,
                                            size_t k) const {
    std::map<std::string, int> counts;
    for (const std::string& t : queryTerms)
        ++counts[t];
    // Lucene's arithmetic: statistics over documents that have the field,
    // per-term scores in float, summed in double, the sum rounded to float.
    size_t docCount = 0;
    for (uint32_t len : lengths_)
        docCount += len > 0 ? 1 : 0;
    const float avgdl = docCount ? float(double(totalTerms_) / double(docCount)) : 1.0f;
    const float k1 = float(k1_);
    const float b = float(b_);
    std::vector<double> score(lengths_.size(), 0.0);
    std::vector<char> hit(lengths_.size(), 0);
    for (const auto& [term, count] : counts) {
        const auto it = postings_.find(term);
        if (it == postings_.end()) continue;
        const double df = double(it->second.size());
        const float idf = float(std::log(1.0 + (double(docCount) - df + 0.5) / (df + 0.5)));
        const float weight = float(count) * idf;
        for (const Posting& p : it->second) {
            const uint32_t len =
                lossy_ ? decodeLength(encodeLength(lengths_[p.doc])) : lengths_[p.doc];
            const float normInverse = 1.0f / (k1 * ((1 - b) + b * float(len) / avgdl));
            const float tf = float(p.tf);
            score[p.doc] += double(weight - weight / (1.0f + tf * normInverse));
            hit[p.doc] = 1;
        }
    }
    std::vector<Bm25Hit> hits;
    for (size_t d = 0; d < score.size(); ++d)
        if (hit[d]) hits.push_back({d, double(float(score[d]))});
    std::stable_sort(hits.begin(), hits.end(),
                     [](const Bm25Hit& x, const Bm25Hit& y) { return x.score > y.score; });
    if (hits.size() > k) hits.resize(k);
    return hits;
}

} // namespace mobi
