// The slot compiler's folding and fusion must keep wasm semantics. Each
// function below targets one rewrite (bytes from wabt's wat2wasm):
//
// (module
//   (memory 1)
//   (data (i32.const 0) "\01\02\03\04")
//   (func (export "wrapload") (param i32) (result i32)      ;; i32.add fused into the load
//     (i32.load (i32.add (local.get 0) (i32.const 4))))
//   (func (export "stale") (param i32) (result i32)          ;; lazily stacked local.get
//     local.get 0 i32.const 100 local.set 0 local.get 0 i32.sub)
//   (func (export "swap") (param i32 i32) (result i32 i32)   ;; results overwrite their sources
//     local.get 1 local.get 0)
//   (func (export "rsub") (param i32) (result i32)           ;; constant left of a sub
//     i32.const 10 local.get 0 i32.sub)
//   (func (export "clamp") (param i32) (result i32)          ;; compare fused into br_if with a value
//     (block (result i32)
//       (br_if 0 (i32.const 7) (i32.gt_s (local.get 0) (i32.const 7)))
//       drop local.get 0))
//   (func (export "sum") (param i32) (result i32) (local i32) ;; retargeted results in a loop
//     (loop $l
//       (local.set 1 (i32.add (local.get 1) (local.get 0)))
//       (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
//       (br_if $l (i32.ne (local.get 0) (i32.const 0))))
//     local.get 1))
#include <gtest/gtest.h>
#include "instance_fixture.h"

#include <bit>
#include <cstdint>
#include <thread>
#include <vector>

#include "wasmnn/wasmnn.h"

namespace {

const std::vector<uint8_t> kModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f,
    0x7f, 0x02, 0x7f, 0x7f, 0x03, 0x07, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
    0x30, 0x06, 0x08, 0x77, 0x72, 0x61, 0x70, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x00, 0x05, 0x73, 0x74, 0x61, 0x6c, 0x65,
    0x00, 0x01, 0x04, 0x73, 0x77, 0x61, 0x70, 0x00, 0x02, 0x04, 0x72, 0x73, 0x75, 0x62, 0x00, 0x03, 0x05, 0x63, 0x6c,
    0x61, 0x6d, 0x70, 0x00, 0x04, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x05, 0x0a, 0x59, 0x06, 0x0a, 0x00, 0x20, 0x00, 0x41,
    0x04, 0x6a, 0x28, 0x02, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x41, 0xe4, 0x00, 0x21, 0x00, 0x20, 0x00, 0x6b, 0x0b,
    0x06, 0x00, 0x20, 0x01, 0x20, 0x00, 0x0b, 0x07, 0x00, 0x41, 0x0a, 0x20, 0x00, 0x6b, 0x0b, 0x11, 0x00, 0x02, 0x7f,
    0x41, 0x07, 0x20, 0x00, 0x41, 0x07, 0x4a, 0x0d, 0x00, 0x1a, 0x20, 0x00, 0x0b, 0x0b, 0x1e, 0x01, 0x01, 0x7f, 0x03,
    0x40, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x20, 0x00, 0x41, 0x00,
    0x47, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x0b, 0x0a, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x01, 0x02, 0x03, 0x04};

wasmnn_val i32(int32_t v) {
  wasmnn_val x{};
  x.kind = WASMNN_I32;
  x.of.i32 = v;
  return x;
}

class CompilerTest : public InstanceTest {
 protected:
  void SetUp() override {
    load(kModule);
    instantiate();
  }
  std::vector<int32_t> call(const char* name, std::vector<wasmnn_val> args, size_t results = 1) {
    std::vector<int32_t> values;
    for (const wasmnn_val& v : callExport(name, std::move(args), results)) values.push_back(v.of.i32);
    return values;
  }
};

TEST_F(CompilerTest, FusedAddressAddWrapsIn32Bits) {
  EXPECT_EQ(call("wrapload", {i32(-4)}), std::vector<int32_t>{0x04030201});
  EXPECT_EQ(call("wrapload", {i32(0)}), std::vector<int32_t>{0});  // bytes 4..7 are zero
}

TEST_F(CompilerTest, StackedLocalReadSurvivesLocalSet) {
  EXPECT_EQ(call("stale", {i32(1)}), std::vector<int32_t>{1 - 100});
}

TEST_F(CompilerTest, SwappedResultsFromLocals) {
  EXPECT_EQ(call("swap", {i32(1), i32(2)}, 2), (std::vector<int32_t>{2, 1}));
}

TEST_F(CompilerTest, ConstantLeftOperandOfSub) { EXPECT_EQ(call("rsub", {i32(3)}), std::vector<int32_t>{7}); }

