#include "core/DType.h"

namespace mobi {

const char* dtypeName(DType t) {
    switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::Q8_0: return "Q8_0";
    case DType::I8: return "I8";
    case DType::I16: return "I16";
    case DType::I32: return "I32";
    case DType::U8: return "U8";
    }
    return "?";
}

size_t dtypeBlockElems(DType t) { return t == DType::Q8_0 ? 32 : 1; }

size_t dtypeBlockBytes(DType t) {
    switch (t) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::Q8_0: return 34; // fp16 scale + 32 int8
    case DType::I8: return 1;
    case DType::I16: return 2;
    case DType::I32: return 4;
    case DType::U8: return 1;
    }
    return 0;
}

size_t dtypeBytes(DType t, uint64_t n) {
    return static_cast<size_t>(n / dtypeBlockElems(t) * dtypeBlockBytes(t));
}

bool dtypeBytesChecked(DType t, uint64_t n, uint64_t& bytesOut) {
    const uint64_t be = dtypeBlockElems(t);
    if (n % be != 0) return false;
    const uint64_t blocks = n / be;
    const uint64_t bb = dtypeBlockBytes(t);
    if (blocks != 0 && bb > UINT64_MAX / blocks) return false;
    bytesOut = blocks * bb;
    return true;
}

} // namespace mobi
