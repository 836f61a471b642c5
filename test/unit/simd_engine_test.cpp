// v128 values crossing every boundary of the engine through the public C API:
// host function params/results, an imported mutable v128 global, select,
// v128 locals, and block/loop params and results carried by branches. (The
// lane semantics themselves are covered by the spec suite's core/simd files.)
// The module bytes were produced by wabt's wat2wasm from this text:
//
// (module
//   (import "host" "mix" (func $mix (param i32 v128 i64) (result v128 i32)))
//   (import "host" "g" (global $g (mut v128)))
//   (func (export "viahost") (param v128) (result i32 v128)
//     (local $i i32) (local $v v128)
//     i32.const 5 local.get 0 i64.const 9 call $mix
//     local.set $i local.set $v local.get $i local.get $v)
//   (func (export "bump") (result v128)
//     global.get $g v128.const i32x4 1 2 3 4 i32x4.add global.set $g global.get $g)
//   (func (export "pick") (param v128 v128 i32) (result v128)
//     local.get 0 local.get 1 local.get 2 select)
//   (func (export "loopadd") (param v128 i32) (result v128)
//     local.get 0
//     block (param v128) (result v128)
//       loop (param v128) (result v128)
//         local.get 1 i32.eqz br_if 1
//         v128.const i32x4 1 1 1 1 i32x4.add
//         local.get 1 i32.const 1 i32.sub local.set 1
//         br 0
//       end
//     end))
#include <gtest/gtest.h>
#include "instance_fixture.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "wasmnn/wasmnn.h"

namespace {

const std::vector<uint8_t> kModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x25, 0x06, 0x60, 0x03, 0x7f, 0x7b, 0x7e, 0x02, 0x7b, 0x7f,
    0x60, 0x01, 0x7b, 0x02, 0x7f, 0x7b, 0x60, 0x00, 0x01, 0x7b, 0x60, 0x03, 0x7b, 0x7b, 0x7f, 0x01, 0x7b, 0x60, 0x02,
    0x7b, 0x7f, 0x01, 0x7b, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x02, 0x16, 0x02, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03, 0x6d,
    0x69, 0x78, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x01, 0x67, 0x03, 0x7b, 0x01, 0x03, 0x05, 0x04, 0x01, 0x02,
    0x03, 0x04, 0x07, 0x23, 0x04, 0x07, 0x76, 0x69, 0x61, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x01, 0x04, 0x62, 0x75, 0x6d,
    0x70, 0x00, 0x02, 0x04, 0x70, 0x69, 0x63, 0x6b, 0x00, 0x03, 0x07, 0x6c, 0x6f, 0x6f, 0x70, 0x61, 0x64, 0x64, 0x00,
    0x04, 0x0a, 0x6e, 0x04, 0x16, 0x02, 0x01, 0x7f, 0x01, 0x7b, 0x41, 0x05, 0x20, 0x00, 0x42, 0x09, 0x10, 0x00, 0x21,
    0x01, 0x21, 0x02, 0x20, 0x01, 0x20, 0x02, 0x0b, 0x1d, 0x00, 0x23, 0x00, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xfd, 0xae, 0x01, 0x24, 0x00, 0x23, 0x00, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x1b, 0x0b, 0x2d, 0x00, 0x20, 0x00, 0x02, 0x05, 0x03, 0x05, 0x20,
    0x01, 0x45, 0x0d, 0x01, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0xfd, 0xae, 0x01, 0x20, 0x01, 0x41, 0x01, 0x6b, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x0b};

using Lanes = std::array<uint32_t, 4>;

wasmnn_val v128(const Lanes& lanes) {
  wasmnn_val v{};
  v.kind = WASMNN_V128;
  std::memcpy(v.of.v128, lanes.data(), 16);
  return v;
}

Lanes lanesOf(const wasmnn_val& v) {
  Lanes lanes;
  std::memcpy(lanes.data(), v.of.v128, 16);
  return lanes;
}

wasmnn_val scalar(wasmnn_valkind kind, int64_t x) {
  wasmnn_val v{};
  v.kind = kind;
  if (kind == WASMNN_I32) v.of.i32 = int32_t(x);
  if (kind == WASMNN_I64) v.of.i64 = x;
  return v;
}

