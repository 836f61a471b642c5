// The bulk memory and table operations, shared by the interpreter and the
// compiled tier's runtime. Each checks its whole range before writing
// anything (2.0 semantics).
#include <algorithm>
#include <cstring>

#include "wasmnn/runtime/objects.h"

namespace wasmnn {

bool memoryInit(wasmnn_instance* inst, uint32_t seg, uint64_t d, uint64_t s, uint64_t n) {
  std::span<const uint8_t> data = inst->datas[seg];
  LinearMemory& m = inst->mem0->mem;
  if (s + n > data.size() || d + n > m.size()) return false;
  if (n) std::memcpy(m.data() + d, data.data() + s, n);
  return true;
}

bool tableInit(wasmnn_instance* inst, uint32_t seg, uint32_t table, uint64_t d, uint64_t s, uint64_t n) {
  const std::vector<uint64_t>& elems = inst->elems[seg];
  std::vector<uint64_t>& t = inst->tables[table]->elems;
  if (s + n > elems.size() || d + n > t.size()) return false;
  std::copy_n(elems.begin() + s, n, t.begin() + d);
  return true;
}

bool tableCopy(wasmnn_instance* inst, uint32_t dstTable, uint32_t srcTable, uint64_t d, uint64_t s, uint64_t n) {
  std::vector<uint64_t>& dt = inst->tables[dstTable]->elems;
  std::vector<uint64_t>& st = inst->tables[srcTable]->elems;
  if (s + n > st.size() || d + n > dt.size()) return false;
  if (n) std::memmove(dt.data() + d, st.data() + s, n * sizeof(uint64_t));
  return true;
}

bool tableFill(wasmnn_table* table, uint64_t i, uint64_t v, uint64_t n) {
  if (i + n > table->elems.size()) return false;
  std::fill_n(table->elems.begin() + i, n, v);
  return true;
}

}  // namespace wasmnn
