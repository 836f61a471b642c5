// Engine behaviour through the public C API: traps, call-depth exhaustion,
// host functions (including re-entry), memory limits and link errors.
// The module bytes were produced by wabt's wat2wasm from this text:
//
// (module
//   (import "host" "add" (func $hadd (param i32 i32) (result i32)))
//   (import "host" "cb" (func $cb (param i32) (result i32)))
//   (memory (export "mem") 1 3)
//   (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
//   (func $unreach (export "unreach") unreachable)
//   (func (export "nested") call $unreach)
//   (func $inf (export "inf") (param i32) (result i32) local.get 0 call $inf)
//   (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
//   (func (export "load") (param i32) (result i32) local.get 0 i32.load)
//   (func (export "callhost") (param i32 i32) (result i32) local.get 0 local.get 1 call $hadd)
//   (func (export "reenter") (param i32) (result i32) local.get 0 call $cb)
//   (func $fac (export "fac") (param i64) (result i64)
//     local.get 0 i64.eqz
//     if (result i64) i64.const 1
//     else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end))
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wasmnn/wasmnn.h"

namespace {

const std::vector<uint8_t> kModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x14, 0x04, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x02, 0x16, 0x02, 0x04, 0x68, 0x6f,
    0x73, 0x74, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x02, 0x63, 0x62, 0x00, 0x01,
    0x03, 0x0a, 0x09, 0x00, 0x02, 0x02, 0x01, 0x01, 0x01, 0x00, 0x01, 0x03, 0x05, 0x04, 0x01, 0x01, 0x01, 0x03,
    0x07, 0x4f, 0x0a, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x64, 0x69, 0x76, 0x00, 0x02, 0x07, 0x75, 0x6e,
    0x72, 0x65, 0x61, 0x63, 0x68, 0x00, 0x03, 0x06, 0x6e, 0x65, 0x73, 0x74, 0x65, 0x64, 0x00, 0x04, 0x03, 0x69,
    0x6e, 0x66, 0x00, 0x05, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x06, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x07,
    0x08, 0x63, 0x61, 0x6c, 0x6c, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x08, 0x07, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65,
    0x72, 0x00, 0x09, 0x03, 0x66, 0x61, 0x63, 0x00, 0x0a, 0x0a, 0x4e, 0x09, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x6d, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x10, 0x03, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x05, 0x0b,
    0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x08, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x10, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x01, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x50,
    0x04, 0x7e, 0x42, 0x01, 0x05, 0x20, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x10, 0x0a, 0x7e, 0x0b, 0x0b};

const wasmnn_valkind kI32x2[] = {WASMNN_I32, WASMNN_I32};
const wasmnn_valkind kI32[] = {WASMNN_I32};
const wasmnn_functype kAddType = {2, kI32x2, 1, kI32};
const wasmnn_functype kCbType = {1, kI32, 1, kI32};

wasmnn_val i32(int32_t v) {
  wasmnn_val x{};
  x.kind = WASMNN_I32;
  x.of.i32 = v;
  return x;
}

wasmnn_error* hostAdd(wasmnn_caller* caller, void* env, const wasmnn_val* args, wasmnn_val* results) {
  ++*static_cast<int*>(env);
  EXPECT_NE(wasmnn_caller_memory(caller), nullptr);  // the calling instance's memory 0
  if (args[0].of.i32 < 0) return wasmnn_error_new(WASMNN_ERROR_TRAP, "negative argument");
  results[0] = i32(args[0].of.i32 + args[1].of.i32);
  return nullptr;
}