// mix(i, v, j) = (v with i added to every lane, i + j + lane 0 of v).
wasmnn_error* hostMix(wasmnn_caller*, void*, const wasmnn_val* args, wasmnn_val* results) {
  EXPECT_EQ(args[0].kind, WASMNN_I32);
  EXPECT_EQ(args[1].kind, WASMNN_V128);
  EXPECT_EQ(args[2].kind, WASMNN_I64);
  Lanes lanes = lanesOf(args[1]);
  const uint32_t first = lanes[0];
  for (uint32_t& lane : lanes) lane += uint32_t(args[0].of.i32);
  results[0] = v128(lanes);
  results[1] = scalar(WASMNN_I32, args[0].of.i32 + args[2].of.i64 + first);
  return nullptr;
}

const wasmnn_valkind kMixParams[] = {WASMNN_I32, WASMNN_V128, WASMNN_I64};
const wasmnn_valkind kMixResults[] = {WASMNN_V128, WASMNN_I32};
const wasmnn_functype kMixType = {3, kMixParams, 2, kMixResults};

class SimdEngineTest : public InstanceTest {
 protected:
  void SetUp() override {
    load(kModule);
    ASSERT_EQ(wasmnn_linker_define_func(linker_, "host", "mix", &kMixType, hostMix, nullptr, nullptr), nullptr);
    const wasmnn_val init = v128({10, 20, 30, 40});
    ASSERT_EQ(wasmnn_global_new(store_, &init, true, &global_), nullptr);
    wasmnn_extern g{};
    g.kind = WASMNN_EXTERN_GLOBAL;
    g.of.global = global_;
    ASSERT_EQ(wasmnn_linker_define(linker_, "host", "g", &g), nullptr);
    instantiate();
  }
  std::vector<wasmnn_val> call(const char* name, std::vector<wasmnn_val> args, size_t resultCount) {
    return callExport(name, std::move(args), resultCount);
  }

  wasmnn_global* global_ = nullptr;
};

TEST_F(SimdEngineTest, HostFunctionTakesAndReturnsV128BetweenScalars) {
  std::vector<wasmnn_val> r = call("viahost", {v128({1, 2, 3, 0xFFFFFFFF})}, 2);
  ASSERT_EQ(r[0].kind, WASMNN_I32);
  EXPECT_EQ(r[0].of.i32, 5 + 9 + 1);
  ASSERT_EQ(r[1].kind, WASMNN_V128);
  EXPECT_EQ(lanesOf(r[1]), (Lanes{6, 7, 8, 4}));  // the last lane wraps
}

TEST_F(SimdEngineTest, ImportedV128GlobalIsSharedWithTheHost) {
  EXPECT_EQ(lanesOf(call("bump", {}, 1)[0]), (Lanes{11, 22, 33, 44}));
  EXPECT_EQ(lanesOf(wasmnn_global_get(global_)), (Lanes{11, 22, 33, 44}));
  const wasmnn_val next = v128({0xFFFFFFFF, 0, 7, 8});
  ASSERT_EQ(wasmnn_global_set(global_, &next), nullptr);
  EXPECT_EQ(lanesOf(call("bump", {}, 1)[0]), (Lanes{0, 2, 10, 12}));
}

TEST_F(SimdEngineTest, SelectChoosesWholeVectors) {
  const Lanes a{1, 2, 3, 4}, b{5, 6, 7, 8};
  EXPECT_EQ(lanesOf(call("pick", {v128(a), v128(b), scalar(WASMNN_I32, 1)}, 1)[0]), a);
  EXPECT_EQ(lanesOf(call("pick", {v128(a), v128(b), scalar(WASMNN_I32, 0)}, 1)[0]), b);
}

TEST_F(SimdEngineTest, BranchesCarryV128BlockAndLoopValues) {
  EXPECT_EQ(lanesOf(call("loopadd", {v128({1, 2, 3, 4}), scalar(WASMNN_I32, 0)}, 1)[0]), (Lanes{1, 2, 3, 4}));
  EXPECT_EQ(lanesOf(call("loopadd", {v128({1, 2, 3, 4}), scalar(WASMNN_I32, 5)}, 1)[0]), (Lanes{6, 7, 8, 9}));
}

}  // namespace
