// The loader's internal decoder (loadModule in loader.h is the entry point).
// One pass over the bytes, section by section, straight into a Module.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "wasmnn/ast/module.h"
#include "wasmnn/common/error.h"
#include "wasmnn/loader/reader.h"

namespace wasmnn {

class ModuleDecoder {
 public:
  explicit ModuleDecoder(std::span<const uint8_t> bytes) : r_(bytes) {}
  Result<Module> decode();

 private:
  // Module structure (decoder_sections.cpp)
  bool header();
  bool sections();
  bool section(uint8_t id, size_t end);
  bool checkCounts();
  bool typeSection();
  bool importSection();
  bool functionSection();
  bool tableSection();
  bool memorySection();
  bool globalSection();
  bool exportSection();
  bool elemSection();
  bool elemSegment(ElemSegment& seg);
  bool elemKind();
  bool dataSection();
  bool dataSegment(DataSegment& seg);
  bool codeSection();
  bool customSection(size_t end);
  void nameSection(std::span<const uint8_t> payload);

  // Types (decoder_sections.cpp)
  bool valType(ValType& out);
  bool refType(ValType& out);
  bool limits(Limits& out);
  bool tableType(TableType& out);
  bool globalType(GlobalType& out);

  // Code (decoder_code.cpp)
  bool functionBody(Function& f, uint32_t size);
  bool locals(Function& f);
  bool instructions(Function& f, uint32_t size);
  bool instr(Instr& in, std::vector<uint32_t>& brTargets);
  bool blockType(BlockType& out);
  bool brTable(Instr& in, std::vector<uint32_t>& brTargets);
  bool selectTypes(Instr& in);
  bool prefixedInstr(Instr& in);
  bool simdInstr(Instr& in);  // decoder_simd.cpp
  bool constExpr(ConstExpr& out);
  void defer(const char* message, size_t offset);

  Reader r_;
  Module m_;
  // The first validation error found while decoding (a const expression that
  // is not one constant instruction cannot be represented in a ConstExpr).
  // Reported as Invalid only if the whole binary turns out well-formed.
  std::optional<Error> deferred_;
  std::optional<uint32_t> codeCount_;
  std::optional<uint32_t> dataSectionCount_;
  std::optional<uint32_t> firstDataIndexUse_;  // offset of the first memory.init / data.drop
  std::vector<uint32_t> scratchTargets_;       // br_table targets met in const expressions
  // Where v128.const and i8x16.shuffle immediates go: the body's pool, or
  // scratchPool_ while decoding a constant expression.
  std::vector<std::array<uint8_t, 16>>* pool_ = &scratchPool_;
  std::vector<std::array<uint8_t, 16>> scratchPool_;
  enum class BlockKind : uint8_t { Plain, If, Else };
  std::vector<BlockKind> blocks_;  // open blocks of the body being decoded
};

}  // namespace wasmnn
