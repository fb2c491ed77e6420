#include "io/GgufFile.h"

#include "core/ByteReader.h"
#include "core/Error.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace mobi {

namespace {

constexpr uint32_t kMaxDims = 4;
// Deepest array nesting we walk through (arrays of arrays are stored opaque).
constexpr int kMaxArrayDepth = 3;

size_t scalarSize(GgufType t) {
    switch (t) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::Bool:
        return 1;
    case GgufType::U16:
    case GgufType::I16:
        return 2;
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::F32:
        return 4;
    case GgufType::U64:
    case GgufType::I64:
    case GgufType::F64:
        return 8;
    case GgufType::String:
    case GgufType::Array:
        return 0;
    }
    return 0;
}

bool knownType(uint32_t t) {
    return t <= static_cast<uint32_t>(GgufType::F64);
}

template <typename T> T loadLE(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

// Reads one integer element of a numeric array as int64 (false if out of range).
bool elementInt(GgufType t, const uint8_t* p, int64_t& out) {
    switch (t) {
    case GgufType::U8:
        out = loadLE<uint8_t>(p);
        return true;
    case GgufType::I8:
        out = loadLE<int8_t>(p);
        return true;
    case GgufType::Bool:
        out = loadLE<uint8_t>(p) != 0;
        return true;
    case GgufType::U16:
        out = loadLE<uint16_t>(p);
        return true;
    case GgufType::I16:
        out = loadLE<int16_t>(p);
        return true;
    case GgufType::U32:
        out = loadLE<uint32_t>(p);
        return true;
    case GgufType::I32:
        out = loadLE<int32_t>(p);
        return true;
    case GgufType::I64:
        out = loadLE<int64_t>(p);
        return true;
    case GgufType::U64: {
        const uint64_t u = loadLE<uint64_t>(p);
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
        out = static_cast<int64_t>(u);
        return true;
    }
    default:
        return false;
    }
}

class Parser {
  public:
    Parser(const uint8_t* data, size_t size, const std::string& path) : r_(data, size, path) {}

    ByteReader& reader() { return r_; }

    std::string readString(const char* what) {
        const uint64_t n = r_.read<uint64_t>(what);
        if (n > r_.remaining())
            r_.fail(std::string(what) + " of " + std::to_string(n) + " bytes at offset " +
                    std::to_string(r_.pos() - 8) + " runs past the end of the file (size " +
                    std::to_string(r_.size()) + ")");
        return r_.string(static_cast<size_t>(n), what);
    }

    GgufType readType(const std::string& key) {
        const uint32_t t = r_.read<uint32_t>("value type");
        if (!knownType(t))
            r_.fail("metadata key '" + key + "' has unknown value type " + std::to_string(t));
        return static_cast<GgufType>(t);
    }

    void readScalar(GgufType t, GgufValue& v, const std::string& key) {
        v.type = t;
        switch (t) {
        case GgufType::U8:
            v.u = r_.read<uint8_t>();
            break;
        case GgufType::I8:
            v.i = r_.read<int8_t>();
            break;
        case GgufType::U16:
            v.u = r_.read<uint16_t>();
            break;
        case GgufType::I16:
            v.i = r_.read<int16_t>();
            break;
        case GgufType::U32:
            v.u = r_.read<uint32_t>();
            break;
        case GgufType::I32:
            v.i = r_.read<int32_t>();
            break;
        case GgufType::U64:
            v.u = r_.read<uint64_t>();
            break;
        case GgufType::I64:
            v.i = r_.read<int64_t>();
            break;
        case GgufType::F32:
            v.f = r_.read<float>();
            break;
        case GgufType::F64:
            v.f = r_.read<double>();
            break;
        case GgufType::Bool:
            v.u = r_.read<uint8_t>() != 0;
            break;
        case GgufType::String:
            v.str = readString("string value");
            break;
        case GgufType::Array:
            readArray(v, key, 1);
            break;
        }
    }

    // Arrays are bounded against the bytes left before anything is allocated:
    // every element needs at least its minimal encoded size.
    void readArray(GgufValue& v, const std::string& key, int depth) {
        v.type = GgufType::Array;
        v.elemType = readType(key);
        v.count = r_.read<uint64_t>("array length");
        const size_t minSize = v.elemType == GgufType::String  ? 8
                               : v.elemType == GgufType::Array ? 12
                                                               : scalarSize(v.elemType);
        if (v.count > r_.remaining() / minSize)
            r_.fail("metadata key '" + key + "' claims an array of " + std::to_string(v.count) +
                    " " + ggufTypeName(v.elemType) + " elements, more than the " +
                    std::to_string(r_.remaining()) + " bytes left in the file");
        if (v.elemType == GgufType::String) {
            for (uint64_t k = 0; k < v.count; ++k)
                v.strings.push_back(readString("string element"));
        } else if (v.elemType == GgufType::Array) {
            if (depth >= kMaxArrayDepth)
                r_.fail("metadata key '" + key + "' nests arrays deeper than " +
                        std::to_string(kMaxArrayDepth) + " levels");
            for (uint64_t k = 0; k < v.count; ++k) {
                GgufValue inner; // validated and skipped: nested arrays are not exposed
                readArray(inner, key, depth + 1);
            }
        } else {
            v.raw = r_.bytes(static_cast<size_t>(v.count * minSize), "array data");
        }
    }

  private:
    ByteReader r_;
};

std::string truncated(std::string s, size_t maxChars) {
    if (s.size() > maxChars) s = s.substr(0, maxChars) + "...";
    return s;
}

} // namespace

