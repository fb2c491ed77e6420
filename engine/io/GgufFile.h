// One GGUF (v2/v3) file, memory-mapped and validated: metadata key/values
// and tensor infos; tensors view the map.
#pragma once

#include "core/DType.h"
#include "core/MappedFile.h"
#include "core/Tensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mobi {

// GGUF metadata value types (gguf_type), numbered as the file stores them.
enum class GgufType : uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};

const char* ggufTypeName(GgufType t);

// ggml tensor type ids (ggml_type) as GGUF stores them.
namespace ggml {
constexpr uint32_t F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
                   Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15, I8 = 24,
                   I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30;
} // namespace ggml

// Name of a ggml type id ("Q4_K"), nullptr when the id is unknown.
const char* ggmlTypeName(uint32_t id);
// The DType for the ggml types mobiscope stores tensors in; nullopt otherwise.
std::optional<DType> ggmlTypeToDType(uint32_t id);
// The ggml type id for a DType; nullopt when GGUF has none (U8).
std::optional<uint32_t> dtypeToGgmlType(DType t);

// One metadata value. Scalars keep their value; numeric arrays point at their
// little-endian elements inside the map (valid while the GgufFile lives);
// string arrays are decoded.
struct GgufValue {
    GgufType type = GgufType::U8;
    uint64_t u = 0;                   // unsigned integers and bool
    int64_t i = 0;                    // signed integers
    double f = 0;                     // F32 / F64
    std::string str;                  // String
    GgufType elemType = GgufType::U8; // Array
    uint64_t count = 0;               // Array
    const uint8_t* raw = nullptr;     // numeric Array elements
    std::vector<std::string> strings; // String Array elements

    bool isInteger() const;
    bool isFloat() const { return type == GgufType::F32 || type == GgufType::F64; }
    // Integer value (any integer type or bool); false when not an integer or
    // out of int64 range.
    bool toInt64(int64_t& out) const;
    // Short human-readable form for `info` (arrays summarised).
    std::string toString(size_t maxChars = 120) const;
};

struct GgufTensorInfo {
    std::string name;
    uint32_t ggmlType = 0;
    DType dtype = DType::F32;
    std::vector<int64_t> shape; // row-major, outermost first (GGUF dims reversed)
    uint64_t offset = 0;        // relative to the data section
    uint64_t nbytes = 0;
};

class GgufFile {
  public:
    // Maps and validates the whole file: header, every metadata value, every
    // tensor's dims, type and byte range. Throws FormatError /
    // UnsupportedError naming the file (and the key or tensor).
    static GgufFile open(const std::string& path);
    // Same, for a file already mapped.
    static GgufFile parse(std::shared_ptr<MappedFile> file);

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    uint32_t alignment() const { return alignment_; }
    uint64_t dataOffset() const { return dataOffset_; }
    uint64_t fileSize() const { return file_ ? file_->size() : 0; }

    // Metadata, keys in file order.
    const std::vector<std::string>& keys() const { return keys_; }
    bool has(const std::string& key) const { return values_.count(key) != 0; }
    const GgufValue* find(const std::string& key) const;

    // Typed accessors. Without a default they throw FormatError when the key is
    // missing; all throw FormatError when the value has the wrong type or does
    // not fit. Integer accessors accept every integer type.
    std::string getString(const std::string& key) const;
    std::string getString(const std::string& key, const std::string& def) const;
    int64_t getInt(const std::string& key) const;
    int64_t getInt(const std::string& key, int64_t def) const;
    uint32_t getU32(const std::string& key) const;
    uint32_t getU32(const std::string& key, uint32_t def) const;
    float getF32(const std::string& key) const; // accepts F32, F64 and integers
    float getF32(const std::string& key, float def) const;
    bool getBool(const std::string& key) const;
    bool getBool(const std::string& key, bool def) const;
    std::vector<std::string> getStringArray(const std::string& key) const;
    std::vector<float> getF32Array(const std::string& key) const;   // F32/F64 elements
    std::vector<int32_t> getI32Array(const std::string& key) const; // any integer elements
    uint64_t arrayLength(const std::string& key) const;

    // Tensors in file order.
    const std::vector<GgufTensorInfo>& tensorInfos() const { return tensors_; }
    bool hasTensor(const std::string& name) const { return tensorIndex_.count(name) != 0; }
    const GgufTensorInfo* findTensor(const std::string& name) const;
    // A view into the map (owner keeps the map alive); throws FormatError when
    // the tensor is absent.
    Tensor tensor(const std::string& name) const;
    Tensor tensor(const GgufTensorInfo& info) const;

  private:
    const GgufValue& need(const std::string& key) const;
    [[noreturn]] void fail(const std::string& problem) const;

    std::string path_;
    std::shared_ptr<MappedFile> file_;
    uint32_t version_ = 0;
    uint32_t alignment_ = 32;
    uint64_t dataOffset_ = 0;
    std::vector<std::string> keys_;
    std::map<std::string, GgufValue> values_;
    std::vector<GgufTensorInfo> tensors_;
    std::map<std::string, size_t> tensorIndex_;
};

} // namespace mobi
