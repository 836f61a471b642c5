// Conversions between wasmnn_val and interpreter slots (v128 = two slots).
#include <cstring>

#include "wasmnn/runtime/objects.h"

namespace wasmnn {

uint32_t slotsOf(const std::vector<ValType>& types) {
  uint32_t n = 0;
  for (ValType t : types) n += slotsOf(t);
  return n;
}

wasmnn_val loadVal(ValType type, const uint64_t* slots) {
  if (type != ValType::V128) return toVal(type, slots[0]);
  wasmnn_val v{};
  v.kind = WASMNN_V128;
  std::memcpy(v.of.v128, slots, 16);
  return v;
}

void storeVal(const wasmnn_val& val, uint64_t* slots) {
  if (val.kind == WASMNN_V128) {
    std::memcpy(slots, val.of.v128, 16);
  } else {
    slots[0] = fromVal(val);
  }
}

}  // namespace wasmnn