const char* ggufTypeName(GgufType t) {
    switch (t) {
    case GgufType::U8:
        return "uint8";
    case GgufType::I8:
        return "int8";
    case GgufType::U16:
        return "uint16";
    case GgufType::I16:
        return "int16";
    case GgufType::U32:
        return "uint32";
    case GgufType::I32:
        return "int32";
    case GgufType::F32:
        return "float32";
    case GgufType::Bool:
        return "bool";
    case GgufType::String:
        return "string";
    case GgufType::Array:
        return "array";
    case GgufType::U64:
        return "uint64";
    case GgufType::I64:
        return "int64";
    case GgufType::F64:
        return "float64";
    }
    return "unknown";
}

const char* ggmlTypeName(uint32_t id) {
    // ggml.h's enum ggml_type; ids 4, 5 (Q4_2, Q4_3) and the repacked 31-33,
    // 36-38 were removed from ggml but may still appear in old files.
    static const char* const names[] = {
        "F32",   "F16",        "Q4_0",       "Q4_1",       "Q4_2",     "Q4_3",     "Q5_0",
        "Q5_1",  "Q8_0",       "Q8_1",       "Q2_K",       "Q3_K",     "Q4_K",     "Q5_K",
        "Q6_K",  "Q8_K",       "IQ2_XXS",    "IQ2_XS",     "IQ3_XXS",  "IQ1_S",    "IQ4_NL",
        "IQ3_S", "IQ2_S",      "IQ4_XS",     "I8",         "I16",      "I32",      "I64",
        "F64",   "IQ1_M",      "BF16",       "Q4_0_4_4",   "Q4_0_4_8", "Q4_0_8_8", "TQ1_0",
        "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4",
    };
    return id < sizeof(names) / sizeof(names[0]) ? names[id] : nullptr;
}

std::optional<DType> ggmlTypeToDType(uint32_t id) {
    switch (id) {
    case ggml::F32:
        return DType::F32;
    case ggml::F16:
        return DType::F16;
    case ggml::BF16:
        return DType::BF16;
    case ggml::Q8_0:
        return DType::Q8_0;
    case ggml::I8:
        return DType::I8;
    case ggml::I16:
        return DType::I16;
    case ggml::I32:
        return DType::I32;
    default:
        return std::nullopt;
    }
}

std::optional<uint32_t> dtypeToGgmlType(DType t) {
    switch (t) {
    case DType::F32:
        return ggml::F32;
    case DType::F16:
        return ggml::F16;
    case DType::BF16:
        return ggml::BF16;
    case DType::Q8_0:
        return ggml::Q8_0;
    case DType::I8:
        return ggml::I8;
    case DType::I16:
        return ggml::I16;
    case DType::I32:
        return ggml::I32;
    case DType::U8:
        return std::nullopt;
    }
    return std::nullopt;
}

bool GgufValue::isInteger() const {
    switch (type) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::U16:
    case GgufType::I16:
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::U64:
    case GgufType::I64:
    case GgufType::Bool:
        return true;
    default:
        return false;
    }
}

bool GgufValue::toInt64(int64_t& out) const {
    switch (type) {
    case GgufType::I8:
    case GgufType::I16:
    case GgufType::I32:
    case GgufType::I64:
        out = i;
        return true;
    case GgufType::U8:
    case GgufType::U16:
    case GgufType::U32:
    case GgufType::U64:
    case GgufType::Bool:
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
        out = static_cast<int64_t>(u);
        return true;
    default:
        return false;
    }
}

