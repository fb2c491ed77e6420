#include "io/GgufMetadataBuilder.h"

namespace mobi {

void GgufMetadataBuilder::putString(const std::string& key, const std::string& v) {
    header(key, GgufType::String);
    str(v);
}

void GgufMetadataBuilder::putU32(const std::string& key, uint32_t v) {
    header(key, GgufType::U32);
    pod(v);
}

void GgufMetadataBuilder::putF32(const std::string& key, float v) {
    header(key, GgufType::F32);
    pod(v);
}

void GgufMetadataBuilder::putBool(const std::string& key, bool v) {
    header(key, GgufType::Bool);
    pod(static_cast<uint8_t>(v ? 1 : 0));
}

void GgufMetadataBuilder::putStringArray(const std::string& key,
                                         const std::vector<std::string>& v) {
    arrayHeader(key, GgufType::String, v.size());
    for (const std::string& s : v)
        str(s);
}

void GgufMetadataBuilder::putF32Array(const std::string& key, const std::vector<float>& v) {
    arrayHeader(key, GgufType::F32, v.size());
    for (float x : v)
        pod(x);
}

void GgufMetadataBuilder::putI32Array(const std::string& key, const std::vector<int>& v) {
    arrayHeader(key, GgufType::I32, v.size());
    for (int x : v)
        pod(static_cast<int32_t>(x));
}

void GgufMetadataBuilder::str(const std::string& s) {
    pod(static_cast<uint64_t>(s.size()));
    out_ += s;
}

void GgufMetadataBuilder::header(const std::string& key, GgufType t) {
    str(key);
    pod(static_cast<uint32_t>(t));
    ++count_;
}

void GgufMetadataBuilder::arrayHeader(const std::string& key, GgufType elem, size_t n) {
    header(key, GgufType::Array);
    pod(static_cast<uint32_t>(elem));
    pod(static_cast<uint64_t>(n));
}

} // namespace mobi
