// Serialised GGUF metadata (and the raw little-endian pieces of a GGUF
// header): key/values appended in order, for writers.
#pragma once

#include "io/GgufFile.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mobi {

class GgufMetadataBuilder {
  public:
    uint64_t count() const { return count_; }
    const std::string& bytes() const { return out_; }

    void putString(const std::string& key, const std::string& v);
    void putU32(const std::string& key, uint32_t v);
    void putF32(const std::string& key, float v);
    void putBool(const std::string& key, bool v);
    void putStringArray(const std::string& key, const std::vector<std::string>& v);
    void putF32Array(const std::string& key, const std::vector<float>& v);
    void putI32Array(const std::string& key, const std::vector<int>& v);

    // Raw pieces (no key counted): a value's bytes, a length-prefixed string.
    template <typename T> void pod(T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        out_.append(b, sizeof(T));
    }
    void str(const std::string& s);

  private:
    void header(const std::string& key, GgufType t);
    void arrayHeader(const std::string& key, GgufType elem, size_t n);

    std::string out_;
    uint64_t count_ = 0;
};

} // namespace mobi
