// The in-memory form of a decoded module. Produced by the loader (loader/),
// checked by the validator (validator/), instantiated by the runtime (runtime/).
// A Module is immutable after loading and may be shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasmnn/ast/instruction.h"

namespace wasmnn {

enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
};

inline bool isRefType(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }
WASMNN_INTERNAL_API const char* valTypeName(ValType t);

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};
WASMNN_INTERNAL_API std::string toString(const FuncType& type);  // e.g. "(i32, i64) -> (f32)"

struct Limits {
  uint32_t min = 0;
  std::optional<uint32_t> max;
};

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

struct GlobalType {
  ValType type = ValType::I32;
  bool mut = false;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
WASMNN_INTERNAL_API const char* externKindName(ExternKind k);

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t funcType = 0;  // kind == Func: type index
  TableType table;        // kind == Table
  MemoryType memory;      // kind == Memory
  GlobalType global;      // kind == Global
};

// A constant expression of Wasm 2.0: exactly one of these instructions, then `end`.
struct ConstExpr {
  enum class Kind : uint8_t { I32, I64, F32, F64, RefNull, RefFunc, GlobalGet, V128 };
  Kind kind = Kind::I32;
  ValType refType = ValType::FuncRef;  // RefNull
  uint64_t value = 0;    // I32/I64 value, F32/F64 bits, RefFunc function index, GlobalGet global index, V128 low half
  uint64_t valueHi = 0;  // V128: the high 8 bytes
  uint32_t offset = 0;   // byte offset (for error messages)
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t table = 0;  // Active
  ConstExpr offset;    // Active
  ValType type = ValType::FuncRef;
  std::vector<ConstExpr> init;  // function indices are decoded as RefFunc
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Active;  // never Declarative
  uint32_t memory = 0;
  ConstExpr offset;
  std::vector<uint8_t> bytes;
};

// A function defined in this module (imports are in Module::imports).
struct Function {
  uint32_t type = 0;                              // type index
  std::vector<ValType> locals;                    // declared locals only (params come from the type)
  std::vector<Instr> code;                        // the body, ending with the function's final End
  std::vector<uint32_t> brTableTargets;           // storage for every br_table in this body
  std::vector<std::array<uint8_t, 16>> v128Pool;  // v128.const values and i8x16.shuffle lanes
  uint32_t bodyOffset = 0;                        // byte offset of the body (for messages)
};

struct CustomSection {
  std::string name;
  std::vector<uint8_t> bytes;
};

struct Module {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<Function> functions;   // defined functions, indexed after imported ones
  std::vector<TableType> tables;     // defined tables
  std::vector<MemoryType> memories;  // defined memories
  std::vector<Global> globals;       // defined globals
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> dataCount;
  std::vector<CustomSection> customs;
  std::unordered_map<uint32_t, std::string> functionNames;  // from the "name" section

  // Counts of imports per kind, filled by the loader.
  uint32_t importedFuncs = 0, importedTables = 0, importedMemories = 0, importedGlobals = 0;

  uint32_t totalFuncs() const { return importedFuncs + uint32_t(functions.size()); }
  uint32_t totalTables() const { return importedTables + uint32_t(tables.size()); }
  uint32_t totalMemories() const { return importedMemories + uint32_t(memories.size()); }
  uint32_t totalGlobals() const { return importedGlobals + uint32_t(globals.size()); }

  // Type index of function `funcIndex` (imported or defined); caller ensures it is in range.
  WASMNN_INTERNAL_API uint32_t funcTypeIndex(uint32_t funcIndex) const;
  // Name for backtraces: the name section's, else an export name, else "func[N]".
  WASMNN_INTERNAL_API std::string functionName(uint32_t funcIndex) const;
};

}  // namespace wasmnn
