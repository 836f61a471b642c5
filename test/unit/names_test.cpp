// Import and export names may contain NUL bytes (any UTF-8 is valid Wasm):
// the sized enumeration functions return them whole, and a NUL-named import
// can be satisfied with wasmnn_linker_define_sized.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "loader_bytes.h"
#include "wasmnn/wasmnn.h"

using namespace wasmnn::test;
using namespace std::string_literals;

namespace {

// (import "m\00x" "n\00y" (func))
// (func (export "a\00b")) (func (export "a\00c"))
Bytes nulNames() {
  ModuleBytes m;
  m.section(kType, {0x01, 0x60, 0x00, 0x00});
  m.section(kImport, concat({{0x01}, name("m\0x"s), name("n\0y"s), {0x00, 0x00}}));
  m.section(kFunction, {0x02, 0x00, 0x00});
  m.section(kExport, concat({{0x02}, name("a\0b"s), {0x00, 0x01}, name("a\0c"s), {0x00, 0x02}}));
  m.section(kCode, concat({{0x02}, body({0x00, 0x0b}), body({0x00, 0x0b})}));
  return m.bytes;
}

std::string_view view(wasmnn_name n) { return {n.data, n.size}; }

wasmnn_error* nothing(wasmnn_caller*, void*, const wasmnn_val*, wasmnn_val*) { return nullptr; }

class NulNames : public ::testing::Test {
 protected:
  void SetUp() override {
    Bytes bytes = nulNames();
    engine_ = wasmnn_engine_new(nullptr);
    ASSERT_EQ(wasmnn_module_new(engine_, bytes.data(), bytes.size(), &module_), nullptr);
  }
  void TearDown() override {
    wasmnn_module_delete(module_);
    wasmnn_engine_delete(engine_);
  }
  wasmnn_engine* engine_ = nullptr;
  wasmnn_module* module_ = nullptr;
};

TEST_F(NulNames, TheCStringFormsCutAtTheNulSoTwoExportsLookAlike) {
  // Documented behaviour of the NUL-terminated forms, which is why the sized ones exist.
  EXPECT_STREQ(wasmnn_module_export(module_, 0).name, wasmnn_module_export(module_, 1).name);
}

TEST_F(NulNames, ModuleEnumerationReturnsWholeNames) {
  wasmnn_name a, b, mod, field;
  wasmnn_externkind kind;
  ASSERT_TRUE(wasmnn_module_export_sized(module_, 0, &a, &kind));
  ASSERT_TRUE(wasmnn_module_export_sized(module_, 1, &b, &kind));
  EXPECT_EQ(view(a), "a\0b"s);
  EXPECT_EQ(view(b), "a\0c"s);
  EXPECT_EQ(kind, WASMNN_EXTERN_FUNC);
  EXPECT_FALSE(wasmnn_module_export_sized(module_, 2, &a, &kind));
  ASSERT_TRUE(wasmnn_module_import_sized(module_, 0, &mod, &field, &kind));
  EXPECT_EQ(view(mod), "m\0x"s);
  EXPECT_EQ(view(field), "n\0y"s);
  EXPECT_FALSE(wasmnn_module_import_sized(module_, 1, &mod, &field, &kind));
}

TEST_F(NulNames, SizedDefineLinksANulNamedImportAndInstancesEnumerateWholeNames) {
  wasmnn_store* store = wasmnn_store_new(engine_);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_functype none{0, nullptr, 0, nullptr};
  wasmnn_extern f{};
  f.kind = WASMNN_EXTERN_FUNC;
  f.of.func = wasmnn_func_new(store, &none, nothing, nullptr, nullptr);
  // The truncated name does not satisfy the import; the whole one does.
  ASSERT_EQ(wasmnn_linker_define(linker, "m", "n", &f), nullptr);
  wasmnn_instance* instance = nullptr;
  wasmnn_error* e = wasmnn_linker_instantiate(linker, module_, &instance);
  ASSERT_NE(e, nullptr);
  wasmnn_error_delete(e);
  ASSERT_EQ(wasmnn_linker_define_sized(linker, {"m\0x", 3}, {"n\0y", 3}, &f), nullptr);
  ASSERT_EQ(wasmnn_linker_instantiate(linker, module_, &instance), nullptr);

  wasmnn_name n;
  wasmnn_extern x;
  ASSERT_TRUE(wasmnn_instance_export_nth_sized(instance, 1, &n, &x));
  EXPECT_EQ(view(n), "a\0c"s);
  EXPECT_FALSE(wasmnn_instance_export_nth_sized(instance, 2, &n, &x));
  wasmnn_extern byName;
  ASSERT_TRUE(wasmnn_instance_export_sized(instance, "a\0c", 3, &byName));
  EXPECT_EQ(byName.of.func, x.of.func);
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
}

}  // namespace
