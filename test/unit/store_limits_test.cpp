// Totals per store: what a guest can make the host allocate by declaring or
// growing tables and memories is bounded by the store, not per object
// (a 292-byte module of 40 tables x 10M elements used to take 3.2 GB).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "loader_bytes.h"
#include "wasmnn/wasmnn.h"

using namespace wasmnn::test;

namespace {

// `count` funcref tables of `min` elements, no maximum.
Bytes tables(uint32_t count, uint32_t min) {
  Bytes t;
  appendU32(t, count);
  for (uint32_t i = 0; i < count; ++i) {
    t.insert(t.end(), {0x70, 0x00});
    appendU32(t, min);
  }
  return ModuleBytes().section(kTable, t).bytes;
}

// (table 0 funcref) (memory `pages`)
// (func (export "grow_table") (param i32) (result i32) ref.null func local.get 0 table.grow 0)
// (func (export "grow_memory") (param i32) (result i32) local.get 0 memory.grow)
Bytes growable(uint32_t pages) {
  Bytes memory = {0x01, 0x00};
  appendU32(memory, pages);
  ModuleBytes m;
  m.section(kType, {0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f});
  m.section(kFunction, {0x02, 0x00, 0x00});
  m.section(kTable, {0x01, 0x70, 0x00, 0x00});
  m.section(kMemory, memory);
  m.section(kExport, concat({{0x02}, name("grow_table"), {0x00, 0x00}, name("grow_memory"), {0x00, 0x01}}));
  m.section(kCode, concat({{0x02},
                           body({0x00, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f, 0x00, 0x0b}),
                           body({0x00, 0x20, 0x00, 0x40, 0x00, 0x0b})}));
  return m.bytes;
}

class StoreLimits : public ::testing::Test {
 protected:
  void SetUp() override { config_ = wasmnn_config{}; }
  void TearDown() override {
    wasmnn_linker_delete(linker_);
    wasmnn_store_delete(store_);
    for (wasmnn_module* m : modules_) wasmnn_module_delete(m);
    wasmnn_engine_delete(engine_);
  }
  void start() {
    engine_ = wasmnn_engine_new(&config_);
    store_ = wasmnn_store_new(engine_);
    linker_ = wasmnn_linker_new(store_);
  }
  // Instantiates `bytes`; returns the error message, "" on success.
  std::string instantiate(const Bytes& bytes, wasmnn_instance** out = nullptr) {
    wasmnn_module* m = nullptr;
    wasmnn_error* e = wasmnn_module_new(engine_, bytes.data(), bytes.size(), &m);
    if (!e) {
      modules_.push_back(m);
      wasmnn_instance* instance = nullptr;
      e = wasmnn_linker_instantiate(linker_, m, &instance);
      if (out) *out = instance;
    }
    if (!e) return "";
    std::string message = wasmnn_error_message(e);
    wasmnn_error_delete(e);
    return message.empty() ? "(empty message)" : message;
  }
  int32_t call(wasmnn_instance* instance, const char* name, int32_t arg) {
    wasmnn_extern f;
    EXPECT_TRUE(wasmnn_instance_export(instance, name, &f));
    wasmnn_val a{}, r{};
    a.kind = WASMNN_I32;
    a.of.i32 = arg;
    wasmnn_error* e = wasmnn_func_call(f.of.func, &a, 1, &r, 1);
    EXPECT_EQ(e, nullptr);
    if (e) wasmnn_error_delete(e);
    return r.of.i32;
  }

  wasmnn_config config_{};
  wasmnn_engine* engine_ = nullptr;
  wasmnn_store* store_ = nullptr;
  wasmnn_linker* linker_ = nullptr;
  std::vector<wasmnn_module*> modules_;
};

TEST_F(StoreLimits, ManyLargeTablesFailToInstantiateInsteadOfTakingGigabytes) {
  start();
  Bytes evil = tables(40, 10'000'000);
  ASSERT_LT(evil.size(), 300u);
  EXPECT_NE(instantiate(evil).find("the module's tables of 400000000 elements exceed the store's total of 10000000"),
            std::string::npos);
  // Nothing was allocated: one such table is within the default total; a second one is not.
  EXPECT_EQ(instantiate(tables(1, 9'000'000)), "");
  EXPECT_NE(instantiate(tables(1, 2'000'000)).find("store's total"), std::string::npos);
}

TEST_F(StoreLimits, TableGrowBeyondTheStoreTotalReturnsMinusOne) {
  config_.max_store_table_elements = 1000;
  start();
  wasmnn_instance *a = nullptr, *b = nullptr;
  ASSERT_EQ(instantiate(growable(1), &a), "");
  ASSERT_EQ(instantiate(growable(1), &b), "");
  EXPECT_EQ(call(a, "grow_table", 600), 0);
  EXPECT_EQ(call(b, "grow_table", 600), -1);  // the tables of both instances count together
  EXPECT_EQ(call(b, "grow_table", 400), 0);
  EXPECT_EQ(call(a, "grow_table", 1), -1);
}

TEST_F(StoreLimits, MemoryTotalBoundsInstantiationAndGrowth) {
  config_.max_store_memory_bytes = 10 * 65536;
  start();
  wasmnn_instance *a = nullptr, *b = nullptr;
  ASSERT_EQ(instantiate(growable(4), &a), "");
  ASSERT_EQ(instantiate(growable(4), &b), "");
  EXPECT_NE(instantiate(growable(4)).find("memories of 4 pages exceed the store's total of 655360 bytes"),
            std::string::npos);
  EXPECT_EQ(call(a, "grow_memory", 3), -1);
  EXPECT_EQ(call(a, "grow_memory", 2), 4);
  EXPECT_EQ(call(b, "grow_memory", 1), -1);
}

TEST_F(StoreLimits, InstanceCountIsBounded) {
  config_.max_store_instances = 3;
  start();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(instantiate(tables(0, 0)), "");
  EXPECT_NE(instantiate(tables(0, 0)).find("maximum of 3 instances"), std::string::npos);
}

}  // namespace