TEST_F(CompilerTest, FusedCompareBranchCarriesItsValue) {
  EXPECT_EQ(call("clamp", {i32(100)}), std::vector<int32_t>{7});
  EXPECT_EQ(call("clamp", {i32(-5)}), std::vector<int32_t>{-5});
  EXPECT_EQ(call("clamp", {i32(7)}), std::vector<int32_t>{7});
}

TEST_F(CompilerTest, LoopWithRetargetedResults) { EXPECT_EQ(call("sum", {i32(100)}), std::vector<int32_t>{5050}); }

// Stores fold the address add when the value is a local or a constant:
//
// (module
//   (memory 1)
//   (func (export "storeLocal") (param i32 i32) (result i32)
//     (i32.store (i32.add (local.get 0) (i32.const 8)) (local.get 1))
//     (i32.load (i32.add (local.get 0) (i32.const 8))))
//   (func (export "storeConst") (param i32 i32) (result i32)  ;; the constant's slot
//     local.get 0                                            ;; held the add's operand
//     local.get 1 i32.const 1 i32.add
//     i32.add
//     i32.const 7
//     i32.store
//     local.get 0 local.get 1 i32.add i32.const 1 i32.add
//     i32.load))
const std::vector<uint8_t> kStores = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03,
    0x03, 0x02, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x1b, 0x02, 0x0a, 0x73, 0x74, 0x6f, 0x72, 0x65,
    0x4c, 0x6f, 0x63, 0x61, 0x6c, 0x00, 0x00, 0x0a, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x43, 0x6f, 0x6e, 0x73, 0x74,
    0x00, 0x01, 0x0a, 0x31, 0x02, 0x14, 0x00, 0x20, 0x00, 0x41, 0x08, 0x6a, 0x20, 0x01, 0x36, 0x02, 0x00, 0x20,
    0x00, 0x41, 0x08, 0x6a, 0x28, 0x02, 0x00, 0x0b, 0x1a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x6a,
    0x41, 0x07, 0x36, 0x02, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x41, 0x01, 0x6a, 0x28, 0x02, 0x00, 0x0b};

TEST(CompilerStores, FusedAddressKeepsTheValueSeparate) {
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  ASSERT_EQ(wasmnn_module_new(engine, kStores.data(), kStores.size(), &module), nullptr);
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_instance* instance = nullptr;
  ASSERT_EQ(wasmnn_linker_instantiate(linker, module, &instance), nullptr);
  auto call = [&](const char* name, int32_t a, int32_t b) {
    wasmnn_extern e;
    EXPECT_TRUE(wasmnn_instance_export(instance, name, &e));
    wasmnn_val args[2] = {i32(a), i32(b)}, r{};
    EXPECT_EQ(wasmnn_func_call(e.of.func, args, 2, &r, 1), nullptr);
    return r.of.i32;
  };
  EXPECT_EQ(call("storeLocal", 100, 12345), 12345);
  EXPECT_EQ(call("storeLocal", -4, 77), 77);  // address wraps to 4
  EXPECT_EQ(call("storeConst", 0, 3), 7);
  EXPECT_EQ(call("storeConst", 40, 10), 7);
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
}

// Constant addresses become absolute 64-bit effective addresses:
//
// (module
//   (memory 1)
//   (func (export "roundtrip") (param i32) (result i32)
//     (i32.store offset=8 (i32.const 4) (local.get 0))
//     (i32.load (i32.const 12)))
//   (func (export "farload") (result i32)                  ;; 1 + 0xFFFFFFFF must not wrap
//     (i32.load offset=0xFFFFFFFF (i32.const 1)))
//   (func (export "farstore")
//     (i32.store offset=0xFFFFFFFF (i32.const 1) (i32.const 5))))
const std::vector<uint8_t> kAbsolute = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01,
    0x7f, 0x60, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x22, 0x03, 0x09,
    0x72, 0x6f, 0x75, 0x6e, 0x64, 0x74, 0x72, 0x69, 0x70, 0x00, 0x00, 0x07, 0x66, 0x61, 0x72, 0x6c, 0x6f, 0x61, 0x64,
    0x00, 0x01, 0x08, 0x66, 0x61, 0x72, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x02, 0x0a, 0x2a, 0x03, 0x0e, 0x00, 0x41,
    0x04, 0x20, 0x00, 0x36, 0x02, 0x08, 0x41, 0x0c, 0x28, 0x02, 0x00, 0x0b, 0x0b, 0x00, 0x41, 0x01, 0x28, 0x02, 0xff,
    0xff, 0xff, 0xff, 0x0f, 0x0b, 0x0d, 0x00, 0x41, 0x01, 0x41, 0x05, 0x36, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b};

