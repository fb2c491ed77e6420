// BM25 retrieval as WebShop runs it: pyserini's LuceneSearcher over the
// products' "contents" text with its defaults k1 = 0.9, b = 0.4, i.e. Lucene's
// BM25Similarity:
//   score(q, d) = sum over distinct query terms t of
//                 count(t in q) * idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl))
//   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)),  avgdl = total terms / N.
// Lucene stores each document's length dl in one byte (SmallFloat.intToByte4:
// exact below 24, then 4 significant bits); lossyLengths (the default) scores
// with that decoded length as Lucene does. N and avgdl count the documents
// with at least one term. The arithmetic is Lucene's (float per-term scores
// weight - weight / (1 + tf / (k1 (1 - b + b dl / avgdl))), summed in double,
// rounded to float), so equal scores tie as in Lucene: the lower document
// number first. Only documents holding at least one query term are hits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mobi {

struct Bm25Hit {
    size_t doc = 0;
    double score = 0;
};

class Bm25Index {
  public:
    explicit Bm25Index(double k1 = 0.9, double b = 0.4, bool lossyLengths = true)
        : k1_(k1), b_(b), lossy_(lossyLengths) {}

    // Analyzes `text` (Bm25Analyzer::analyze) and adds it as the next document.
    size_t add(std::string_view text);
    // Adds an already analyzed document.
    size_t addTerms(const std::vector<std::string>& terms);

    // The best `k` documents for the analyzed query, best first.
    std::vector<Bm25Hit> search(std::string_view query, size_t k) const;
    std::vector<Bm25Hit> searchTerms(const std::vector<std::string>& queryTerms, size_t k) const;

    size_t size() const { return lengths_.size(); }
    size_t docFreq(const std::string& term) const;
    size_t length(size_t doc) const { return lengths_.at(doc); }
    double averageLength() const;
    // Lucene's one-byte length code and its decoding (SmallFloat).
    static uint8_t encodeLength(uint32_t length);
    static uint32_t decodeLength(uint8_t code);

  private:
    struct Posting {
        size_t doc;
        uint32_t tf;
    };
    double k1_;
    double b_;
    bool lossy_;
    std::unordered_map<std::string, std::vector<Posting>> postings_;
    std::vector<uint32_t> lengths_;
    uint64_t totalTerms_ = 0;
};

} // namespace mobi
