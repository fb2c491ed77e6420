// WebShop (Yao et al., 2022) in text mode, for one goal: the state machine of
// web_agent_site/envs/web_agent_text_env.py with SimServer's pages, rendered
// as its "text" observation mode prints them (visible texts joined by
// " [SEP] "):
//   search page   "WebShop [SEP] Instruction: [SEP] <instruction> [SEP] Search"
//   results page  "Instruction: [SEP] <instruction> [SEP] Back to Search [SEP]
//                  Page 2 (Total results: 50) [SEP] < Prev [SEP] Next > [SEP]
//                  B0... [SEP] <title> [SEP] $12.99 [SEP] ..." (10 a page)
//   item page     "... [SEP] Back to Search [SEP] < Prev [SEP] size [SEP] small
//                  [SEP] ... [SEP] <title> [SEP] Price: $12.99 [SEP] Rating: N.A.
//                  [SEP] Description [SEP] Features [SEP] Reviews [SEP] Buy Now"
//   sub pages     "... [SEP] Back to Search [SEP] < Prev [SEP] <description |
//                  bullet points | reviews>"
//   done page     "Thank you for shopping with us! [SEP] ... [SEP] Your score
//                  (min 0.0, max 1.0) [SEP] <reward> ..."
// Commands are WebShop's actions: search[keywords] and click[<clickable>],
// the argument lower-cased. Clickables are the page's buttons ("back to
// search", "< prev", "next >", "description", "features", "reviews", "buy
// now"), product links (the asin, lower case) and option values.
//
// admissibleCommands(): "click[x]" for each clickable in page order; on the
// search page (the only page with a search box) the single entry "search[...]"
// (kSearchMarker), which stands for search[<any keywords>] since keywords
// cannot be enumerated. A policy that draws from the list must replace the
// marker by its own keywords; step("search[...]") itself is taken literally.
//
// Rewards come only from "Buy Now" (WebshopReward), which ends the episode;
// won means reward 1 (WebShop's success). Inadmissible commands (an unknown
// click, a search away from the search page, anything unparsable) leave the
// state unchanged and return the current page again, as WebShop's text
// environment does. The episode also ends, unwon, after maxSteps commands
// (default 15, the step budget of the ReAct WebShop runs).
//
// Known departures from WebShop: search is accepted only on the search page
// (WebShop's text env also runs it from other pages); click[search] is not
// listed (WebShop lists it but refuses it); the item page's back button is
// "< Prev" as in WebShop's current templates; the done page shows the fields
// the text environment fills in (the rest print "None").
#pragma once

#include "env/Environment.h"
#include "env/WebshopCatalog.h"
#include "env/WebshopGoal.h"
#include "env/WebshopReward.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mobi {

class WebshopEnv : public Environment {
  public:
    static constexpr const char* kSearchMarker = "search[...]";
    static constexpr int kDefaultMaxSteps = 15;
    static constexpr size_t kPageSize = 10; // PRODUCT_WINDOW

    enum class Page { Search, Results, Item, Description, Features, Reviews, Done };

    // Throws EngineError when the catalogue is null or maxSteps < 1.
    WebshopEnv(std::shared_ptr<const WebshopCatalog> catalog, WebshopGoal goal, size_t goalIndex,
               int maxSteps = kDefaultMaxSteps);

    std::string kind() const override { return "webshop"; }
    std::string episodeId() const override { return std::to_string(goalIndex_); }
    std::string taskText() const override { return goal_.instructionText; }
    std::string reset() override;
    EnvStep step(const std::string& command) override;
    std::vector<std::string> admissibleCommands() const override;
    std::optional<std::string> expertCommand() const override;
    int steps() const override { return steps_; }
    int maxSteps() const override { return maxSteps_; }

    // Inspection for tests, policies and the CLI.
    Page page() const { return page_; }
    const std::string& observation() const { return observation_; }
    const WebshopGoal& goal() const { return goal_; }
    const WebshopProduct* currentProduct() const;
    const std::vector<std::pair<std::string, std::string>>& chosenOptions() const {
        return options_;
    }
    const std::vector<size_t>& results() const { return results_; }
    int resultPage() const { return resultPage_; }
    // The reward breakdown of the purchase (valid once bought).
    const WebshopRewardParts& rewardParts() const { return rewardParts_; }
    // The clickables of the current page (lower case, page order).
    std::vector<std::string> clickables() const;
    // The keywords the expert searches with.
    std::string expertQuery() const;

  private:
    void runSearch(const std::string& keywords, int pageNo);
    void showResults(int pageNo);
    void render();
    size_t expertTarget() const;

    std::shared_ptr<const WebshopCatalog> catalog_;
    WebshopGoal goal_;
    size_t goalIndex_;
    int maxSteps_;

    Page page_ = Page::Search;
    std::vector<std::string> keywords_;
    std::vector<size_t> results_;
    int resultPage_ = 1;
    const WebshopProduct* product_ = nullptr;
    std::vector<std::pair<std::string, std::string>> options_;
    std::set<std::string> visited_;
    int steps_ = 0;
    bool done_ = false;
    double reward_ = 0;
    WebshopRewardParts rewardParts_;
    std::string observation_;
};

} // namespace mobi