std::string GgufValue::toString(size_t maxChars) const {
    switch (type) {
    case GgufType::U8:
    case GgufType::U16:
    case GgufType::U32:
    case GgufType::U64:
        return std::to_string(u);
    case GgufType::I8:
    case GgufType::I16:
    case GgufType::I32:
    case GgufType::I64:
        return std::to_string(i);
    case GgufType::Bool:
        return u ? "true" : "false";
    case GgufType::F32:
    case GgufType::F64: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", f);
        return buf;
    }
    case GgufType::String:
        return truncated(str, maxChars);
    case GgufType::Array: {
        std::string s(1, '[');
        s += std::to_string(count);
        s += " x ";
        s += ggufTypeName(elemType);
        s += ']';
        return s;
    }
    }
    return "?";
}

GgufFile GgufFile::open(const std::string& path) {
    return parse(MappedFile::open(path));
}

GgufFile GgufFile::parse(std::shared_ptr<MappedFile> file) {
    GgufFile g;
    g.path_ = file->path();
    g.file_ = std::move(file);
    const std::string& path = g.path_;
    Parser p(g.file_->data(), g.file_->size(), path);
    ByteReader& r = p.reader();

    // --- header
    if (r.size() < 4)
        r.fail("file of " + std::to_string(r.size()) + " bytes is too short for GGUF");
    const uint8_t* magic = r.bytes(4, "magic");
    if (std::memcmp(magic, "GGUF", 4) != 0) {
        if (std::memcmp(magic, "FUGG", 4) == 0)
            throw UnsupportedError(path, "big-endian GGUF files are not supported");
        if (std::memcmp(magic, "lmgg", 4) == 0 || std::memcmp(magic, "fmgg", 4) == 0 ||
            std::memcmp(magic, "tjgg", 4) == 0)
            throw UnsupportedError(path, "legacy GGML/GGJT file (before GGUF) is not supported; "
                                         "convert it to GGUF with llama.cpp");
        r.fail("not a GGUF file (magic bytes are not 'GGUF')");
    }
    g.version_ = r.read<uint32_t>("version");
    if (g.version_ == 1)
        throw UnsupportedError(path, "GGUF version 1 is not supported (supported: 2, 3); "
                                     "re-convert the model with a current llama.cpp");
    if (g.version_ != 2 && g.version_ != 3) {
        if ((g.version_ & 0xffffu) == 0)
            throw UnsupportedError(path, "GGUF version field " + std::to_string(g.version_) +
                                             " looks byte-swapped: big-endian GGUF files are "
                                             "not supported");
        throw UnsupportedError(path, "GGUF version " + std::to_string(g.version_) +
                                         " is not supported (supported: 2, 3)");
    }
    const uint64_t nTensors = r.read<uint64_t>("tensor count");
    const uint64_t nKv = r.read<uint64_t>("metadata count");
    // Minimal encodings: a key/value is an 8-byte length, a 4-byte type and a
    // 1-byte value; a tensor info is name length, n_dims, type and offset.
    const uint64_t left = r.remaining();
    if (nKv > left / 13 || nTensors > left / 24 || nKv * 13 + nTensors * 24 > left)
        r.fail("header claims " + std::to_string(nTensors) + " tensors and " + std::to_string(nKv) +
               " metadata entries, more than the " + std::to_string(left) +
               " bytes after the header can hold");

    // --- metadata
    for (uint64_t k = 0; k < nKv; ++k) {
        std::string key = p.readString("metadata key");
        if (g.values_.count(key)) r.fail("duplicate metadata key '" + key + "'");
        const GgufType t = p.readType(key);
        GgufValue v;
        p.readScalar(t, v, key);
        g.keys_.push_back(key);
        g.values_.emplace(std::move(key), std::move(v));
    }

    if (const GgufValue* a = g.find("general.alignment")) {
        int64_t al = 0;
        if (!a->toInt64(al) || a->type == GgufType::Bool || al <= 0 || al > (1ll << 30) ||
            (al & (al - 1)) != 0)
            r.fail("general.alignment " + a->toString() + " is not a power of two");
        g.alignment_ = static_cast<uint32_t>(al);
    }

    // --- tensor infos
    for (uint64_t k = 0; k < nTensors; ++k) {
        GgufTensorInfo ti;
        ti.name = p.readString("tensor name");
        const std::string& name = ti.name;
        const uint32_t nDims = r.read<uint32_t>("tensor n_dims");
        if (nDims > kMaxDims)
            r.fail("tensor " + name + " has " + std::to_string(nDims) + " dimensions (at most " +
                   std::to_string(kMaxDims) + " are allowed)");
        uint64_t dims[kMaxDims] = {0, 0, 0, 0};
        uint64_t numel = 1;
        bool overflow = false;
        std::string dimList;
        for (uint32_t d = 0; d < nDims; ++d) {
            dims[d] = r.read<uint64_t>("tensor dimension");
            dimList += (d ? ", " : "") + std::to_string(dims[d]);
            if (dims[d] != 0 && numel > static_cast<uint64_t>(INT64_MAX) / dims[d])
                overflow = true;
            else
                numel *= dims[d];
        }
        for (uint32_t d = 0; d < nDims; ++d)
            if (dims[d] == 0) r.fail("tensor " + name + " has a zero dimension [" + dimList + "]");
        if (overflow)
            r.fail("tensor " + name + " has dimensions [" + dimList +
                   "] whose element count overflows");
        ti.ggmlType = r.read<uint32_t>("tensor type");
        const char* typeName = ggmlTypeName(ti.ggmlType);
        if (!typeName)
            r.fail("tensor " + name + " has unknown ggml type id " + std::to_string(ti.ggmlType));
        const std::optional<DType> dt = ggmlTypeToDType(ti.ggmlType);
        if (!dt)
            throw UnsupportedError(path, "tensor " + name + " has type " + typeName +
                                             ", which mobiscope does not support (supported: "
                                             "F32, F16, BF16, Q8_0; I8, I16, I32 for integer "
                                             "tensors)");
        ti.dtype = *dt;
        const uint64_t rowLen = nDims ? dims[0] : 1;
        if (rowLen % dtypeBlockElems(ti.dtype) != 0)
            r.fail("tensor " + name + " has rows of " + std::to_string(rowLen) +
                   " elements, not a multiple of " + typeName + "'s block of " +
                   std::to_string(dtypeBlockElems(ti.dtype)));
        if (!dtypeBytesChecked(ti.dtype, numel, ti.nbytes))
            r.fail("tensor " + name + " has a byte size that overflows");
        for (uint32_t d = nDims; d-- > 0;)
            ti.shape.push_back(static_cast<int64_t>(dims[d]));
        ti.offset = r.read<uint64_t>("tensor offset");
        if (ti.offset % g.alignment_ != 0)
            r.fail("tensor " + name + " has offset " + std::to_string(ti.offset) +
                   ", not a multiple of the alignment " + std::to_string(g.alignment_));
        if (g.tensorIndex_.count(name)) r.fail("duplicate tensor name " + name);
        g.tensorIndex_.emplace(name, g.tensors_.size());
        g.tensors_.push_back(std::move(ti));
    }

    // --- data section
    const uint64_t end = r.pos();
    g.dataOffset_ = (end + g.alignment_ - 1) / g.alignment_ * g.alignment_;
    const uint64_t size = r.size();
    for (const GgufTensorInfo& ti : g.tensors_) {
        if (g.dataOffset_ > size || ti.offset > size - g.dataOffset_ ||
            ti.nbytes > size - g.dataOffset_ - ti.offset)
            r.fail("tensor " + ti.name + " data (" + std::to_string(ti.nbytes) +
                   " bytes at data offset " + std::to_string(ti.offset) + " + " +
                   std::to_string(g.dataOffset_) + ") runs past the end of the file (size " +
                   std::to_string(size) + ")");
    }
    return g;
}

