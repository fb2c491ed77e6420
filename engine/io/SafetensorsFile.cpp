#include "io/SafetensorsFile.h"

#include "core/Error.h"
#include "util/Json.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>

namespace mobi {

namespace {

// Largest integer a JSON double holds exactly; offsets and dims beyond it
// cannot be trusted (and casting a larger double would be undefined).
constexpr double kMaxExactInt = 9007199254740992.0; // 2^53

bool toU64(const Json& v, uint64_t& out) {
    if (!v.isNumber()) return false;
    const double d = v.asNumber();
    if (!std::isfinite(d) || d < 0 || d > kMaxExactInt || d != std::floor(d)) return false;
    out = static_cast<uint64_t>(d);
    return true;
}

// Names the file format uses for types we deliberately do not handle, so
// refusals say "dtype F64 is not supported" rather than "unknown dtype".
bool isKnownForeignDtype(const std::string& s) {
    static const char* const kNames[] = {"F64",     "I64",     "U64",     "U32",        "U16",
                                         "BOOL",    "F8_E4M3", "F8_E5M2", "F8_E8M0",    "F6_E2M3",
                                         "F6_E3M2", "F4",      "C64",     "F8_E4M3FNUZ"};
    for (const char* n : kNames)
        if (s == n) return true;
    return false;
}

} // namespace

std::optional<DType> SafetensorsFile::dtypeFromName(const std::string& name) {
    if (name == "F32") return DType::F32;
    if (name == "F16") return DType::F16;
    if (name == "BF16") return DType::BF16;
    if (name == "I8") return DType::I8;
    if (name == "I16") return DType::I16;
    if (name == "I32") return DType::I32;
    if (name == "U8") return DType::U8;
    return std::nullopt;
}

const char* SafetensorsFile::dtypeToName(DType t) {
    switch (t) {
    case DType::F32:
        return "F32";
    case DType::F16:
        return "F16";
    case DType::BF16:
        return "BF16";
    case DType::I8:
        return "I8";
    case DType::I16:
        return "I16";
    case DType::I32:
        return "I32";
    case DType::U8:
        return "U8";
    case DType::Q8_0:
        return nullptr;
    }
    return nullptr;
}

const Tensor* SafetensorsFile::find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    SafetensorsFile sf;
    sf.path_ = path;
    sf.file_ = MappedFile::open(path);
    const uint8_t* base = sf.file_->data();
    const uint64_t fileSize = sf.file_->size();
    if (fileSize < 8)
        throw FormatError(path, "truncated: " + std::to_string(fileSize) +
                                    " bytes, too short for the 8-byte header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | base[i];
    if (n == 0) throw FormatError(path, "header length is 0");
    if (n > kMaxHeaderBytes)
        throw FormatError(path, "header length " + std::to_string(n) + " exceeds the " +
                                    std::to_string(kMaxHeaderBytes) + "-byte limit");
    if (n > fileSize - 8)
        throw FormatError(path, "header length " + std::to_string(n) +
                                    " runs past the end of the " + std::to_string(fileSize) +
                                    "-byte file");
    sf.headerBytes_ = n;
    const std::string_view text(reinterpret_cast<const char*>(base + 8), static_cast<size_t>(n));
    const Json header = Json::parse(text, path);
    if (!header.isObject()) throw FormatError(path, "header is not a JSON object");

    const uint64_t dataStart = 8 + n;
    const uint64_t dataSize = fileSize - dataStart;
    const uint8_t* data = base + dataStart;

    struct Range {
        uint64_t begin, end;
        size_t tensor;
    };
    std::vector<Range> ranges;
    for (const auto& [name, entry] : header.asObject()) {
        if (name == "__metadata__") {
            if (!entry.isObject()) throw FormatError(path, "__metadata__ is not a JSON object");
            for (const auto& [k, v] : entry.asObject())
                if (v.isString()) sf.metadata_[k] = v.asString();
            continue;
        }
        const std::string where = "tensor '" + name + "'";
        if (!entry.isObject()) throw FormatError(path, where + ": entry is not a JSON object");
        if (sf.index_.count(name)) throw FormatError(path, where + " is listed twice");
        const Json* dt = entry.find("dtype");
        const Json* shape = entry.find("shape");
        const Json* offs = entry.find("data_offsets");
        if (!dt || !dt->isString()) throw FormatError(path, where + ": missing string 'dtype'");
        if (!shape || !shape->isArray()) throw FormatError(path, where + ": missing array 'shape'");
        if (!offs || !offs->isArray() || offs->asArray().size() != 2)
            throw FormatError(path, where + ": 'data_offsets' must be an array [begin, end]");
        const std::optional<DType> dtype = dtypeFromName(dt->asString());
        if (!dtype) {
            const std::string& dn = dt->asString();
            throw UnsupportedError(path,
                                   where + " has dtype " +
                                       (isKnownForeignDtype(dn) ? dn : "'" + dn + "' (unknown)") +
                                       ", which mobiscope does not support (F32, F16, BF16, "
                                       "I8, I16, I32, U8)");
        }
        Tensor t;
        t.name = name;
        t.dtype = *dtype;
        // Partial products must fit int64 whatever the order of the dims, since
        // Tensor::numel multiplies them left to right.
        int64_t numel = 1;
        for (const Json& d : shape->asArray()) {
            uint64_t v = 0;
            if (!toU64(d, v))
                throw FormatError(path, where + ": shape entries must be non-negative integers");
            int64_t next = 0;
            if (__builtin_mul_overflow(numel, static_cast<int64_t>(v), &next))
                throw FormatError(path, where + ": shape " + shape->dump() + " overflows");
            numel = next;
            t.shape.push_back(static_cast<int64_t>(v));
        }
        uint64_t begin = 0, end = 0;
        if (!toU64(offs->asArray()[0], begin) || !toU64(offs->asArray()[1], end))
            throw FormatError(path, where + ": data_offsets must be non-negative integers");
        if (begin > end)
            throw FormatError(path, where + ": data_offsets begin " + std::to_string(begin) +
                                        " > end " + std::to_string(end));
        if (end > dataSize)
            throw FormatError(path, where + ": data_offsets end " + std::to_string(end) +
                                        " is past the " + std::to_string(dataSize) +
                                        "-byte data section");
        uint64_t need = 0;
        if (!dtypeBytesChecked(t.dtype, static_cast<uint64_t>(numel), need))
            throw FormatError(path, where + ": shape " + shape->dump() + " overflows");
        if (need != end - begin)
            throw FormatError(path, where + ": holds " + std::to_string(end - begin) +
                                        " bytes, but shape " + t.shapeString() + " of " +
                                        dtypeName(t.dtype) + " needs " + std::to_string(need));
        t.nbytes = need;
        const uint8_t* p = data + begin;
        const size_t elem = dtypeBlockBytes(t.dtype);
        if (reinterpret_cast<uintptr_t>(p) % elem != 0) {
            // Kernels read F32/F16 through typed pointers: copy rather than
            // hand them a misaligned view.
            auto buf = std::make_shared<std::vector<uint64_t>>((need + 7) / 8);
            if (need) std::memcpy(buf->data(), p, static_cast<size_t>(need));
            t.data = buf->data();
            t.owner = buf;
        } else {
            t.data = p;
            t.owner = sf.file_;
        }
        ranges.push_back({begin, end, sf.tensors_.size()});
        sf.index_[name] = sf.tensors_.size();
        sf.tensors_.push_back(std::move(t));
    }

    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const Range* prev = nullptr;
    for (const Range& r : ranges) {
        if (r.begin == r.end) continue; // empty tensors occupy nothing
        if (prev && r.begin < prev->end)
            throw FormatError(path, "tensors '" + sf.tensors_[prev->tensor].name + "' and '" +
                                        sf.tensors_[r.tensor].name + "' overlap");
        prev = &r;
    }
    return sf;
}

} // namespace mobi
