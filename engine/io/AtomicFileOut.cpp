#include "io/AtomicFileOut.h"

#include "core/Error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace mobi {

AtomicFileOut::AtomicFileOut(const std::string& path) : path_(path), tmp_(path + ".tmp") {
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (!f_) throw EngineError(path, std::string("cannot create: ") + std::strerror(errno));
    std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
}

AtomicFileOut::~AtomicFileOut() {
    if (f_) {
        std::fclose(f_);
        std::remove(tmp_.c_str());
    }
}

void AtomicFileOut::write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n)
        throw EngineError(path_, std::string("write failed: ") + std::strerror(errno));
    pos_ += n;
}

void AtomicFileOut::padTo(uint64_t alignment) {
    static const uint8_t zeros[256] = {};
    uint64_t pad = (alignment - pos_ % alignment) % alignment;
    while (pad) {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(pad, sizeof zeros));
        write(zeros, k);
        pad -= k;
    }
}

void AtomicFileOut::commit() {
    FILE* f = f_;
    f_ = nullptr;
    const bool ok = std::fflush(f) == 0 && !std::ferror(f);
    const int e = errno;
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp_.c_str());
        throw EngineError(path_, std::string("write failed: ") + std::strerror(ok ? errno : e));
    }
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) {
        std::remove(tmp_.c_str());
        throw EngineError(path_, "cannot rename the temporary file into place: " + ec.message());
    }
}

} // namespace mobi
