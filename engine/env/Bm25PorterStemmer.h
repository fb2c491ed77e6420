// Porter's stemming algorithm (M. F. Porter, 1980, as in his reference C
// implementation and Lucene's PorterStemFilter, including the two known
// departures: "bli" -> "ble" and "logi" -> "log" in step 2). Used by the
// BM25 analyzer so that "shoes" and "shoe" meet in the index as Anserini's
// default English analyzer makes them meet. Words of two letters or fewer are
// left alone. Input is one lowercase token.
#pragma once

#include <string>

namespace mobi {

class Bm25PorterStemmer {
  public:
    static std::string stem(const std::string& word);
};

} // namespace mobi
