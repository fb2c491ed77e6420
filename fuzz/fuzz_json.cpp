// libFuzzer target: Json::parse on arbitrary bytes, then dump and re-parse.
#include "FuzzReach.h"
#include "core/Error.h"
#include "util/Json.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    mobi::Json j;
    try {
        j = mobi::Json::parse(text, "fuzz");
    } catch (const mobi::FormatError&) {
        return 0;
    }
    fuzzreach::parsed();
    // What the writer produces must parse back to the same text.
    const std::string once = j.dump();
    const std::string pretty = j.dump(2);
    const std::string twice = mobi::Json::parse(once, "dump").dump();
    if (twice != once || mobi::Json::parse(pretty, "pretty").dump() != once) std::abort();
    return 0;
}
