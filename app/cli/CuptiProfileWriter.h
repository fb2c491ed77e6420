// Writes a CuptiCollector's records into a ProfileStore: the glue between cuda/ and profiles/,
// kept in the CLI that links both so neither library includes the other.
#pragma once

#include "CuptiCollector.h"
#include "ProfileStore.h"

#include <cstdint>

namespace mobi::gpu {

// The columns kernel, memcpy and memset rows share.
template <class Row> void fillDeviceRecord(Row& o, const CuptiDeviceSpan& s, int64_t globalPid) {
    o.startNs = s.startNs;
    o.endNs = s.endNs;
    o.deviceId = static_cast<int>(s.deviceId);
    o.contextId = static_cast<int>(s.contextId);
    o.streamId = static_cast<int>(s.streamId);
    o.correlationId = s.correlationId;
    o.globalPid = globalPid;
}

// Kernels, copies, memsets and runtime calls into the nsys-named CUPTI tables.
// External correlations have no nsys table: callers report their count.
inline void writeCuptiRecords(ProfileStore& store, const CuptiRecords& r, int64_t globalPid) {
    for (const CuptiKernel& k : r.kernels) {
        KernelRecord o;
        fillDeviceRecord(o, k, globalPid);
        o.name = k.name;
        o.gridX = k.gridX;
        o.gridY = k.gridY;
        o.gridZ = k.gridZ;
        o.blockX = k.blockX;
        o.blockY = k.blockY;
        o.blockZ = k.blockZ;
        o.registersPerThread = k.registersPerThread;
        o.staticSharedMemory = k.staticSharedMemory;
        o.dynamicSharedMemory = k.dynamicSharedMemory;
        store.addKernel(o);
    }
    for (const CuptiMemcpy& m : r.memcpys) {
        MemcpyRecord o;
        fillDeviceRecord(o, m, globalPid);
        o.bytes = static_cast<int64_t>(m.bytes);
        o.copyKind = m.copyKind;
        o.srcKind = m.srcKind;
        o.dstKind = m.dstKind;
        store.addMemcpy(o);
    }
    for (const CuptiMemset& m : r.memsets) {
        MemsetRecord o;
        fillDeviceRecord(o, m, globalPid);
        o.value = m.value;
        o.bytes = static_cast<int64_t>(m.bytes);
        o.memKind = m.memoryKind;
        store.addMemset(o);
    }
    for (const CuptiApiCall& a : r.runtimeCalls) {
        RuntimeRecord o;
        o.startNs = a.startNs;
        o.endNs = a.endNs;
        o.globalTid = a.threadId;
        o.correlationId = a.correlationId;
        o.returnValue = a.returnValue;
        o.name = a.name;
        store.addRuntime(o);
    }
}

} // namespace mobi::gpu