// Calls the instance's "reenter" export with n - 1 until n reaches 0, so
// each level nests host -> wasm -> host.
wasmnn_error* hostCallback(wasmnn_caller* caller, void*, const wasmnn_val* args, wasmnn_val* results) {
  int32_t n = args[0].of.i32;
  if (n <= 0) {
    results[0] = i32(0);
    return nullptr;
  }
  wasmnn_extern e;
  if (!wasmnn_instance_export(wasmnn_caller_instance(caller), "reenter", &e))
    return wasmnn_error_new(WASMNN_ERROR_HOST, "no export");
  wasmnn_val arg = i32(n - 1), r;
  if (wasmnn_error* err = wasmnn_func_call(e.of.func, &arg, 1, &r, 1)) return err;
  results[0] = i32(r.of.i32 + 1);
  return nullptr;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { start(nullptr); }
  void TearDown() override { stop(); }

  void start(const wasmnn_config* config) {
    engine_ = wasmnn_engine_new(config);
    ASSERT_EQ(wasmnn_module_new(engine_, kModule.data(), kModule.size(), &module_), nullptr);
    store_ = wasmnn_store_new(engine_);
    linker_ = wasmnn_linker_new(store_);
  }
  void stop() {
    wasmnn_linker_delete(linker_);
    wasmnn_store_delete(store_);
    wasmnn_module_delete(module_);
    wasmnn_engine_delete(engine_);
  }
  void defineHost() {
    ASSERT_EQ(wasmnn_linker_define_func(linker_, "host", "add", &kAddType, hostAdd, &addCalls_, nullptr), nullptr);
    ASSERT_EQ(wasmnn_linker_define_func(linker_, "host", "cb", &kCbType, hostCallback, nullptr, nullptr), nullptr);
  }
  void instantiate() {
    defineHost();
    ASSERT_EQ(wasmnn_linker_instantiate(linker_, module_, &instance_), nullptr);
  }
  wasmnn_func* func(const char* name) {
    wasmnn_extern e;
    EXPECT_TRUE(wasmnn_instance_export(instance_, name, &e));
    EXPECT_EQ(e.kind, WASMNN_EXTERN_FUNC);
    return e.of.func;
  }
  // Calls an export taking and returning i32s; returns the error (caller frees).
  wasmnn_error* call(const char* name, std::vector<wasmnn_val> args, wasmnn_val* result) {
    wasmnn_val dummy;
    return wasmnn_func_call(func(name), args.data(), args.size(), result ? result : &dummy, result ? 1 : 0);
  }
  // Expects a trap of `kind` whose message starts with `message`.
  void expectError(wasmnn_error* err, wasmnn_error_kind kind, const std::string& message) {
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(wasmnn_error_get_kind(err), kind);
    EXPECT_EQ(std::string(wasmnn_error_message(err)).rfind(message, 0), 0u) << wasmnn_error_message(err);
    wasmnn_error_delete(err);
  }

  wasmnn_engine* engine_ = nullptr;
  wasmnn_module* module_ = nullptr;
  wasmnn_store* store_ = nullptr;
  wasmnn_linker* linker_ = nullptr;
  wasmnn_instance* instance_ = nullptr;
  int addCalls_ = 0;
};

TEST_F(EngineTest, IntegerTrapsCarryTheSpecMessages) {
  instantiate();
  wasmnn_val r;
  ASSERT_EQ(call("div", {i32(-7), i32(2)}, &r), nullptr);
  EXPECT_EQ(r.of.i32, -3);  // truncates toward zero
  expectError(call("div", {i32(1), i32(0)}, &r), WASMNN_ERROR_TRAP, "integer divide by zero");
  expectError(call("div", {i32(INT32_MIN), i32(-1)}, &r), WASMNN_ERROR_TRAP, "integer overflow");
}

TEST_F(EngineTest, TrapHasBacktraceInnermostFirst) {
  instantiate();
  wasmnn_error* err = call("nested", {}, nullptr);
  ASSERT_NE(err, nullptr);
  EXPECT_STREQ(wasmnn_error_message(err), "unreachable");
  ASSERT_EQ(wasmnn_error_frame_count(err), 2u);
  EXPECT_STREQ(wasmnn_error_frame_function(err, 0), "unreach");
  EXPECT_STREQ(wasmnn_error_frame_function(err, 1), "nested");
  wasmnn_error_delete(err);
}

TEST_F(EngineTest, InfiniteRecursionIsExhaustionNotACrash) {
  instantiate();
  wasmnn_val r;
  expectError(call("inf", {i32(1)}, &r), WASMNN_ERROR_EXHAUSTION, "call stack exhausted");
  // The store stays usable afterwards.
  wasmnn_val n{};
  n.kind = WASMNN_I64;
  n.of.i64 = 20;
  ASSERT_EQ(wasmnn_func_call(func("fac"), &n, 1, &r, 1), nullptr);
  EXPECT_EQ(r.of.i64, 2432902008176640000);
}

TEST_F(EngineTest, CallDepthFollowsTheConfig) {
  stop();
  wasmnn_config config{};
  config.max_call_depth = 100;
  start(&config);
  instantiate();
  wasmnn_val n{}, r;
  n.kind = WASMNN_I64;
  n.of.i64 = 50;  // 51 nested calls of fac plus the entry: fits
  EXPECT_EQ(wasmnn_func_call(func("fac"), &n, 1, &r, 1), nullptr);
  n.of.i64 = 200;
  expectError(wasmnn_func_call(func("fac"), &n, 1, &r, 1), WASMNN_ERROR_EXHAUSTION, "call stack exhausted");
}

TEST_F(EngineTest, HostFunctionsGetArgumentsAndTheirErrorsBecomeTraps) {
  instantiate();
  wasmnn_val r;
  ASSERT_EQ(call("callhost", {i32(40), i32(2)}, &r), nullptr);
  EXPECT_EQ(r.of.i32, 42);
  EXPECT_EQ(addCalls_, 1);
  expectError(call("callhost", {i32(-1), i32(2)}, &r), WASMNN_ERROR_TRAP, "negative argument");
}

TEST_F(EngineTest, HostCanReenterWasmAndDeepReentryIsBounded) {
  instantiate();
  wasmnn_val r;
  ASSERT_EQ(call("reenter", {i32(50)}, &r), nullptr);
  EXPECT_EQ(r.of.i32, 50);
  expectError(call("reenter", {i32(1000000)}, &r), WASMNN_ERROR_EXHAUSTION, "call stack exhausted");
}

