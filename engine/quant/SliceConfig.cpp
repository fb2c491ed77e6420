#include "quant/SliceConfig.h"

#include "core/Error.h"

#include <cctype>
#include <cmath>

namespace mobi {

const char* sliceModeName(SliceMode m) {
    return m == SliceMode::Nested ? "nested" : "residual";
}

SliceMode parseSliceMode(const std::string& s, const std::string& where) {
    if (s == "nested") return SliceMode::Nested;
    if (s == "residual") return SliceMode::Residual;
    throw EngineError(where, "unknown slice mode '" + s + "' (expected nested or residual)");
}

int SliceConfig::bitsForLevel(int k) const {
    int b = 0;
    for (int i = 0; i < k && i < levels(); ++i)
        b += sliceBits[i];
    return b;
}

int SliceConfig::levelForBits(int bits) const {
    for (int k = 1; k <= levels(); ++k)
        if (bitsForLevel(k) >= bits) return k;
    return -1;
}

int SliceConfig::firstPlane(int slice) const {
    return bitsForLevel(slice);
}

void SliceConfig::validate(const std::string& where) const {
    if (sliceBits.empty()) throw EngineError(where, "no slice widths given");
    int total = 0;
    for (size_t i = 0; i < sliceBits.size(); ++i) {
        const int b = sliceBits[i];
        if (b <= 0)
            throw EngineError(where, "slice " + std::to_string(i + 1) + " has " +
                                         std::to_string(b) + " bits (must be at least 1)");
        if (b > kMaxSliceBits)
            throw EngineError(where, "slice " + std::to_string(i + 1) + " has " +
                                         std::to_string(b) + " bits (at most " +
                                         std::to_string(kMaxSliceBits) + " per slice)");
        total += b;
    }
    if (total > kMaxTotalBits)
        throw EngineError(where, "slice widths sum to " + std::to_string(total) +
                                     " bits (at most " + std::to_string(kMaxTotalBits) + ")");
    if (groupSize <= 0 || groupSize % kGroupMultiple != 0)
        throw EngineError(where, "group size " + std::to_string(groupSize) +
                                     " is not a positive multiple of " +
                                     std::to_string(kGroupMultiple));
    if (clipSteps < 1 || clipSteps > 1000)
        throw EngineError(where, "clipping search steps " + std::to_string(clipSteps) +
                                     " out of range 1..1000");
    if (!(clipMin > 0.0f && clipMin <= 1.0f))
        throw EngineError(where, "clipping minimum factor must be in (0, 1]");
}

std::vector<int> SliceConfig::parseSliceBits(const std::string& spec, const std::string& where) {
    std::vector<int> out;
    size_t i = 0;
    const size_t n = spec.size();
    auto skipSpace = [&] {
        while (i < n && std::isspace(static_cast<unsigned char>(spec[i])))
            ++i;
    };
    skipSpace();
    if (i == n) throw EngineError(where, "empty slice list (expected e.g. 2,1,1,1)");
    while (true) {
        skipSpace();
        if (i == n || !std::isdigit(static_cast<unsigned char>(spec[i])))
            throw EngineError(where, "expected a number at position " + std::to_string(i + 1) +
                                         " of '" + spec + "' (expected e.g. 2,1,1,1)");
        long v = 0;
        while (i < n && std::isdigit(static_cast<unsigned char>(spec[i]))) {
            v = v * 10 + (spec[i] - '0');
            if (v > 1000) throw EngineError(where, "slice width too large in '" + spec + "'");
            ++i;
        }
        out.push_back(static_cast<int>(v));
        if (out.size() > static_cast<size_t>(kMaxTotalBits))
            throw EngineError(where, "more than " + std::to_string(kMaxTotalBits) + " slices in '" +
                                         spec + "'");
        skipSpace();
        if (i == n) break;
        if (spec[i] != ',')
            throw EngineError(where, "unexpected '" + std::string(1, spec[i]) + "' in '" + spec +
                                         "' (expected e.g. 2,1,1,1)");
        ++i;
    }
    SliceConfig c;
    c.sliceBits = out;
    c.validate(where);
    return out;
}

std::string SliceConfig::sliceBitsString() const {
    std::string s;
    for (size_t i = 0; i < sliceBits.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(sliceBits[i]);
    }
    return s;
}

} // namespace mobi
