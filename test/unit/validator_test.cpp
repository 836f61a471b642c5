// Validator unit tests: binaries that decode fine, checked against the
// spec's typing rules. Expected messages are the spec interpreter's wording.
#include <gtest/gtest.h>

#include <string>

#include "loader_bytes.h"
#include "wasmnn/loader/loader.h"
#include "wasmnn/validator/validator.h"

namespace wasmnn {
namespace {

using namespace test;

Result<void> loadAndValidate(const Bytes& bytes) {
  Result<Module> m = loadModule(bytes);
  if (!m) return m.error();
  return validateModule(*m);
}

void expectValid(const Bytes& bytes) {
  Result<void> r = loadAndValidate(bytes);
  EXPECT_TRUE(r.ok()) << r.error().message;
}

void expectInvalid(const Bytes& bytes, const std::string& prefix) {
  Result<void> r = loadAndValidate(bytes);
  ASSERT_FALSE(r.ok()) << "expected: " << prefix;
  EXPECT_EQ(r.error().kind, ErrorKind::Invalid) << r.error().message;
  EXPECT_TRUE(startsWith(r.error().message, prefix)) << r.error().message;
}

const Bytes kI32 = {0x7F}, kI64 = {0x7E}, kNone = {};
const Bytes kOnePage = {0x01, 0x00, 0x01};  // memory section: one memory, min 1

TEST(Validator, ValidBodies) {
  // (func (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  expectValid(oneFunction(kI32, kI32, {0x20, 0x00, 0x41, 0x01, 0x6A, 0x0B}));
  // block (result i32) with br_table to it and to the function.
  expectValid(oneFunction(kI32, kI32, {0x02, 0x7F, 0x41, 0x07, 0x20, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x0B}));
  // if/else producing i64, then wrap.
  expectValid(oneFunction(kI32, kI32, {0x20, 0x00, 0x04, 0x7E, 0x42, 0x01, 0x05, 0x42, 0x02, 0x0B, 0xA7, 0x0B}));
  // loop with br_if back to it.
  expectValid(oneFunction(kI32, kNone, {0x03, 0x40, 0x20, 0x00, 0x0D, 0x00, 0x0B, 0x0B}));
  // Memory access with natural alignment.
  expectValid(oneFunction(kNone, kI32, {0x41, 0x00, 0x28, 0x02, 0x00, 0x0B}, kOnePage));
}

TEST(Validator, TypeMismatch) {
  // i32.add of an i32 and an i64.
  expectInvalid(oneFunction(kNone, kNone, {0x41, 0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B}), "type mismatch");
  // Result missing at the end.
  expectInvalid(oneFunction(kNone, kI32, {0x0B}), "type mismatch");
  // Extra value left at the end.
  expectInvalid(oneFunction(kNone, kNone, {0x41, 0x00, 0x0B}), "type mismatch");
  // An `if` without `else` must not produce a value.
  expectInvalid(oneFunction(kI32, kI32, {0x20, 0x00, 0x04, 0x7F, 0x41, 0x01, 0x0B, 0x0B}), "type mismatch");
  // br_table targets of different arities.
  expectInvalid(
      oneFunction(kNone, kI32, {0x02, 0x40, 0x41, 0x00, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x41, 0x00, 0x0B}),
      "type mismatch");
}

TEST(Validator, UnreachableMakesTheStackPolymorphic) {
  // unreachable; i32.add; drop — the operands are Unknown.
  expectValid(oneFunction(kNone, kNone, {0x00, 0x6A, 0x1A, 0x0B}));
  // After `return`, the missing i64 result at `end` is Unknown.
  expectValid(oneFunction(kNone, kI64, {0x42, 0x01, 0x0F, 0x0B}));
  // But `return` itself needs the result.
  expectInvalid(oneFunction(kNone, kI64, {0x0F, 0x0B}), "type mismatch");
  // But a known wrong type is still wrong.
  expectInvalid(oneFunction(kNone, kNone, {0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B}), "type mismatch");
}

TEST(Validator, MultiValueBlocks) {
  // Type 0: [] -> [i32 i32]; type 1: [i32 i32] -> [i32].
  ModuleBytes b;
  b.section(kType, {0x02, 0x60, 0x00, 0x02, 0x7F, 0x7F, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F});
  b.section(kFunction, {0x01, 0x00});
  // block (type 0): i32.const 1, i32.const 2 end; block (type 1): i32.add end; drop... then 2 results.
  b.section(kCode,
            concat({{0x01},
                    body({0x00, 0x02, 0x00, 0x41, 0x01, 0x41, 0x02, 0x0B, 0x02, 0x01, 0x6A, 0x0B, 0x41, 0x03, 0x0B})}));
  expectValid(b.bytes);
}

TEST(Validator, UnknownIndices) {
  expectInvalid(oneFunction(kNone, kNone, {0x20, 0x00, 0x1A, 0x0B}), "unknown local 0");
  expectInvalid(oneFunction(kNone, kNone, {0x23, 0x00, 0x1A, 0x0B}), "unknown global 0");
  expectInvalid(oneFunction(kNone, kNone, {0x10, 0x05, 0x0B}), "unknown function 5");
  expectInvalid(oneFunction(kNone, kNone, {0x0C, 0x01, 0x0B}), "unknown label 1");
  expectInvalid(oneFunction(kNone, kNone, {0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B}), "unknown memory 0");
  expectInvalid(oneFunction(kNone, kNone, {0x41, 0x00, 0x11, 0x00, 0x00, 0x0B}), "unknown table 0");
  expectInvalid(oneFunction(kNone, kNone, {0x02, 0x09, 0x0B, 0x0B}), "unknown type 9");
  expectInvalid(oneFunction(kNone, kNone, {0xFC, 0x0D, 0x02, 0x0B}), "unknown elem segment 2");
  // data.drop without any data section: the index is unknown.
  expectInvalid(oneFunction(kNone, kNone, {0xFC, 0x09, 0x00, 0x0B}), "unknown data segment 0");
}

TEST(Validator, MessageNamesOffsetAndFunction) {
  Result<void> r = loadAndValidate(oneFunction(kNone, kNone, {0x20, 0x03, 0x1A, 0x0B}));
  ASSERT_FALSE(r.ok());
  // Function 0's body starts at 0x16 with its locals count; local.get follows.
  EXPECT_EQ(r.error().message, "unknown local 3 (at offset 0x17, func 0)");
}

TEST(Validator, Globals) {
  // (global i32 (i32.const 0)) (func global.set 0 ...): immutable.
  ModuleBytes b;
  b.section(kType, {0x01, 0x60, 0x00, 0x00}).section(kFunction, {0x01, 0x00});
  b.section(kGlobal, {0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B});
  b.section(kCode, concat({{0x01}, body({0x00, 0x41, 0x01, 0x24, 0x00, 0x0B})}));
  expectInvalid(b.bytes, "global is immutable");
  // Initializer of the wrong type.
  expectInvalid(ModuleBytes{}.section(kGlobal, {0x01, 0x7F, 0x00, 0x42, 0x00, 0x0B}).bytes, "type mismatch");
  // global.get of a defined global in an initializer: not visible there in 2.0.
  expectInvalid(
      ModuleBytes{}.section(kGlobal, {0x02, 0x7F, 0x00, 0x41, 0x00, 0x0B, 0x7F, 0x00, 0x23, 0x00, 0x0B}).bytes,
      "unknown global 0");
  // global.get of an imported mutable global is not constant.
  ModuleBytes imported;
  imported.section(kImport, concat({{0x01}, name("m"), name("g"), {0x03, 0x7F, 0x01}}));
  imported.section(kGlobal, {0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B});
  expectInvalid(imported.bytes, "constant expression required");
}

TEST(Validator, Memories) {
  expectValid(ModuleBytes{}.section(kMemory, {0x01, 0x01, 0x00, 0x80, 0x80, 0x04}).bytes);  // max 65536
  expectInvalid(ModuleBytes{}.section(kMemory, {0x01, 0x00, 0x81, 0x80, 0x04}).bytes,
                "memory size must be at most 65536 pages (4GiB)");
  expectInvalid(ModuleBytes{}.section(kMemory, {0x01, 0x01, 0x02, 0x01}).bytes,
                "size minimum must not be greater than maximum");
  expectInvalid(ModuleBytes{}.section(kMemory, {0x02, 0x00, 0x00, 0x00, 0x00}).bytes, "multiple memories");
  // i32.load with 2^3 alignment: wider than its 4 bytes.
  expectInvalid(oneFunction(kNone, kNone, {0x41, 0x00, 0x28, 0x03, 0x00, 0x1A, 0x0B}, kOnePage),
                "alignment must not be larger than natural");
}

TEST(Validator, Tables) {
  expectInvalid(ModuleBytes{}.section(kTable, {0x01, 0x70, 0x01, 0x03, 0x02}).bytes,
                "size minimum must not be greater than maximum");
  // An externref segment into a funcref table.
  ModuleBytes b;
  b.section(kTable, {0x01, 0x70, 0x00, 0x01});
  b.section(kElem, {0x01, 0x06, 0x00, 0x41, 0x00, 0x0B, 0x6F, 0x01, 0xD0, 0x6F, 0x0B});
  expectInvalid(b.bytes, "type mismatch");
  // call_indirect through an externref table.
  ModuleBytes c;
  c.section(kType, {0x01, 0x60, 0x00, 0x00}).section(kFunction, {0x01, 0x00});
  c.section(kTable, {0x01, 0x6F, 0x00, 0x01});
  c.section(kCode, concat({{0x01}, body({0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0B})}));
  expectInvalid(c.bytes, "type mismatch");
}

TEST(Validator, Exports) {
  ModuleBytes b;
  b.section(kType, {0x01, 0x60, 0x00, 0x00}).section(kFunction, {0x01, 0x00});
  b.section(kExport, concat({{0x02}, name("f"), {0x00, 0x00}, name("f"), {0x00, 0x00}}));
  b.section(kCode, concat({{0x01}, body({0x00, 0x0B})}));
  expectInvalid(b.bytes, "duplicate export name");
  expectInvalid(ModuleBytes{}.section(kExport, concat({{0x01}, name("g"), {0x03, 0x00}})).bytes, "unknown global 0");
}

TEST(Validator, StartFunction) {
  ModuleBytes b;
  b.section(kType, {0x01, 0x60, 0x00, 0x01, 0x7F}).section(kFunction, {0x01, 0x00}).section(kStart, {0x00});
  b.section(kCode, concat({{0x01}, body({0x00, 0x41, 0x00, 0x0B})}));
  expectInvalid(b.bytes, "start function");
  expectInvalid(ModuleBytes{}.section(kStart, {0x00}).bytes, "unknown function 0");
}

TEST(Validator, FunctionReferencesMustBeDeclared) {
  // ref.func 0 in a body, function 0 named nowhere else.
  expectInvalid(oneFunction(kNone, kNone, {0xD2, 0x00, 0x1A, 0x0B}), "undeclared function reference");
  // The same with a declarative element segment naming function 0.
  ModuleBytes b;
  b.section(kType, {0x01, 0x60, 0x00, 0x00}).section(kFunction, {0x01, 0x00});
  b.section(kElem, {0x01, 0x03, 0x00, 0x01, 0x00});
  b.section(kCode, concat({{0x01}, body({0x00, 0xD2, 0x00, 0x1A, 0x0B})}));
  expectValid(b.bytes);
}

TEST(Validator, Select) {
  // Untyped select of externrefs is not allowed; typed select is.
  expectInvalid(oneFunction(kNone, kNone, {0xD0, 0x6F, 0xD0, 0x6F, 0x41, 0x01, 0x1B, 0x1A, 0x0B}), "type mismatch");
  expectValid(oneFunction(kNone, kNone, {0xD0, 0x6F, 0xD0, 0x6F, 0x41, 0x01, 0x1C, 0x01, 0x6F, 0x1A, 0x0B}));
  // Typed select with two result types.
  expectInvalid(oneFunction(kNone, kNone, {0x41, 0x01, 0x41, 0x01, 0x41, 0x01, 0x1C, 0x02, 0x7F, 0x7F, 0x1A, 0x0B}),
                "invalid result arity");
}

TEST(Validator, BulkMemoryAndTables) {
  // memory.init 0 with a data count section and one passive segment.
  ModuleBytes b;
  b.section(kType, {0x01, 0x60, 0x00, 0x00}).section(kFunction, {0x01, 0x00}).section(kMemory, kOnePage);
  b.section(kDataCount, {0x01});
  b.section(kCode,
            concat({{0x01},
                    body({0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0xFC, 0x09, 0x00, 0x0B})}));
  b.section(kData, {0x01, 0x01, 0x00});
  expectValid(b.bytes);
  // table.copy between tables of different reference types.
  ModuleBytes t;
  t.section(kType, {0x01, 0x60, 0x00, 0x00}).section(kFunction, {0x01, 0x00});
  t.section(kTable, {0x02, 0x70, 0x00, 0x01, 0x6F, 0x00, 0x01});
  t.section(kCode, concat({{0x01}, body({0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x0E, 0x00, 0x01, 0x0B})}));
  expectInvalid(t.bytes, "type mismatch");
}

TEST(Validator, ImportedGlobalsInConstantExpressions) {
  // (import "m" "g" (global i32)) (import "m" "mem" (memory 1))
  // (data (global.get 0) "x") (global i32 (global.get 0))
  ModuleBytes b;
  b.section(kImport,
            concat({{0x02}, name("m"), name("g"), {0x03, 0x7F, 0x00}, name("m"), name("mem"), {0x02, 0x00, 0x01}}));
  b.section(kGlobal, {0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B});
  b.section(kData, {0x01, 0x00, 0x23, 0x00, 0x0B, 0x01, 0x78});
  expectValid(b.bytes);
}

TEST(Validator, TableInstructions) {
  // (table 1 funcref) (elem declare func 0) and a body using
  // table.get / table.set / table.size / table.grow / table.fill / call_indirect.
  ModuleBytes b;
  b.section(kType, {0x01, 0x60, 0x00, 0x00}).section(kFunction, {0x01, 0x00});
  b.section(kTable, {0x01, 0x70, 0x00, 0x01});
  b.section(kElem, {0x01, 0x03, 0x00, 0x01, 0x00});
  b.section(kCode,
            concat({{0x01}, body({0x00, 0x41, 0x00, 0x41, 0x00, 0x25, 0x00, 0x26, 0x00,  // table.set 0 (table.get 0)
                                  0xD2, 0x00, 0x41, 0x01, 0xFC, 0x0F, 0x00, 0x1A,        // table.grow
                                  0x41, 0x00, 0xD0, 0x70, 0xFC, 0x10, 0x00,              // (size pushes i32)
                                  0xFC, 0x11, 0x00,                                      // table.fill (i32, ref, i32)
                                  0x41, 0x00, 0x11, 0x00, 0x00,                          // call_indirect type 0
                                  0x0B})}));
  expectValid(b.bytes);
}

TEST(Validator, BranchesAfterUnreachableSeeUnknownOperands) {
  // block (result i32) unreachable br_table 0 0 end drop: valid, the operands are Unknown.
  expectValid(oneFunction(kNone, kNone, {0x02, 0x7F, 0x00, 0x0E, 0x01, 0x00, 0x00, 0x0B, 0x1A, 0x0B}));
  // br_if needs its label's values even when the condition is known.
  expectInvalid(oneFunction(kNone, kNone, {0x02, 0x7F, 0x41, 0x01, 0x0D, 0x00, 0x0B, 0x1A, 0x0B}), "type mismatch");
}

TEST(Validator, MemoryIsCheckedBeforeDataSegments) {
  // memory.init 1 without a memory and without data: the memory is reported.
  expectInvalid(oneFunction(kNone, kNone, {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x01, 0x00, 0x0B}),
                "unknown memory 0");
}

}  // namespace
}  // namespace wasmnn