void GgufFile::fail(const std::string& problem) const {
    throw FormatError(path_, problem);
}

const GgufValue* GgufFile::find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
}

const GgufValue& GgufFile::need(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) fail("missing metadata key '" + key + "'");
    return *v;
}

std::string GgufFile::getString(const std::string& key) const {
    const GgufValue& v = need(key);
    if (v.type != GgufType::String)
        fail("metadata key '" + key + "' is " + ggufTypeName(v.type) + ", expected a string");
    return v.str;
}

std::string GgufFile::getString(const std::string& key, const std::string& def) const {
    return has(key) ? getString(key) : def;
}

int64_t GgufFile::getInt(const std::string& key) const {
    const GgufValue& v = need(key);
    int64_t out = 0;
    if (v.type == GgufType::Bool || !v.toInt64(out)) {
        if (v.isInteger() && v.type != GgufType::Bool)
            fail("metadata key '" + key + "' = " + v.toString() + " is out of range");
        fail("metadata key '" + key + "' is " + ggufTypeName(v.type) + ", expected an integer");
    }
    return out;
}

int64_t GgufFile::getInt(const std::string& key, int64_t def) const {
    return has(key) ? getInt(key) : def;
}

uint32_t GgufFile::getU32(const std::string& key) const {
    const int64_t v = getInt(key);
    if (v < 0 || v > static_cast<int64_t>(UINT32_MAX))
        fail("metadata key '" + key + "' = " + std::to_string(v) + " does not fit in uint32");
    return static_cast<uint32_t>(v);
}