TEST(CompilerAbsolute, ConstantAddressesDoNotWrap) {
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  ASSERT_EQ(wasmnn_module_new(engine, kAbsolute.data(), kAbsolute.size(), &module), nullptr);
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_instance* instance = nullptr;
  ASSERT_EQ(wasmnn_linker_instantiate(linker, module, &instance), nullptr);
  auto func = [&](const char* name) {
    wasmnn_extern e;
    EXPECT_TRUE(wasmnn_instance_export(instance, name, &e));
    return e.of.func;
  };
  wasmnn_val arg = i32(-123456), r{};
  ASSERT_EQ(wasmnn_func_call(func("roundtrip"), &arg, 1, &r, 1), nullptr);
  EXPECT_EQ(r.of.i32, -123456);
  for (const char* name : {"farload", "farstore"}) {
    wasmnn_error* err = wasmnn_func_call(func(name), nullptr, 0, &r, name[3] == 'l' ? 1 : 0);
    ASSERT_NE(err, nullptr) << name;
    EXPECT_STREQ(wasmnn_error_message(err), "out of bounds memory access");
    wasmnn_error_delete(err);
  }
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
}

// i32.xor with a just-rotated operand is fused (rotr becomes a rotl):
//
// (module
//   (func (export "sigma") (param i32) (result i32)
//     (i32.xor
//       (i32.xor (i32.rotl (local.get 0) (i32.const 30)) (i32.rotl (local.get 0) (i32.const 19)))
//       (i32.rotr (local.get 0) (i32.const 22))))
//   (func (export "rotleft") (param i32 i32) (result i32)
//     (i32.xor (i32.rotl (local.get 0) (i32.const 7)) (local.get 1))))
const std::vector<uint8_t> kRotates = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x13, 0x02, 0x05, 0x73, 0x69, 0x67,
    0x6d, 0x61, 0x00, 0x00, 0x07, 0x72, 0x6f, 0x74, 0x6c, 0x65, 0x66, 0x74, 0x00, 0x01, 0x0a, 0x20, 0x02,
    0x13, 0x00, 0x20, 0x00, 0x41, 0x1e, 0x77, 0x20, 0x00, 0x41, 0x13, 0x77, 0x73, 0x20, 0x00, 0x41, 0x16,
    0x78, 0x73, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x41, 0x07, 0x77, 0x20, 0x01, 0x73, 0x0b};

TEST(CompilerRotates, XorOfRotatesMatchesTheDefinition) {
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  ASSERT_EQ(wasmnn_module_new(engine, kRotates.data(), kRotates.size(), &module), nullptr);
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_instance* instance = nullptr;
  ASSERT_EQ(wasmnn_linker_instantiate(linker, module, &instance), nullptr);
  wasmnn_extern sigma, rotleft;
  ASSERT_TRUE(wasmnn_instance_export(instance, "sigma", &sigma));
  ASSERT_TRUE(wasmnn_instance_export(instance, "rotleft", &rotleft));
  for (uint32_t x : {0x6a09e667u, 0x80000001u, 0u, 0xffffffffu}) {
    wasmnn_val args[2] = {i32(int32_t(x)), i32(0x12345678)}, r{};
    ASSERT_EQ(wasmnn_func_call(sigma.of.func, args, 1, &r, 1), nullptr);
    EXPECT_EQ(uint32_t(r.of.i32), std::rotl(x, 30) ^ std::rotl(x, 19) ^ std::rotr(x, 22));
    ASSERT_EQ(wasmnn_func_call(rotleft.of.func, args, 2, &r, 1), nullptr);
    EXPECT_EQ(uint32_t(r.of.i32), std::rotl(x, 7) ^ 0x12345678u);
  }
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
}

// One module shared by stores on several threads: the lazy, once-only
// compilation must hand every thread the same correct code.
TEST(CompilerThreads, SharedModuleRunsInParallelStores) {
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  ASSERT_EQ(wasmnn_module_new(engine, kModule.data(), kModule.size(), &module), nullptr);
  std::vector<int32_t> sums(8, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < sums.size(); ++t) {
    threads.emplace_back([&, t] {
      wasmnn_store* store = wasmnn_store_new(engine);
      wasmnn_linker* linker = wasmnn_linker_new(store);
      wasmnn_instance* instance = nullptr;
      if (wasmnn_linker_instantiate(linker, module, &instance) == nullptr) {
        wasmnn_extern e;
        wasmnn_instance_export(instance, "sum", &e);
        wasmnn_val arg = i32(int32_t(1000 + t)), r{};
        if (wasmnn_error* err = wasmnn_func_call(e.of.func, &arg, 1, &r, 1)) {
          wasmnn_error_delete(err);
        } else {
          sums[t] = r.of.i32;
        }
      }
      wasmnn_linker_delete(linker);
      wasmnn_store_delete(store);
    });
  }
  for (std::thread& th : threads) th.join();
  for (size_t t = 0; t < sums.size(); ++t) {
    int32_t n = int32_t(1000 + t);
    EXPECT_EQ(sums[t], n * (n + 1) / 2);
  }
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
}

}  // namespace
