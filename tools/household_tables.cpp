// Writes engine/env/HouseholdTablesData.inc: the household generator's tables
// learned from ALFWorld's train split (scripts/household_tables.sh runs it).
// usage: mobiscope-household-tables <alfworld/train dir> [-o FILE]
#include "core/Error.h"
#include "env/HouseholdTableLearner.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    std::string dir, outPath;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-o" && i + 1 < argc)
            outPath = argv[++i];
        else if (dir.empty() && !a.empty() && a[0] != '-')
            dir = a;
        else {
            std::fprintf(stderr,
                         "usage: mobiscope-household-tables <alfworld/train dir> [-o FILE]\n");
            return 2;
        }
    }
    if (dir.empty()) {
        std::fprintf(stderr, "usage: mobiscope-household-tables <alfworld/train dir> [-o FILE]\n");
        return 2;
    }
    try {
        mobi::HouseholdTableLearner learner;
        learner.addDirectory(dir);
        const std::string text = learner.renderSource();
        if (outPath.empty()) {
            std::cout << text;
        } else {
            std::ofstream out(outPath, std::ios::binary);
            out << text;
            if (!out.flush()) {
                std::fprintf(stderr, "error: cannot write %s\n", outPath.c_str());
                return 1;
            }
        }
        std::fprintf(stderr, "%d games in %d scenes\n", learner.games(), learner.scenes());
    } catch (const mobi::EngineError& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
