// Module's small query helpers (ast/module.h).
#include <string>

#include "wasmnn/ast/module.h"

namespace wasmnn {

uint32_t Module::funcTypeIndex(uint32_t funcIndex) const {
  if (funcIndex >= importedFuncs) return functions[funcIndex - importedFuncs].type;
  // Imported functions are the Func imports, in order; find the funcIndex-th one.
  uint32_t seen = 0;
  for (const Import& import : imports) {
    if (import.kind != ExternKind::Func) continue;
    if (seen == funcIndex) return import.funcType;
    ++seen;
  }
  return 0;  // out of range: the caller's contract was broken
}

std::string Module::functionName(uint32_t funcIndex) const {
  if (auto it = functionNames.find(funcIndex); it != functionNames.end()) return it->second;
  for (const Export& e : exports)
    if (e.kind == ExternKind::Func && e.index == funcIndex) return e.name;
  return "func[" + std::to_string(funcIndex) + "]";
}

}  // namespace wasmnn
