// A binary output file written beside its destination (PATH.tmp) and renamed
// into place by commit(), so that a failed or abandoned write never leaves a
// partial file at PATH (nor replaces one already there).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace mobi {

class AtomicFileOut {
  public:
    // Creates PATH.tmp; EngineError naming `path` when it cannot.
    explicit AtomicFileOut(const std::string& path);
    // Without commit(), removes the temporary file.
    ~AtomicFileOut();
    AtomicFileOut(const AtomicFileOut&) = delete;
    AtomicFileOut& operator=(const AtomicFileOut&) = delete;

    void write(const void* p, size_t n);
    // Zero bytes up to the next multiple of `alignment`.
    void padTo(uint64_t alignment);
    // Flushes, closes and renames into place; afterwards nothing is removed.
    void commit();
    uint64_t pos() const { return pos_; }

  private:
    FILE* f_ = nullptr;
    std::string path_, tmp_;
    uint64_t pos_ = 0;
};

} // namespace mobi