TEST_F(EngineTest, FuncCallChecksArgumentsAndResults) {
  instantiate();
  wasmnn_val r;
  expectError(call("div", {i32(1)}, &r), WASMNN_ERROR_HOST, "wasmnn_func_call");
  wasmnn_val wrong[2] = {i32(1), i32(2)};
  wrong[1].kind = WASMNN_I64;
  expectError(wasmnn_func_call(func("div"), wrong, 2, &r, 1), WASMNN_ERROR_HOST, "wasmnn_func_call");
  expectError(wasmnn_func_call(func("div"), wrong, 2, &r, 0), WASMNN_ERROR_HOST, "wasmnn_func_call");
}

TEST_F(EngineTest, MemoryGrowHonoursTheDeclaredMaximum) {
  instantiate();
  wasmnn_val r;
  expectError(call("load", {i32(65533)}, &r), WASMNN_ERROR_TRAP, "out of bounds memory access");
  ASSERT_EQ(call("grow", {i32(1)}, &r), nullptr);
  EXPECT_EQ(r.of.i32, 1);
  ASSERT_EQ(call("load", {i32(65533)}, &r), nullptr);  // now in bounds
  EXPECT_EQ(r.of.i32, 0);
  expectError(call("load", {i32(-1)}, &r), WASMNN_ERROR_TRAP, "out of bounds memory access");
  ASSERT_EQ(call("grow", {i32(2)}, &r), nullptr);  // 4 pages > max 3
  EXPECT_EQ(r.of.i32, -1);
  ASSERT_EQ(call("grow", {i32(1)}, &r), nullptr);
  EXPECT_EQ(r.of.i32, 2);
  wasmnn_extern mem;
  ASSERT_TRUE(wasmnn_instance_export(instance_, "mem", &mem));
  EXPECT_EQ(wasmnn_memory_pages(mem.of.memory), 3u);
  EXPECT_EQ(wasmnn_memory_size(mem.of.memory), 3u * WASMNN_PAGE_SIZE);
}

TEST_F(EngineTest, MemoryGrowHonoursTheEngineCap) {
  stop();
  wasmnn_config config{};
  config.max_memory_pages = 2;
  start(&config);
  instantiate();
  wasmnn_val r;
  ASSERT_EQ(call("grow", {i32(2)}, &r), nullptr);
  EXPECT_EQ(r.of.i32, -1);
  ASSERT_EQ(call("grow", {i32(1)}, &r), nullptr);
  EXPECT_EQ(r.of.i32, 1);
}

TEST_F(EngineTest, MissingImportIsALinkErrorNamingIt) {
  wasmnn_instance* inst = nullptr;
  expectError(wasmnn_linker_instantiate(linker_, module_, &inst), WASMNN_ERROR_LINK, "unknown import: `host.add`");
  EXPECT_EQ(inst, nullptr);
}

TEST_F(EngineTest, WrongImportTypeIsALinkErrorWithBothTypes) {
  ASSERT_EQ(wasmnn_linker_define_func(linker_, "host", "add", &kCbType, hostAdd, nullptr, nullptr), nullptr);
  wasmnn_instance* inst = nullptr;
  wasmnn_error* err = wasmnn_linker_instantiate(linker_, module_, &inst);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(wasmnn_error_get_kind(err), WASMNN_ERROR_LINK);
  EXPECT_STREQ(wasmnn_error_message(err),
               "incompatible import type for `host.add`: expected func (i32, i32) -> (i32), found func (i32) -> (i32)");
  wasmnn_error_delete(err);
}

TEST_F(EngineTest, ImportedMemoryMustSatisfyTheLimits) {
  // The module's own memory is not imported; check limits subtyping through a
  // registered instance's memory against a hand-made module importing it.
  defineHost();
  wasmnn_memory* mem = nullptr;
  ASSERT_EQ(wasmnn_memory_new(store_, 1, 5, &mem), nullptr);
  // (module (import "env" "m" (memory 1 3)))
  const std::vector<uint8_t> importer = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0b, 0x01,
                                         0x03, 0x65, 0x6e, 0x76, 0x01, 0x6d, 0x02, 0x01, 0x01, 0x03};
  wasmnn_module* m = nullptr;
  ASSERT_EQ(wasmnn_module_new(engine_, importer.data(), importer.size(), &m), nullptr);
  wasmnn_extern e{};
  e.kind = WASMNN_EXTERN_MEMORY;
  e.of.memory = mem;
  ASSERT_EQ(wasmnn_linker_define(linker_, "env", "m", &e), nullptr);
  wasmnn_instance* inst = nullptr;
  expectError(wasmnn_linker_instantiate(linker_, m, &inst), WASMNN_ERROR_LINK, "incompatible import type for `env.m`");
  wasmnn_memory* small = nullptr;
  ASSERT_EQ(wasmnn_memory_new(store_, 2, 3, &small), nullptr);
  e.of.memory = small;
  ASSERT_EQ(wasmnn_linker_define(linker_, "env", "m", &e), nullptr);
  EXPECT_EQ(wasmnn_linker_instantiate(linker_, m, &inst), nullptr);
  wasmnn_module_delete(m);
}

}  // namespace
