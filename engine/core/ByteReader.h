// Bounds-checked little-endian cursor over a byte range; every read that
// would pass the end throws FormatError naming the source.
#pragma once

#include "core/Error.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

namespace mobi {

class ByteReader {
public:
    ByteReader(const uint8_t* data, size_t size, std::string source)
        : data_(data), size_(size), source_(std::move(source)) {}

    size_t pos() const { return pos_; }
    size_t size() const { return size_; }
    size_t remaining() const { return size_ - pos_; }
    const uint8_t* data() const { return data_; }
    const std::string& source() const { return source_; }

    void seek(size_t p) {
        if (p > size_) fail("offset " + std::to_string(p) + " is past the end of the file");
        pos_ = p;
    }
    void skip(size_t n) { need(n, "data"), pos_ += n; }

    template <typename T> T read(const char* what = "value") {
        static_assert(std::is_trivially_copyable_v<T>);
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    // Returns a pointer to n bytes at the cursor and advances past them.
    const uint8_t* bytes(size_t n, const char* what = "data") {
        need(n, what);
        const uint8_t* p = data_ + pos_;
        pos_ += n;
        return p;
    }

    std::string string(size_t n, const char* what = "string") {
        const uint8_t* p = bytes(n, what);
        return std::string(reinterpret_cast<const char*>(p), n);
    }

    [[noreturn]] void fail(const std::string& problem) const { throw FormatError(source_, problem); }

    void need(size_t n, const char* what) const {
        if (n > size_ - pos_)
            fail(std::string("truncated: ") + what + " of " + std::to_string(n) +
                 " bytes at offset " + std::to_string(pos_) + " runs past the end (size " +
                 std::to_string(size_) + ")");
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    std::string source_;
};

} // namespace mobi
