// The linker's host-function tables (wasmnn_linker_define_funcs): functions
// are created only when imported, the latest definition of a name wins
// whichever call made it, and env finalizers run once with the store.
// The module bytes were produced by wabt's wat2wasm from:
//
// (module
//   (import "m" "f" (func $f (result i32)))
//   (func (export "call_f") (result i32) call $f))
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "instance_fixture.h"
#include "wasmnn/runtime/objects.h"
#include "wasmnn/wasmnn.h"

namespace {

const std::vector<uint8_t> kModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02,
    0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06,
    0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,
};

const wasmnn_valkind kI32[] = {WASMNN_I32};
const wasmnn_functype kReturnsI32 = {0, nullptr, 1, kI32};
const wasmnn_functype kTakesI32 = {1, kI32, 0, nullptr};

// Each host function returns its own number plus *env, so a result tells
// which definition was linked and with which env.
template <int32_t N> wasmnn_error* answer(wasmnn_caller*, void* env, const wasmnn_val*, wasmnn_val* results) {
  results[0].kind = WASMNN_I32;
  results[0].of.i32 = N + *static_cast<int32_t*>(env);
  return nullptr;
}

wasmnn_error* unused(wasmnn_caller*, void*, const wasmnn_val*, wasmnn_val*) { return nullptr; }

void countFinalizer(void* env) { ++*static_cast<int*>(env); }

class LinkerTest : public InstanceTest {
 protected:
  void SetUp() override { load(kModule); }
  int32_t callF() { return callExport("call_f", {}, 1)[0].of.i32; }
  size_t storeFuncs() const { return store_->funcs.size(); }

  int32_t env_ = 1000;
  const wasmnn_host_func_def table_[3] = {
      {"m", "g", kTakesI32, unused},
      {"m", "f", kReturnsI32, answer<1>},
      {"other", "f", kReturnsI32, answer<2>},
  };
};

TEST_F(LinkerTest, TableFunctionsAreCreatedOnlyWhenImported) {
  ASSERT_EQ(wasmnn_linker_define_funcs(linker_, table_, 3, &env_, nullptr), nullptr);
  EXPECT_EQ(storeFuncs(), 0u);
  instantiate();
  EXPECT_EQ(callF(), 1001);
  EXPECT_EQ(storeFuncs(), 2u);  // m.f and the module's own function
  // A second instance through the same linker shares the created function.
  wasmnn_instance* second = nullptr;
  ASSERT_EQ(wasmnn_linker_instantiate(linker_, module_, &second), nullptr);
  EXPECT_EQ(storeFuncs(), 3u);
  EXPECT_EQ(second->funcs[0], instance_->funcs[0]);
}

TEST_F(LinkerTest, LatestDefinitionWinsAcrossSinglesAndTables) {
  int32_t env2 = 2000;
  ASSERT_EQ(wasmnn_linker_define_func(linker_, "m", "f", &kReturnsI32, answer<7>, &env_, nullptr), nullptr);
  ASSERT_EQ(wasmnn_linker_define_funcs(linker_, table_, 3, &env2, nullptr), nullptr);
  instantiate();
  EXPECT_EQ(callF(), 2001);  // the table, defined later

  ASSERT_EQ(wasmnn_linker_define_func(linker_, "m", "f", &kReturnsI32, answer<7>, &env_, nullptr), nullptr);
  ASSERT_EQ(wasmnn_linker_instantiate(linker_, module_, &instance_), nullptr);
  EXPECT_EQ(callF(), 1007);  // the single definition, now the latest

  const wasmnn_host_func_def newer[] = {{"m", "f", kReturnsI32, answer<3>}};
  ASSERT_EQ(wasmnn_linker_define_funcs(linker_, newer, 1, &env_, nullptr), nullptr);
  ASSERT_EQ(wasmnn_linker_instantiate(linker_, module_, &instance_), nullptr);
  EXPECT_EQ(callF(), 1003);  // the newest of two tables
}

TEST_F(LinkerTest, TableImportsAreTypeChecked) {
  const wasmnn_host_func_def wrong[] = {{"m", "f", kTakesI32, unused}};
  ASSERT_EQ(wasmnn_linker_define_funcs(linker_, wrong, 1, &env_, nullptr), nullptr);
  wasmnn_instance* inst = nullptr;
  wasmnn_error* err = wasmnn_linker_instantiate(linker_, module_, &inst);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(wasmnn_error_get_kind(err), WASMNN_ERROR_LINK);
  EXPECT_STREQ(wasmnn_error_message(err),
               "incompatible import type for `m.f`: expected func () -> (i32), found func (i32) -> ()");
  wasmnn_error_delete(err);
}

TEST_F(LinkerTest, EnvFinalizerRunsOnceWithTheStoreAndNotAfterAFailedDefine) {
  int finalized = 0;
  const wasmnn_valkind bad[] = {static_cast<wasmnn_valkind>(99)};
  const wasmnn_host_func_def invalid[] = {{"m", "f", {1, bad, 0, nullptr}, unused}};
  wasmnn_error* err = wasmnn_linker_define_funcs(linker_, invalid, 1, &finalized, countFinalizer);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(wasmnn_error_message(err)).find("entry 0"), std::string::npos);
  wasmnn_error_delete(err);

  ASSERT_EQ(wasmnn_linker_define_funcs(linker_, table_, 3, &finalized, countFinalizer), nullptr);
  wasmnn_linker_delete(linker_);  // the store, not the linker, owns env
  linker_ = nullptr;
  EXPECT_EQ(finalized, 0);
  wasmnn_store_delete(store_);
  store_ = nullptr;
  EXPECT_EQ(finalized, 1);
}

}  // namespace
