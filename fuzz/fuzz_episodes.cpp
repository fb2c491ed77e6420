// libFuzzer target: the episode JSON Lines reader on arbitrary bytes; what
// it accepts must write back (header, steps, end) and read back the same.
#include "FuzzReach.h"
#include "agent/EpisodeLog.h"
#include "core/Error.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<mobi::EpisodeRecord> eps;
    try {
        eps = mobi::EpisodeLog::parse(text, "fuzz");
    } catch (const mobi::FormatError&) {
        return 0;
    }
    fuzzreach::parsed();
    std::string again;
    for (size_t e = 0; e < eps.size(); ++e) {
        again += eps[e].headerJson(int(e)).dump() + "\n";
        for (const mobi::EpisodeStep& s : eps[e].steps)
            again += s.toJson(int(e)).dump() + "\n";
        if (eps[e].stopReason != "incomplete") again += eps[e].endJson(int(e)).dump() + "\n";
    }
    const std::vector<mobi::EpisodeRecord> back = mobi::EpisodeLog::parse(again, "rewritten");
    if (back.size() != eps.size()) std::abort();
    for (size_t e = 0; e < eps.size(); ++e)
        if (back[e].steps.size() != eps[e].steps.size() ||
            back[e].firstObservation != eps[e].firstObservation)
            std::abort();
    return 0;
}
