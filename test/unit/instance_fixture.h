// A GoogleTest fixture owning one engine, module, store, linker and instance,
// for tests that drive a hand-written module through the C API.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "wasmnn/wasmnn.h"

class InstanceTest : public ::testing::Test {
 protected:
  // Decodes `bytes` and prepares a store and linker; define imports, then instantiate().
  void load(const std::vector<uint8_t>& bytes) {
    engine_ = wasmnn_engine_new(nullptr);
    ASSERT_EQ(wasmnn_module_new(engine_, bytes.data(), bytes.size(), &module_), nullptr);
    store_ = wasmnn_store_new(engine_);
    linker_ = wasmnn_linker_new(store_);
  }
  void instantiate() { ASSERT_EQ(wasmnn_linker_instantiate(linker_, module_, &instance_), nullptr); }
  void TearDown() override {
    wasmnn_linker_delete(linker_);
    wasmnn_store_delete(store_);
    wasmnn_module_delete(module_);
    wasmnn_engine_delete(engine_);
  }
  // Calls export `name`, expecting success; returns its results.
  std::vector<wasmnn_val> callExport(const char* name, std::vector<wasmnn_val> args, size_t resultCount) {
    wasmnn_extern e;
    EXPECT_TRUE(wasmnn_instance_export(instance_, name, &e));
    std::vector<wasmnn_val> results(resultCount);
    wasmnn_error* err = wasmnn_func_call(e.of.func, args.data(), args.size(), results.data(), results.size());
    EXPECT_EQ(err, nullptr) << (err ? wasmnn_error_message(err) : "");
    if (err) wasmnn_error_delete(err);
    return results;
  }

  wasmnn_engine* engine_ = nullptr;
  wasmnn_module* module_ = nullptr;
  wasmnn_store* store_ = nullptr;
  wasmnn_linker* linker_ = nullptr;
  wasmnn_instance* instance_ = nullptr;
};
