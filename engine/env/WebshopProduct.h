// One WebShop product as engine.py's load_products leaves it: the fields the
// pages show (Title, Price, Rating, options, Description, BulletPoints,
// Reviews) and the fields the reward reads (name, query, product_category,
// Attributes, pricing).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mobi {

struct WebshopReview {
    std::string title;
    std::string score; // as the data gives it ("5", "4.0")
    std::string body;
};

struct WebshopProduct {
    std::string asin;        // upper case, e.g. "B06Y3VLDFB"
    std::string name;        // raw name (reward: product type)
    std::string title;       // "Title" shown on pages
    std::string description; // "Description"
    std::vector<std::string> bulletPoints;
    std::vector<WebshopReview> reviews;
    std::string rating = "N.A."; // "Rating"
    std::string priceTag;        // "Price": "$19.99" or "$19.99 to $27.99"
    std::vector<double> pricing; // one price, or [low, high]
    double price = 100.0;        // the price paid (engine.py generate_product_prices)
    std::string category;
    std::string query;                   // lowercased, trimmed
    std::string productCategory;         // "A › B › C"
    std::vector<std::string> attributes; // "Attributes" (["DUMMY_ATTR"] when none)
    // Option name -> values, in the file's order ("size" -> {"small", ...}).
    std::vector<std::pair<std::string, std::vector<std::string>>> options;
    std::string contents; // the text the search engine indexes
    // Human-written goals that ship with the product (items_human_ins format):
    // instruction, instruction_attributes, instruction_options.
    struct HumanInstruction {
        std::string instruction;
        std::vector<std::string> attributes;
        std::vector<std::string> options;
    };
    std::vector<HumanInstruction> humanInstructions;
};

} // namespace mobi
