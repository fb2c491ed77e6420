// libFuzzer target: the WebShop catalogue reader (JSON Lines of product
// records) on arbitrary bytes; a catalogue it accepts is searched, its goals
// derived, and the first goal played a few steps.
#include "FuzzReach.h"
#include "core/Error.h"
#include "env/WebshopCatalog.h"
#include "env/WebshopEnv.h"
#include "env/WebshopGoals.h"

#include <cstdint>
#include <memory>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::shared_ptr<const mobi::WebshopCatalog> catalog;
    try {
        catalog =
            std::make_shared<const mobi::WebshopCatalog>(mobi::WebshopCatalog::parse(text, "fuzz"));
    } catch (const mobi::EngineError&) {
        return 0;
    }
    for (const mobi::WebshopProduct& p : catalog->products())
        catalog->search(p.name);
    std::vector<mobi::WebshopGoal> goals = mobi::WebshopGoals::human(*catalog);
    if (goals.empty()) return 0;
    mobi::WebshopEnv env(catalog, goals.front(), 0);
    env.reset();
    fuzzreach::parsed(); // a goal is being played
    for (int i = 0; i < 8; ++i) {
        const std::optional<std::string> c = env.expertCommand();
        if (!c || env.step(*c).done) break;
    }
    return 0;
}
