// Loader unit tests on hand-written binaries. Expected messages are the spec
// interpreter's wording, which the official testsuite compares by prefix.
#include <gtest/gtest.h>

#include <string>

#include "loader_bytes.h"
#include "wasmnn/loader/loader.h"

namespace wasmnn {
namespace {

using namespace test;

Module load(const Bytes& bytes) {
  Result<Module> m = loadModule(bytes);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return m.ok() ? std::move(*m) : Module{};
}

// Loading must fail with `kind` and a message starting with `prefix`.
void expectError(const Bytes& bytes, const std::string& prefix, ErrorKind kind = ErrorKind::Malformed) {
  Result<Module> m = loadModule(bytes);
  ASSERT_FALSE(m.ok()) << "expected: " << prefix;
  EXPECT_EQ(m.error().kind, kind) << m.error().message;
  EXPECT_TRUE(startsWith(m.error().message, prefix)) << m.error().message;
}

const Bytes kVoidType = {0x01, 0x60, 0x00, 0x00};  // type section: [] -> []

TEST(Loader, EmptyModule) {
  Module m = load(ModuleBytes{}.bytes);
  EXPECT_TRUE(m.types.empty());
  EXPECT_TRUE(m.functions.empty());
  EXPECT_FALSE(m.start.has_value());
}

TEST(Loader, Header) {
  expectError({}, "unexpected end");
  expectError({0x00, 0x61, 0x73}, "unexpected end");
  expectError({0x00, 0x41, 0x53, 0x4D, 0x01, 0x00, 0x00, 0x00}, "magic header not detected");
  expectError({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00}, "unknown binary version");
  expectError({0x00, 0x61, 0x73, 0x6D, 0x01, 0x00}, "unexpected end");
}

TEST(Loader, MessageCarriesOffset) {
  // Section id 13 at offset 8.
  Result<Module> m = loadModule(ModuleBytes{}.raw({0x0D, 0x00}).bytes);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message, "malformed section id (at offset 0x8)");
}

TEST(Loader, TypesAndImports) {
  ModuleBytes b;
  b.section(kType, {0x02, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D,  // (i32, i64) -> (f32)
                    0x60, 0x00, 0x02, 0x6F, 0x70});            // () -> (externref, funcref)
  b.section(kImport, concat({{0x04},
                             name("env"),
                             name("f"),
                             {0x00, 0x01},  // func type 1
                             name("env"),
                             name("t"),
                             {0x01, 0x70, 0x01, 0x02, 0x05},  // table funcref 2..5
                             name("env"),
                             name("m"),
                             {0x02, 0x00, 0x01},  // memory min 1
                             name("env"),
                             name("g"),
                             {0x03, 0x7C, 0x01}}));  // global (mut f64)
  b.section(kFunction, {0x01, 0x00});
  b.section(kCode, concat({{0x01}, body({0x00, 0x0B})}));
  Module m = load(b.bytes);
  ASSERT_EQ(m.types.size(), 2u);
  EXPECT_EQ(toString(m.types[0]), "(i32, i64) -> (f32)");
  EXPECT_EQ(toString(m.types[1]), "() -> (externref, funcref)");
  ASSERT_EQ(m.imports.size(), 4u);
  EXPECT_EQ(m.imports[0].kind, ExternKind::Func);
  EXPECT_EQ(m.imports[0].funcType, 1u);
  EXPECT_EQ(m.imports[1].table.elem, ValType::FuncRef);
  EXPECT_EQ(m.imports[1].table.limits.min, 2u);
  EXPECT_EQ(m.imports[1].table.limits.max, std::optional<uint32_t>(5));
  EXPECT_EQ(m.imports[2].memory.limits.min, 1u);
  EXPECT_FALSE(m.imports[2].memory.limits.max.has_value());
  EXPECT_EQ(m.imports[3].global.type, ValType::F64);
  EXPECT_TRUE(m.imports[3].global.mut);
  EXPECT_EQ(m.importedFuncs + m.importedTables + m.importedMemories + m.importedGlobals, 4u);
  EXPECT_EQ(m.funcTypeIndex(0), 1u);  // the import
  EXPECT_EQ(m.funcTypeIndex(1), 0u);  // the defined function
}

TEST(Loader, InstructionImmediates) {
  const Bytes code = {0x02, 0x40,                          // block (empty)
                      0x03, 0x7F,                          // loop (result i32)
                      0x41, 0x7F,                          // i32.const -1
                      0x0E, 0x02, 0x00, 0x01, 0x00,        // br_table [0 1] default 0
                      0x0B, 0x0B, 0x42, 0x80, 0x7F,        // i64.const -128
                      0x1A, 0x43, 0x00, 0x00, 0x80, 0x3F,  // f32.const 1.0
                      0x1A, 0x41, 0x00, 0x28, 0x02, 0x10,  // i32.load align=2 offset=16
                      0x1A, 0x02, 0x00,                    // block (type 0)
                      0x0B, 0x0B};
  Module m = load(oneFunction({}, {}, code, {0x01, 0x00, 0x01}));
  ASSERT_EQ(m.functions.size(), 1u);
  const std::vector<Instr>& in = m.functions[0].code;
  ASSERT_EQ(in.size(), 16u);
  EXPECT_EQ(in[0].op, Op::Block);
  EXPECT_EQ(in[0].blockType.kind, BlockType::Kind::Empty);
  EXPECT_EQ(in[1].blockType.kind, BlockType::Kind::Value);
  EXPECT_EQ(in[1].blockType.valType, 0x7F);
  EXPECT_EQ(in[2].u64, 0xFFFFFFFFu);  // zero-extended from 32 bits
  EXPECT_EQ(in[3].op, Op::BrTable);
  EXPECT_EQ(in[3].b, 3u);  // two targets and the default
  EXPECT_EQ(m.functions[0].brTableTargets, (std::vector<uint32_t>{0, 1, 0}));
  EXPECT_EQ(in[6].u64, uint64_t(int64_t(-128)));
  EXPECT_EQ(in[8].u64, 0x3F800000u);
  EXPECT_EQ(in[11].op, Op::I32Load);
  EXPECT_EQ(in[11].a, 2u);
  EXPECT_EQ(in[11].b, 16u);
  EXPECT_EQ(in[13].blockType.kind, BlockType::Kind::TypeIndex);
  EXPECT_EQ(in[13].blockType.typeIndex, 0u);
  EXPECT_EQ(in[15].op, Op::End);
  // Offsets point at opcodes: the body starts after header (8), type (6),
  // function (4) and memory (5) sections, the code section's id and size (2),
  // its count, the body size and the locals count.
  EXPECT_EQ(in[0].offset, 8u + 6 + 4 + 5 + 2 + 1 + 1 + 1);
}

TEST(Loader, PrefixedInstructions) {
  const Bytes code = {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x0A, 0x00, 0x00,  // memory.copy
                      0x43, 0x00, 0x00, 0x00, 0x00, 0xFC, 0x00, 0x1A,              // i32.trunc_sat_f32_s
                      0x0B};
  Module m = load(oneFunction({}, {}, code, {0x01, 0x00, 0x01}));
  const std::vector<Instr>& in = m.functions[0].code;
  ASSERT_EQ(in.size(), 8u);
  EXPECT_EQ(in[3].op, Op::MemoryCopy);
  EXPECT_EQ(in[5].op, Op::I32TruncSatF32S);
  EXPECT_STREQ(opName(in[5].op), "i32.trunc_sat_f32_s");
  EXPECT_EQ(immediateOf(Op::MemoryInit), Imm::TwoIndex);
}

TEST(Loader, Leb128Errors) {
  // Function section entry: a u32 with a sixth byte, then with bits beyond 32.
  auto withFuncIndex = [](Bytes index) {
    ModuleBytes b;
    b.section(kType, kVoidType).section(kFunction, concat({{0x01}, index}));
    return b.bytes;
  };
  expectError(withFuncIndex({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), "integer representation too long");
  expectError(withFuncIndex({0x80, 0x80, 0x80, 0x80, 0x10}), "integer too large");
  // i32.const -1 with a non-sign bit set in the last byte.
  expectError(oneFunction({}, {}, {0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x4F, 0x1A, 0x0B}), "integer too large");
  expectError(withFuncIndex({0x80}), "unexpected end");
}

TEST(Loader, SectionStructure) {
  expectError(ModuleBytes{}.section(kType, kVoidType).section(kType, kVoidType).bytes,
              "unexpected content after last section");
  expectError(ModuleBytes{}.section(kFunction, {0x00}).section(kType, {0x00}).bytes,
              "unexpected content after last section");
  expectError(ModuleBytes{}.section(kType, {0x01, 0x60, 0x00, 0x00, 0x00}).bytes, "section size mismatch");
  expectError(ModuleBytes{}.raw({kType, 0x10, 0x00}).bytes, "length out of bounds");
  // The data count section comes between element and code sections.
  Module m = load(ModuleBytes{}.section(kElem, {0x00}).section(kDataCount, {0x00}).section(kData, {0x00}).bytes);
  EXPECT_EQ(m.dataCount, std::optional<uint32_t>(0));
}

TEST(Loader, CountsMustAgree) {
  expectError(ModuleBytes{}.section(kType, kVoidType).section(kFunction, {0x01, 0x00}).bytes,
              "function and code section have inconsistent lengths");
  expectError(ModuleBytes{}.section(kDataCount, {0x01}).bytes, "data count and data section have inconsistent lengths");
  // memory.init with a data section but no data count section.
  ModuleBytes b;
  b.section(kType, kVoidType).section(kFunction, {0x01, 0x00}).section(kMemory, {0x01, 0x00, 0x01});
  b.section(kCode, concat({{0x01}, body({0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B})}));
  b.section(kData, {0x01, 0x01, 0x00});
  expectError(b.bytes, "data count section required");
}

TEST(Loader, HugeCountsFailWithoutAllocating) {
  expectError(ModuleBytes{}.section(kType, {0xFF, 0xFF, 0xFF, 0xFF, 0x0F}).bytes, "unexpected end");
  expectError(oneFunction({}, {}, {0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x0B}), "unexpected end");
}

TEST(Loader, ReservedZeroBytes) {
  expectError(oneFunction({}, {}, {0x41, 0x00, 0x40, 0x01, 0x1A, 0x0B}, {0x01, 0x00, 0x01}), "zero byte expected");
  expectError(oneFunction({}, {}, {0x3F, 0x80, 0x00, 0x1A, 0x0B}, {0x01, 0x00, 0x01}), "zero byte expected");
}

TEST(Loader, Opcodes) {
  expectError(oneFunction({}, {}, {0x06, 0x0B}), "illegal opcode");
  expectError(oneFunction({}, {}, {0xFC, 0x12, 0x0B}), "illegal opcode");
  expectError(oneFunction({}, {}, {0xFD, 0x9A, 0x01, 0x0B}), "illegal opcode");  // a gap in the SIMD numbering
  expectError(oneFunction({}, {}, {0xFD, 0x0C, 0x0B}), "unexpected end");        // v128.const lacks its 16 bytes
  expectError(oneFunction({}, {}, {0xD0, 0x7F, 0x0B}), "malformed reference type");
}

TEST(Loader, BodyEnds) {
  // The body lacks its final end and the module ends: as in binary.wast.
  ModuleBytes b;
  b.section(kType, kVoidType).section(kFunction, {0x01, 0x00});
  b.section(kCode, {0x01, 0x04, 0x00, 0x41, 0x01, 0x1A});
  expectError(b.bytes, "unexpected end");
  // `else` outside an `if`.
  expectError(oneFunction({}, {}, {0x02, 0x40, 0x05, 0x0B, 0x0B}), "END opcode expected");
  // Bytes after the final end but inside the declared body.
  expectError(oneFunction({}, {}, {0x0B, 0x01}), "section size mismatch");
}

TEST(Loader, Names) {
  expectError(ModuleBytes{}.section(kImport, concat({{0x01}, {0x02, 0xC0, 0x80}, name("x"), {0x00, 0x00}})).bytes,
              "malformed UTF-8 encoding");
  // A UTF-16 surrogate (ED A0 80) is not UTF-8.
  expectError(ModuleBytes{}.section(kCustom, {0x03, 0xED, 0xA0, 0x80}).bytes, "malformed UTF-8 encoding");
  // Four-byte sequences up to U+10FFFF are fine.
  Module m = load(ModuleBytes{}.section(kCustom, {0x04, 0xF4, 0x8F, 0xBF, 0xBF, 0xAA}).bytes);
  ASSERT_EQ(m.customs.size(), 1u);
  EXPECT_EQ(m.customs[0].bytes, Bytes{0xAA});
}

TEST(Loader, NameSection) {
  auto withNames = [](const Bytes& payload) {
    ModuleBytes b;
    b.section(kType, kVoidType).section(kFunction, {0x02, 0x00, 0x00});
    b.section(kExport, concat({{0x01}, name("run"), {0x00, 0x01}}));
    b.section(kCode, concat({{0x02}, body({0x00, 0x0B}), body({0x00, 0x0B})}));
    b.section(kCustom, concat({name("name"), payload}));
    return b.bytes;
  };
  // Subsection 1 (function names): function 0 is "main".
  Module m = load(withNames(concat({{0x01, 0x07, 0x01, 0x00}, name("main")})));
  EXPECT_EQ(m.functionName(0), "main");
  EXPECT_EQ(m.functionName(1), "run");  // from the export
  EXPECT_EQ(m.functionName(2), "func[2]");
  // A subsection size past the end: the name section is ignored, loading succeeds.
  Module broken = load(withNames({0x01, 0x40, 0x01, 0x00}));
  EXPECT_TRUE(broken.functionNames.empty());
  EXPECT_EQ(broken.functionName(0), "func[0]");
}

TEST(Loader, Locals) {
  ModuleBytes b;
  b.section(kType, kVoidType).section(kFunction, {0x01, 0x00});
  b.section(kCode, concat({{0x01}, body({0x02, 0x02, 0x7F, 0x01, 0x7E, 0x0B})}));
  Module m = load(b.bytes);
  EXPECT_EQ(m.functions[0].locals, (std::vector<ValType>{ValType::I32, ValType::I32, ValType::I64}));
  ModuleBytes many;
  many.section(kType, kVoidType).section(kFunction, {0x01, 0x00});
  many.section(kCode, concat({{0x01}, body({0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x0B})}));
  expectError(many.bytes, "too many locals");
}

TEST(Loader, TypeEncodings) {
  expectError(ModuleBytes{}.section(kGlobal, {0x01, 0x7F, 0x02, 0x41, 0x00, 0x0B}).bytes, "malformed mutability");
  expectError(ModuleBytes{}.section(kImport, concat({{0x01}, name("a"), name("b"), {0x04, 0x00}})).bytes,
              "malformed import kind");
  expectError(ModuleBytes{}.section(kTable, {0x01, 0x7F, 0x00, 0x00}).bytes, "malformed reference type");
  expectError(ModuleBytes{}.section(kMemory, {0x01, 0x02, 0x00}).bytes, "integer too large");
  expectError(ModuleBytes{}.section(kType, {0x01, 0xE0, 0x7F, 0x00, 0x00}).bytes, "integer representation too long");
}

TEST(Loader, ElementSegmentEncodings) {
  ModuleBytes b;
  b.section(kType, kVoidType).section(kFunction, {0x01, 0x00}).section(kTable, {0x01, 0x70, 0x00, 0x01});
  b.section(kElem, {0x08, 0x00, 0x41, 0x00, 0x0B, 0x01, 0x00,        // 0: active table 0, func indices
                    0x01, 0x00, 0x01, 0x00,                          // 1: passive, elemkind, indices
                    0x02, 0x00, 0x41, 0x01, 0x0B, 0x00, 0x01, 0x00,  // 2: active explicit table
                    0x03, 0x00, 0x01, 0x00,                          // 3: declarative
                    0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B,  // 4: active, expressions
                    0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B,              // 5: passive externref exprs
                    0x06, 0x00, 0x41, 0x00, 0x0B, 0x70, 0x00,        // 6: explicit table, no items
                    0x07, 0x70, 0x01, 0xD2, 0x00, 0x0B});            // 7: declarative exprs
  b.section(kCode, concat({{0x01}, body({0x00, 0x0B})}));
  Module m = load(b.bytes);
  ASSERT_EQ(m.elems.size(), 8u);
  const SegmentMode modes[] = {SegmentMode::Active,      SegmentMode::Passive,    SegmentMode::Active,
                               SegmentMode::Declarative, SegmentMode::Active,     SegmentMode::Passive,
                               SegmentMode::Active,      SegmentMode::Declarative};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(m.elems[i].mode, modes[i]) << i;
  EXPECT_EQ(m.elems[0].init[0].kind, ConstExpr::Kind::RefFunc);
  EXPECT_EQ(m.elems[2].offset.value, 1u);
  EXPECT_EQ(m.elems[5].type, ValType::ExternRef);
  EXPECT_EQ(m.elems[5].init[0].kind, ConstExpr::Kind::RefNull);
  EXPECT_EQ(m.elems[5].init[0].refType, ValType::ExternRef);
  EXPECT_TRUE(m.elems[6].init.empty());
  expectError(ModuleBytes{}.section(kElem, {0x01, 0x08}).bytes, "malformed elements segment kind");
}

TEST(Loader, DataSegments) {
  ModuleBytes b;
  b.section(kMemory, {0x01, 0x00, 0x01}).section(kDataCount, {0x03});
  b.section(kData, {0x03, 0x00, 0x41, 0x10, 0x0B, 0x02, 0xAA, 0xBB,  // active at 16
                    0x01, 0x01, 0xCC,                                // passive
                    0x02, 0x00, 0x41, 0x00, 0x0B, 0x00});            // explicit memory 0, empty
  Module m = load(b.bytes);
  ASSERT_EQ(m.datas.size(), 3u);
  EXPECT_EQ(m.datas[0].offset.value, 16u);
  EXPECT_EQ(m.datas[0].bytes, (Bytes{0xAA, 0xBB}));
  EXPECT_EQ(m.datas[1].mode, SegmentMode::Passive);
  EXPECT_TRUE(m.datas[2].bytes.empty());
  // Seven bytes declared, six present.
  expectError(ModuleBytes{}
                  .section(kMemory, {0x01, 0x00, 0x01})
                  .raw({kData, 0x0C, 0x01, 0x00, 0x41, 0x03, 0x0B, 0x07, 1, 2, 3, 4, 5, 6})
                  .bytes,
              "unexpected end");
}

TEST(Loader, ConstantExpressionShapeIsAValidationError) {
  // (global i32 (i32.const 0) (i32.ctz)): decodes, but is not constant.
  expectError(ModuleBytes{}.section(kGlobal, {0x01, 0x7F, 0x00, 0x41, 0x00, 0x68, 0x0B}).bytes,
              "constant expression required", ErrorKind::Invalid);
  expectError(ModuleBytes{}.section(kGlobal, {0x01, 0x7F, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0B}).bytes, "type mismatch",
              ErrorKind::Invalid);
  expectError(ModuleBytes{}.section(kGlobal, {0x01, 0x7F, 0x00, 0x0B}).bytes, "type mismatch", ErrorKind::Invalid);
  // A malformed byte later in the module still makes it malformed.
  expectError(ModuleBytes{}.section(kGlobal, {0x01, 0x7F, 0x00, 0x0B}).raw({0x0D}).bytes, "malformed section id");
  Module m = load(ModuleBytes{}.section(kGlobal, {0x01, 0x7E, 0x01, 0x42, 0x7F, 0x0B}).bytes);
  EXPECT_EQ(m.globals[0].init.kind, ConstExpr::Kind::I64);
  EXPECT_EQ(m.globals[0].init.value, ~uint64_t(0));
  EXPECT_TRUE(m.globals[0].type.mut);
}

TEST(Loader, NamesOfOpsAndTypes) {
  EXPECT_STREQ(opName(Op::I64Extend32S), "i64.extend32_s");
  EXPECT_STREQ(opName(Op::TableFill), "table.fill");
  EXPECT_EQ(immediateOf(Op::I32Load), Imm::MemArg);
  EXPECT_EQ(immediateOf(Op::BrTable), Imm::BrTable);
  EXPECT_STREQ(valTypeName(ValType::ExternRef), "externref");
  EXPECT_STREQ(externKindName(ExternKind::Memory), "memory");
}

TEST(Loader, CustomSectionsAreKeptInOrder) {
  ModuleBytes b;
  b.section(kCustom, concat({name("first"), {0x01, 0x02}}));
  b.section(kType, kVoidType);
  b.section(kCustom, concat({name("second")}));
  Module m = load(b.bytes);
  ASSERT_EQ(m.customs.size(), 2u);
  EXPECT_EQ(m.customs[0].name, "first");
  EXPECT_EQ(m.customs[0].bytes, (Bytes{0x01, 0x02}));
  EXPECT_EQ(m.customs[1].name, "second");
  EXPECT_TRUE(m.customs[1].bytes.empty());
  // A custom section whose name runs past its size.
  expectError(ModuleBytes{}.raw({kCustom, 0x01, 0x04, 'a', 'b', 'c', 'd'}).bytes, "unexpected end");
}

TEST(Loader, DataCountAfterCodeIsOutOfOrder) {
  expectError(ModuleBytes{}.section(kCode, {0x00}).section(kDataCount, {0x00}).bytes,
              "unexpected content after last section");
}

}  // namespace
}  // namespace wasmnn
