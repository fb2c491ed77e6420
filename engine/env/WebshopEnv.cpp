#include "env/WebshopEnv.h"

#include "core/Error.h"
#include "env/WebshopText.h"
#include "util/Json.h"

#include <algorithm>

namespace mobi {

namespace {

const char* const kBackToSearch = "back to search";
const char* const kPrev = "< prev";
const char* const kNext = "next >";
const char* const kBuyNow = "buy now";

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// Visible texts joined as text mode joins them (each stripped; empty ones
// left out).
std::string joinTexts(const std::vector<std::string>& texts) {
    std::string out;
    for (const std::string& t : texts) {
        const std::string s = trim(t);
        if (s.empty()) continue;
        if (!out.empty()) out += " [SEP] ";
        out += s;
    }
    return out;
}

std::vector<std::string> splitSpaces(const std::string& s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (true) {
        const size_t next = s.find(' ', pos);
        out.push_back(s.substr(pos, next == std::string::npos ? next : next - pos));
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return out;
}

std::string lowerAscii(std::string s) {
    return WebshopText::lower(s);
}

} // namespace

WebshopEnv::WebshopEnv(std::shared_ptr<const WebshopCatalog> catalog, WebshopGoal goal,
                       size_t goalIndex, int maxSteps)
    : catalog_(std::move(catalog)), goal_(std::move(goal)), goalIndex_(goalIndex),
      maxSteps_(maxSteps) {
    if (!catalog_) throw EngineError("webshop", "no product catalogue");
    if (maxSteps_ < 1) throw EngineError("webshop", "the step limit must be at least 1");
    reset();
}

std::string WebshopEnv::reset() {
    page_ = Page::Search;
    keywords_.clear();
    results_.clear();
    resultPage_ = 1;
    product_ = nullptr;
    options_.clear();
    visited_.clear();
    steps_ = 0;
    done_ = false;
    reward_ = 0;
    rewardParts_ = {};
    render();
    return observation_;
}

const WebshopProduct* WebshopEnv::currentProduct() const {
    return product_;
}

void WebshopEnv::runSearch(const std::string& keywords, int pageNo) {
    keywords_ = splitSpaces(keywords);
    std::string joined;
    for (size_t i = 0; i < keywords_.size(); ++i)
        joined += (i ? " " : "") + keywords_[i];
    results_ = catalog_->search(joined);
    showResults(pageNo);
}

void WebshopEnv::showResults(int pageNo) {
    resultPage_ = pageNo;
    product_ = nullptr;
    options_.clear();
    page_ = Page::Results;
}

std::vector<std::string> WebshopEnv::clickables() const {
    std::vector<std::string> out;
    switch (page_) {
    case Page::Search:
        out.push_back("search");
        break;
    case Page::Results: {
        out.push_back(kBackToSearch);
        if (resultPage_ > 1) out.push_back(kPrev);
        if (size_t(resultPage_) * kPageSize < results_.size()) out.push_back(kNext);
        const size_t begin = std::min(results_.size(), (size_t(resultPage_) - 1) * kPageSize);
        const size_t end = std::min(results_.size(), size_t(resultPage_) * kPageSize);
        for (size_t i = begin; i < end; ++i)
            out.push_back(lowerAscii(catalog_->products()[results_[i]].asin));
        break;
    }
    case Page::Item:
        out.insert(out.end(),
                   {kBackToSearch, kPrev, "description", "features", "reviews", kBuyNow});
        for (const auto& [name, values] : product_->options)
            for (const std::string& v : values)
                if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
        break;
    case Page::Description:
    case Page::Features:
    case Page::Reviews:
        out.insert(out.end(), {kBackToSearch, kPrev});
        break;
    case Page::Done:
        break;
    }
    return out;
}

std::vector<std::string> WebshopEnv::admissibleCommands() const {
    std::vector<std::string> out;
    if (done_) return out;
    if (page_ == Page::Search) {
        out.push_back(kSearchMarker);
        return out;
    }
    for (const std::string& c : clickables())
        out.push_back("click[" + c + "]");
    return out;
}

EnvStep WebshopEnv::step(const std::string& command) {
    EnvStep r;
    if (done_) {
        r.observation = observation_;
        r.done = true;
        return r;
    }
    ++steps_;
    // parse_action: name[arg]; the argument lower-cased.
    std::string name;
    std::string arg;
    bool parsed = false;
    const size_t open = command.find('[');
    const size_t close = command.rfind(']');
    if (open != std::string::npos && close != std::string::npos && close > open + 1 && open > 0) {
        name = trim(command.substr(0, open));
        arg = lowerAscii(command.substr(open + 1, close - open - 1));
        parsed = true;
    }
    if (parsed && name == "search" && !arg.empty() && page_ == Page::Search) {
        runSearch(arg, 1);
    } else if (parsed && name == "click" && arg != "search") {
        const std::vector<std::string> clicks = clickables();
        if (std::find(clicks.begin(), clicks.end(), arg) != clicks.end()) {
            if (arg == kBuyNow) {
                rewardParts_ = WebshopReward::compute(*product_, goal_, product_->price, options_);
                reward_ = rewardParts_.total;
                page_ = Page::Done;
                done_ = true;
                r.reward = reward_;
                r.won = reward_ >= 1.0 - 1e-9;
            } else if (arg == kBackToSearch) {
                page_ = Page::Search;
                keywords_.clear();
                results_.clear();
                product_ = nullptr;
                options_.clear();
                visited_.clear();
            } else if (arg == kNext && page_ == Page::Results) {
                showResults(resultPage_ + 1);
            } else if (arg == kPrev && page_ == Page::Results) {
                showResults(resultPage_ - 1);
            } else if (arg == kPrev && page_ == Page::Item) {
                showResults(resultPage_);
            } else if (arg == kPrev) {
                page_ = Page::Item; // from a sub page
            } else if (arg == "description") {
                page_ = Page::Description;
            } else if (arg == "features") {
                page_ = Page::Features;
            } else if (arg == "reviews") {
                page_ = Page::Reviews;
            } else if (page_ == Page::Results) {
                product_ = catalog_->find(arg);
                visited_.insert(product_->asin);
                page_ = Page::Item;
            } else if (page_ == Page::Item) {
                // An option value; a value shared by two options selects the
                // last one (WebShop keys clickables by their text).
                std::string optionName;
                for (const auto& [oname, values] : product_->options)
                    if (std::find(values.begin(), values.end(), arg) != values.end())
                        optionName = oname;
                auto it = std::find_if(options_.begin(), options_.end(),
                                       [&](const auto& o) { return o.first == optionName; });
                if (it != options_.end())
                    it->second = arg;
                else
                    options_.emplace_back(optionName, arg);
            }
        }
    }
    render();
    r.observation = observation_;
    if (done_) {
        r.done = true;
    } else if (steps_ >= maxSteps_) {
        done_ = true;
        r.done = true;
    }
    return r;
}

void WebshopEnv::render() {
    std::vector<std::string> t;
    const std::string& instr = goal_.instructionText;
    switch (page_) {
    case Page::Search:
        t = {"WebShop", "Instruction:", instr, "Search"};
        break;
    case Page::Results: {
        t = {"Instruction:", instr, "Back to Search",
             "Page " + std::to_string(resultPage_) +
                 " (Total results: " + std::to_string(results_.size()) + ")"};
        if (resultPage_ > 1) t.push_back("< Prev");
        if (size_t(resultPage_) * kPageSize < results_.size()) t.push_back("Next >");
        const size_t begin = std::min(results_.size(), (size_t(resultPage_) - 1) * kPageSize);
        const size_t end = std::min(results_.size(), size_t(resultPage_) * kPageSize);
        for (size_t i = begin; i < end; ++i) {
            const WebshopProduct& p = catalog_->products()[results_[i]];
            t.insert(t.end(), {p.asin, p.title, p.priceTag});
        }
        break;
    }
    case Page::Item: {
        t = {"Instruction:", instr, "Back to Search", "< Prev"};
        for (const auto& [name, values] : product_->options) {
            t.push_back(name);
            t.insert(t.end(), values.begin(), values.end());
        }
        t.insert(t.end(),
                 {product_->title, "Price: " + product_->priceTag, "Rating: " + product_->rating,
                  "Description", "Features", "Reviews", "Buy Now"});
        break;
    }
    case Page::Description:
        t = {"Instruction:", instr, "Back to Search", "< Prev",
             trim(product_->description).empty() ? "No Description" : product_->description};
        break;
    case Page::Features: {
        t = {"Instruction:", instr, "Back to Search", "< Prev"};
        if (product_->bulletPoints.empty()) t.push_back("No Features");
        t.insert(t.end(), product_->bulletPoints.begin(), product_->bulletPoints.end());
        break;
    }
    case Page::Reviews:
        t = {"Instruction:", instr, "Back to Search", "< Prev"};
        if (product_->reviews.empty()) t.push_back("No reviews found");
        for (const WebshopReview& rv : product_->reviews)
            t.insert(t.end(), {"\"" + rv.title + "\"", rv.score, rv.body});
        break;
    case Page::Done: {
        // Flask's tojson: keys sorted, ", " and ": " separators.
        std::vector<std::pair<std::string, std::string>> sorted = options_;
        std::sort(sorted.begin(), sorted.end());
        std::string opts = "{";
        for (size_t i = 0; i < sorted.size(); ++i) {
            if (i) opts += ", ";
            jsonQuote(opts, sorted[i].first);
            opts += ": ";
            jsonQuote(opts, sorted[i].second);
        }
        opts += "}";
        t = {"Thank you for shopping with us!",
             "Your code:",
             "None",
             "(Paste it in your MTurk interface.)",
             "Purchased",
             "asin",
             product_->asin,
             "options",
             opts,
             "attrs",
             "None",
             "category",
             "None",
             "query",
             "None",
             "product category",
             "None",
             "Target",
             "asin",
             "options",
             "attrs",
             "price upper",
             "instuction text",
             "category",
             "product category",
             "query",
             "Goal",
             "None",
             "Reward",
             "Your score (min 0.0, max 1.0)",
             WebshopText::pyFloat(reward_),
             "Reward Details",
             "None"};
        break;
    }
    }
    observation_ = joinTexts(t);
}

std::string WebshopEnv::expertQuery() const {
    if (!goal_.queries.empty()) return lowerAscii(goal_.queries.front());
    std::string q = goal_.instructionText;
    const size_t p = q.find(", and price lower than");
    if (p != std::string::npos) q.resize(p);
    return lowerAscii(q);
}

// The product the expert heads for: the goal's if the search found it, else
// the best-ranked result.
size_t WebshopEnv::expertTarget() const {
    for (size_t i = 0; i < results_.size(); ++i)
        if (catalog_->products()[results_[i]].asin == goal_.asin) return i;
    return 0;
}

std::optional<std::string> WebshopEnv::expertCommand() const {
    if (done_) return std::nullopt;
    switch (page_) {
    case Page::Search:
        return "search[" + expertQuery() + "]";
    case Page::Results: {
        if (results_.empty()) return std::nullopt;
        const size_t pos = expertTarget();
        const int targetPage = int(pos / kPageSize) + 1;
        if (targetPage > resultPage_) return std::string("click[") + kNext + "]";
        if (targetPage < resultPage_) return std::string("click[") + kPrev + "]";
        return "click[" + lowerAscii(catalog_->products()[results_[pos]].asin) + "]";
    }
    case Page::Item: {
        const WebshopProduct& target = catalog_->products()[results_[expertTarget()]];
        if (product_ != &target) return std::string("click[") + kPrev + "]";
        const bool lastStep = steps_ + 1 >= maxSteps_;
        if (!lastStep) {
            for (const auto& [gname, gvalue] : goal_.goalOptions) {
                // The option (name, value) of this product that the goal asks for:
                // exact value (under the goal's option name when it has one),
                // else the closest value by token_set_ratio above 85.
                std::string bestName, bestValue;
                int bestScore = 85;
                for (const auto& [oname, values] : product_->options) {
                    if (!gname.empty() && oname != gname) continue;
                    for (const std::string& v : values) {
                        const int s = v == gvalue ? 101 : WebshopText::tokenSetRatio(v, gvalue);
                        if (s > bestScore) {
                            bestScore = s;
                            bestName = oname;
                            bestValue = v;
                        }
                    }
                }
                if (bestValue.empty()) continue;
                const auto chosen =
                    std::find_if(options_.begin(), options_.end(),
                                 [&](const auto& o) { return o.first == bestName; });
                if (chosen != options_.end() && chosen->second == bestValue) continue;
                // A value shared by two options can only select the last one.
                std::string owner;
                for (const auto& [oname, values] : product_->options)
                    if (std::find(values.begin(), values.end(), bestValue) != values.end())
                        owner = oname;
                if (owner != bestName) continue;
                return "click[" + bestValue + "]";
            }
        }
        return std::string("click[") + kBuyNow + "]";
    }
    case Page::Description:
    case Page::Features:
    case Page::Reviews:
        return std::string("click[") + kPrev + "]";
    case Page::Done:
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace mobi
