// Replays fuzz inputs through a target's LLVMFuzzerTestOneInput without
// libFuzzer (any compiler): each file argument, or every file of a directory
// argument, once. With --require-parsed it exits 1 unless at least one input
// got through the target's parser (FuzzReach.h), which is how CI proves that
// each target's seeds reach the code after a successful parse.
// usage: fuzz_<name>_replay [--require-parsed] FILE|DIR... (libFuzzer's -flag=value
// options are accepted and ignored)
#include "FuzzReach.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    bool requireParsed = false;
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--require-parsed") {
            requireParsed = true;
            continue;
        }
        if (a.size() > 1 && a[0] == '-') continue; // a libFuzzer option: ignored here
        std::error_code ec;
        if (fs::is_directory(a, ec)) {
            for (const fs::directory_entry& e : fs::directory_iterator(a, ec))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (fs::is_regular_file(a, ec)) {
            files.push_back(a);
        } else {
            std::fprintf(stderr, "error: %s: no such file or directory\n", a.c_str());
            return 1;
        }
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
        const size_t before = fuzzreach::g_parsed;
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        std::fprintf(stderr, "%s: %s\n", f.string().c_str(),
                     fuzzreach::g_parsed > before ? "parsed" : "rejected");
    }
    fuzzreach::report();
    if (requireParsed && fuzzreach::g_parsed == 0) {
        std::fprintf(stderr, "error: none of the %zu inputs got through the parser\n",
                     files.size());
        return 1;
    }
    return 0;
}