uint32_t GgufFile::getU32(const std::string& key, uint32_t def) const {
    return has(key) ? getU32(key) : def;
}

float GgufFile::getF32(const std::string& key) const {
    const GgufValue& v = need(key);
    if (v.isFloat()) return static_cast<float>(v.f);
    int64_t i = 0;
    if (v.type != GgufType::Bool && v.toInt64(i)) return static_cast<float>(i);
    fail("metadata key '" + key + "' is " + ggufTypeName(v.type) + ", expected a number");
}

float GgufFile::getF32(const std::string& key, float def) const {
    return has(key) ? getF32(key) : def;
}

bool GgufFile::getBool(const std::string& key) const {
    const GgufValue& v = need(key);
    if (v.type == GgufType::Bool) return v.u != 0;
    int64_t i = 0;
    if (v.toInt64(i) && (i == 0 || i == 1)) return i == 1;
    fail("metadata key '" + key + "' is " + ggufTypeName(v.type) + ", expected a bool");
}

bool GgufFile::getBool(const std::string& key, bool def) const {
    return has(key) ? getBool(key) : def;
}

uint64_t GgufFile::arrayLength(const std::string& key) const {
    const GgufValue& v = need(key);
    if (v.type != GgufType::Array)
        fail("metadata key '" + key + "' is " + ggufTypeName(v.type) + ", expected an array");
    return v.count;
}

std::vector<std::string> GgufFile::getStringArray(const std::string& key) const {
    const GgufValue& v = need(key);
    if (v.type != GgufType::Array || v.elemType != GgufType::String)
        fail("metadata key '" + key + "' is not an array of strings");
    return v.strings;
}

std::vector<float> GgufFile::getF32Array(const std::string& key) const {
    const GgufValue& v = need(key);
    if (v.type != GgufType::Array || (v.elemType != GgufType::F32 && v.elemType != GgufType::F64))
        fail("metadata key '" + key + "' is not an array of floats");
    std::vector<float> out(static_cast<size_t>(v.count));
    for (size_t k = 0; k < out.size(); ++k)
        out[k] = v.elemType == GgufType::F32 ? loadLE<float>(v.raw + 4 * k)
                                             : static_cast<float>(loadLE<double>(v.raw + 8 * k));
    return out;
}

std::vector<int32_t> GgufFile::getI32Array(const std::string& key) const {
    const GgufValue& v = need(key);
    const size_t es = v.type == GgufType::Array ? scalarSize(v.elemType) : 0;
    if (v.type != GgufType::Array || es == 0 || v.elemType == GgufType::F32 ||
        v.elemType == GgufType::F64)
        fail("metadata key '" + key + "' is not an array of integers");
    std::vector<int32_t> out(static_cast<size_t>(v.count));
    for (size_t k = 0; k < out.size(); ++k) {
        int64_t x = 0;
        if (!elementInt(v.elemType, v.raw + es * k, x) || x < INT32_MIN || x > INT32_MAX)
            fail("metadata key '" + key + "' element " + std::to_string(k) +
                 " does not fit in int32");
        out[k] = static_cast<int32_t>(x);
    }
    return out;
}

const GgufTensorInfo* GgufFile::findTensor(const std::string& name) const {
    auto it = tensorIndex_.find(name);
    return it == tensorIndex_.end() ? nullptr : &tensors_[it->second];
}

Tensor GgufFile::tensor(const std::string& name) const {
    const GgufTensorInfo* ti = findTensor(name);
    if (!ti) fail("missing tensor " + name);
    return tensor(*ti);
}

Tensor GgufFile::tensor(const GgufTensorInfo& info) const {
    Tensor t;
    t.name = info.name;
    t.dtype = info.dtype;
    t.shape = info.shape;
    t.data = file_->data() + dataOffset_ + info.offset;
    t.nbytes = info.nbytes;
    t.owner = file_;
    return t;
}

} // namespace mobi
