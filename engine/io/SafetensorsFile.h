// One .safetensors file, memory-mapped and validated; tensors view the map.
#pragma once

#include "core/DType.h"
#include "core/MappedFile.h"
#include "core/Tensor.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mobi {

class SafetensorsFile {
  public:
    // The reference implementation's limit on the JSON header.
    static constexpr uint64_t kMaxHeaderBytes = 100000000;

    // Maps and validates the whole file: header length, JSON, every tensor's
    // dtype, shape and byte range. Throws FormatError / UnsupportedError
    // naming the file (and the tensor) on anything it cannot trust.
    static SafetensorsFile open(const std::string& path);

    const std::string& path() const { return path_; }
    // Tensors in header order. Each views the mapping (Tensor::owner keeps it
    // alive), except tensors whose offset is misaligned for their element
    // type: those are copied so kernels can load them as typed arrays.
    const std::vector<Tensor>& tensors() const { return tensors_; }
    const Tensor* find(const std::string& name) const;
    // "__metadata__" string entries.
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    uint64_t headerBytes() const { return headerBytes_; }

    // Safetensors dtype names ("F32", "BF16", ...) for the types we store.
    static std::optional<DType> dtypeFromName(const std::string& name);
    static const char* dtypeToName(DType t); // nullptr when not representable

  private:
    std::string path_;
    std::shared_ptr<MappedFile> file_;
    std::vector<Tensor> tensors_;
    std::map<std::string, size_t> index_;
    std::map<std::string, std::string> metadata_;
    uint64_t headerBytes_ = 0;
};

} // namespace mobi
