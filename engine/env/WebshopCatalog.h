// The WebShop product catalogue: products from a JSON-lines file in
// pyserini's document format ({"id", "contents", "product": {...}}, the
// format of shared/data/webshop/documents_100.jsonl), with the BM25 index
// over "contents" that WebShop's search page queries.
//
// Each "product" is taken as engine.py's load_products leaves it (Title,
// Description, BulletPoints, Price, pricing, options, Attributes, Reviews,
// Rating); a record with only the raw scraped fields (name, full_description,
// small_description, pricing as "$a$b", customization_options) is cleaned the
// way load_products cleans it. Records with asin "nan", an asin longer than
// 10 characters, or a repeated asin are skipped as load_products skips them.
// The price paid for a product with a price range is drawn uniformly from the
// range with a seeded generator (WebShop draws it with Python's unseeded
// random.uniform).
#pragma once

#include "env/Bm25Index.h"
#include "env/WebshopProduct.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mobi {

class WebshopCatalog {
  public:
    // WebShop's search returns at most this many products (SEARCH_RETURN_N).
    static constexpr size_t kSearchReturn = 50;

    // Throws FormatError naming the file and line for malformed JSON, a record
    // that is not an object, a missing or mistyped field, and for a file
    // without any product (an empty catalogue).
    static WebshopCatalog load(const std::string& path, uint64_t priceSeed = 0);
    static WebshopCatalog parse(std::string_view jsonl, const std::string& source,
                                uint64_t priceSeed = 0);

    const std::vector<WebshopProduct>& products() const { return products_; }
    size_t size() const { return products_.size(); }
    // nullptr when the asin (any case) is not in the catalogue.
    const WebshopProduct* find(std::string_view asin) const;
    // Product indices for the keywords, best first (at most kSearchReturn).
    std::vector<size_t> search(std::string_view keywords) const;
    const Bm25Index& index() const { return index_; }

  private:
    std::vector<WebshopProduct> products_;
    std::unordered_map<std::string, size_t> byAsin_;
    Bm25Index index_;
};

} // namespace mobi
