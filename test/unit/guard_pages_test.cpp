// Bounds checking in both modes (explicit checks and guard pages): traps at
// the exact edges, after memory.grow, with huge offsets, in bulk operations,
// across host re-entry, and without leaking interpreter state or disturbing
// another thread. The module bytes were produced by wabt's wat2wasm from:
//
// (module
//   (import "host" "cb" (func $cb (param i32) (result i32)))
//   (memory (export "mem") 1 65536)
//   (func (export "load") (param i32) (result i32) local.get 0 i32.load)
//   (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
//   (func (export "load_add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add i32.load)
//   (func (export "load_addi") (param i32) (result i32) local.get 0 i32.const 8 i32.add i32.load)
//   (func (export "load_abs") (result i32) i32.const 65536 i32.load)
//   (func (export "load_off") (param i32) (result i32) local.get 0 i32.load offset=0xfffffff0)
//   (func (export "load64_maxoff") (param i32) (result i64) local.get 0 i64.load offset=0xffffffff)
//   (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
//   (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8)
//   (func (export "store_abs") (param i32) i32.const 65533 local.get 0 i32.store)
//   (func (export "store_off") (param i32 i32) local.get 0 local.get 1 i32.store offset=0xfffffff0)
//   (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
//   (func (export "fill") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
//   (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
//   (func (export "init") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.init 0)
//   (func (export "reenter_then_load") (param i32 i32) (result i32)
//     local.get 0 call $cb drop local.get 1 i32.load)
//   (func $deep (export "deep") (param i32 i32) (result i32)
//     local.get 0
//     if (result i32)
//       local.get 0 i32.const 1 i32.sub local.get 1 call $deep
//     else
//       local.get 1 i32.load
//     end)
//   (data "hello"))
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "wasmnn/runtime/objects.h"
#include "wasmnn/wasmnn.h"

namespace {

const std::vector<uint8_t> kModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x24, 0x07, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f,
    0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7e, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01,
    0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x02, 0x0b, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x02, 0x63, 0x62,
    0x00, 0x00, 0x03, 0x12, 0x11, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x04, 0x04, 0x05, 0x04, 0x00, 0x06, 0x06,
    0x06, 0x01, 0x01, 0x05, 0x06, 0x01, 0x01, 0x01, 0x80, 0x80, 0x04, 0x07, 0xb3, 0x01, 0x12, 0x03, 0x6d, 0x65, 0x6d,
    0x02, 0x00, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x01, 0x05, 0x6c, 0x6f, 0x61, 0x64, 0x38, 0x00, 0x02, 0x08, 0x6c,
    0x6f, 0x61, 0x64, 0x5f, 0x61, 0x64, 0x64, 0x00, 0x03, 0x09, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x61, 0x64, 0x64, 0x69,
    0x00, 0x04, 0x08, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x61, 0x62, 0x73, 0x00, 0x05, 0x08, 0x6c, 0x6f, 0x61, 0x64, 0x5f,
    0x6f, 0x66, 0x66, 0x00, 0x06, 0x0d, 0x6c, 0x6f, 0x61, 0x64, 0x36, 0x34, 0x5f, 0x6d, 0x61, 0x78, 0x6f, 0x66, 0x66,
    0x00, 0x07, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x08, 0x06, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x38, 0x00, 0x09,
    0x09, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f, 0x61, 0x62, 0x73, 0x00, 0x0a, 0x09, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f,
    0x6f, 0x66, 0x66, 0x00, 0x0b, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x0c, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x0d,
    0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x0e, 0x04, 0x69, 0x6e, 0x69, 0x74, 0x00, 0x0f, 0x11, 0x72, 0x65, 0x65, 0x6e,
    0x74, 0x65, 0x72, 0x5f, 0x74, 0x68, 0x65, 0x6e, 0x5f, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x10, 0x04, 0x64, 0x65, 0x65,
    0x70, 0x00, 0x11, 0x0c, 0x01, 0x01, 0x0a, 0xc8, 0x01, 0x11, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x07,
    0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x28, 0x02, 0x00, 0x0b, 0x0a,
    0x00, 0x20, 0x00, 0x41, 0x08, 0x6a, 0x28, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x41, 0x80, 0x80, 0x04, 0x28, 0x02, 0x00,
    0x0b, 0x0b, 0x00, 0x20, 0x00, 0x28, 0x02, 0xf0, 0xff, 0xff, 0xff, 0x0f, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x29, 0x03,
    0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b, 0x0b, 0x00, 0x41, 0xfd, 0xff, 0x03, 0x20, 0x00, 0x36, 0x02, 0x00, 0x0b,
    0x0d, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0xf0, 0xff, 0xff, 0xff, 0x0f, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40,
    0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x08, 0x00,
    0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x10, 0x00, 0x1a, 0x20, 0x01, 0x28, 0x02, 0x00, 0x0b, 0x16, 0x00, 0x20, 0x00,
    0x04, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x20, 0x01, 0x10, 0x11, 0x05, 0x20, 0x01, 0x28, 0x02, 0x00, 0x0b, 0x0b,
    0x0b, 0x08, 0x01, 0x01, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

constexpr int64_t kOk = INT64_MIN;  // "no trap" marker for Run()

const wasmnn_valkind kI32[] = {WASMNN_I32};
const wasmnn_functype kCbType = {1, kI32, 1, kI32};

wasmnn_val i32(int32_t v) {
  wasmnn_val x{};
  x.kind = WASMNN_I32;
  x.of.i32 = v;
  return x;
}

bool isOutOfBounds(wasmnn_error* err) {
  bool oob = err && wasmnn_error_get_kind(err) == WASMNN_ERROR_TRAP &&
             std::string(wasmnn_error_message(err)).find("out of bounds memory access") != std::string::npos;
  if (err) wasmnn_error_delete(err);
  return oob;
}

// One engine/store/instance per test (or per thread) in the given mode.
class Guest {
 public:
  explicit Guest(uint32_t mode) {
    wasmnn_config config{};
    config.bounds_checks = mode;
    engine_ = wasmnn_engine_new(&config);
    EXPECT_EQ(wasmnn_module_new(engine_, kModule.data(), kModule.size(), &module_), nullptr);
    store_ = wasmnn_store_new(engine_);
    linker_ = wasmnn_linker_new(store_);
    EXPECT_EQ(wasmnn_linker_define_func(linker_, "host", "cb", &kCbType, reenterLoad, this, nullptr), nullptr);
    EXPECT_EQ(wasmnn_linker_instantiate(linker_, module_, &instance_), nullptr);
  }
  ~Guest() {
    wasmnn_linker_delete(linker_);
    wasmnn_store_delete(store_);
    wasmnn_module_delete(module_);
    wasmnn_engine_delete(engine_);
  }
  Guest(const Guest&) = delete;
  Guest& operator=(const Guest&) = delete;

  wasmnn_func* func(const char* name) {
    wasmnn_extern e;
    EXPECT_TRUE(wasmnn_instance_export(instance_, name, &e)) << name;
    return e.of.func;
  }
  wasmnn_memory* memory() {
    wasmnn_extern e;
    EXPECT_TRUE(wasmnn_instance_export(instance_, "mem", &e));
    return e.of.memory;
  }
  // Calls `name` with i32 args; nullptr on success (result in *out), else the error.
  wasmnn_error* call(const char* name, std::vector<wasmnn_val> args, wasmnn_val* out = nullptr, size_t nres = 0) {
    return wasmnn_func_call(func(name), args.data(), args.size(), out, nres);
  }
  bool traps(const char* name, std::vector<wasmnn_val> args, size_t nres = 1) {
    wasmnn_val r[1];
    return isOutOfBounds(call(name, std::move(args), r, nres));
  }
  int64_t value(const char* name, std::vector<wasmnn_val> args) {
    wasmnn_val r{};
    wasmnn_error* err = call(name, std::move(args), &r, 1);
    EXPECT_EQ(err, nullptr) << name << ": " << (err ? wasmnn_error_message(err) : "");
    if (err) wasmnn_error_delete(err);
    return r.kind == WASMNN_I64 ? r.of.i64 : r.of.i32;
  }

 private:
  // host.cb(addr): re-enters wasm to load at addr and passes a trap on.
  static wasmnn_error* reenterLoad(wasmnn_caller*, void* env, const wasmnn_val* args, wasmnn_val* results) {
    Guest* self = static_cast<Guest*>(env);
    wasmnn_val r{};
    wasmnn_val a = args[0];
    if (wasmnn_error* err = wasmnn_func_call(self->func("load"), &a, 1, &r, 1)) return err;
    results[0] = r;
    return nullptr;
  }

  wasmnn_engine* engine_ = nullptr;
  wasmnn_module* module_ = nullptr;
  wasmnn_store* store_ = nullptr;
  wasmnn_linker* linker_ = nullptr;
  wasmnn_instance* instance_ = nullptr;
};

class BoundsTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  bool guardExpected() const {
#if defined(__x86_64__) && defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
    return GetParam() == WASMNN_BOUNDS_GUARD;
#else
    return false;
#endif
  }
};

TEST_P(BoundsTest, ModeIsTheRequestedOne) {
  Guest g(GetParam());
  EXPECT_EQ(g.memory()->mem.guarded(), guardExpected());
}

TEST_P(BoundsTest, LoadsAndStoresTrapJustPastTheEnd) {
  Guest g(GetParam());
  ASSERT_EQ(g.call("store", {i32(65532), i32(0x01020304)}), nullptr);  // last 4 bytes
  EXPECT_EQ(g.value("load", {i32(65532)}), 0x01020304);
  EXPECT_EQ(g.value("load8", {i32(65535)}), 0x01);
  EXPECT_TRUE(g.traps("load", {i32(65533)}));  // 1 byte past the end
  EXPECT_TRUE(g.traps("load8", {i32(65536)}));
  EXPECT_TRUE(g.traps("store", {i32(65533), i32(7)}, 0));
  EXPECT_TRUE(g.traps("store8", {i32(65536), i32(7)}, 0));
  EXPECT_TRUE(g.traps("load_add", {i32(65000), i32(533)}));
  EXPECT_TRUE(g.traps("load_addi", {i32(65528)}));  // 65528 + 8 = 65536
  EXPECT_EQ(g.value("load_addi", {i32(65524)}), 0x01020304);
  EXPECT_TRUE(g.traps("load_abs", {}));
  EXPECT_TRUE(g.traps("store_abs", {i32(1)}, 0));
  // A trapping store writes nothing, not even its in-bounds bytes.
  EXPECT_EQ(g.value("load", {i32(65532)}), 0x01020304);
}

TEST_P(BoundsTest, HighAddressesAndHugeOffsetsTrap) {
  Guest g(GetParam());
  EXPECT_TRUE(g.traps("load8", {i32(-1)}));  // 4 GiB - 1
  EXPECT_TRUE(g.traps("load", {i32(-4)}));
  EXPECT_TRUE(g.traps("store8", {i32(-1), i32(1)}, 0));
  EXPECT_TRUE(g.traps("load_off", {i32(0)}));   // offset 2^32 - 16
  EXPECT_TRUE(g.traps("load_off", {i32(-1)}));  // effective address ~ 2^33
  EXPECT_TRUE(g.traps("store_off", {i32(-1), i32(1)}, 0));
  EXPECT_TRUE(g.traps("load64_maxoff", {i32(-1)}));  // the farthest reachable byte
  EXPECT_TRUE(g.traps("load64_maxoff", {i32(0)}));
  // The 32-bit address must not wrap: 16 + (2^32 - 16) is 2^32, not 0.
  EXPECT_TRUE(g.traps("load_off", {i32(16)}));
}

TEST_P(BoundsTest, GrowMakesNewPagesAccessibleAndOnePastStillTraps) {
  Guest g(GetParam());
  EXPECT_TRUE(g.traps("store", {i32(65536), i32(5)}, 0));
  EXPECT_EQ(g.value("grow", {i32(2)}), 1);
  ASSERT_EQ(g.call("store", {i32(65536), i32(5)}), nullptr);
  EXPECT_EQ(g.value("load", {i32(65536)}), 5);
  EXPECT_EQ(g.value("load", {i32(3 * 65536 - 4)}), 0);  // fresh pages read as zero
  EXPECT_TRUE(g.traps("load", {i32(3 * 65536 - 3)}));
  EXPECT_TRUE(g.traps("load8", {i32(3 * 65536)}));
}

TEST_P(BoundsTest, FullFourGiBMemoryReachesTheLastByte) {
  Guest g(GetParam());
  if (g.value("grow", {i32(65535)}) != 1) GTEST_SKIP() << "cannot commit a 4 GiB memory here";
  ASSERT_EQ(g.call("store8", {i32(-1), i32(0xab)}), nullptr);
  EXPECT_EQ(g.value("load8", {i32(-1)}), 0xab);
  EXPECT_TRUE(g.traps("load", {i32(-1)}));  // bytes 2^32 .. 2^32 + 2 do not exist
  EXPECT_TRUE(g.traps("load_off", {i32(16)}));
  EXPECT_EQ(g.value("load_off", {i32(12)}), int32_t(0xab000000));  // 2^32 - 4 holds 00 00 00 ab
}

TEST_P(BoundsTest, BulkOperationsCheckTheWholeRangeFirst) {
  Guest g(GetParam());
  EXPECT_TRUE(g.traps("fill", {i32(65530), i32(0x11), i32(7)}, 0));
  EXPECT_EQ(g.value("load8", {i32(65530)}), 0);  // nothing written
  ASSERT_EQ(g.call("fill", {i32(65530), i32(0x11), i32(6)}), nullptr);
  EXPECT_EQ(g.value("load8", {i32(65535)}), 0x11);
  EXPECT_TRUE(g.traps("copy", {i32(0), i32(65530), i32(7)}, 0));
  EXPECT_TRUE(g.traps("copy", {i32(65530), i32(0), i32(7)}, 0));
  EXPECT_TRUE(g.traps("copy", {i32(-1), i32(0), i32(1)}, 0));
  ASSERT_EQ(g.call("copy", {i32(0), i32(65530), i32(6)}), nullptr);
  EXPECT_EQ(g.value("load8", {i32(5)}), 0x11);
  EXPECT_TRUE(g.traps("init", {i32(65534), i32(0), i32(3)}, 0));
  EXPECT_TRUE(g.traps("init", {i32(0), i32(3), i32(3)}, 0));  // past the 5-byte segment
  ASSERT_EQ(g.call("init", {i32(65531), i32(0), i32(5)}), nullptr);
  EXPECT_EQ(g.value("load8", {i32(65531)}), 'h');
}

TEST_P(BoundsTest, TrapsLeakNoFramesOrReentryDepth) {
  Guest g(GetParam());
  // Each trap happens 1000 calls deep; leaked frames would exhaust the
  // default 30000-frame stack within 30 rounds.
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(g.traps("deep", {i32(1000), i32(-1)}));
  ASSERT_EQ(g.call("store", {i32(0), i32(77)}), nullptr);
  EXPECT_EQ(g.value("deep", {i32(1000), i32(0)}), 77);
}

TEST_P(BoundsTest, TrapInsideHostReentryPropagatesAndLeavesTheStoreUsable) {
  Guest g(GetParam());
  ASSERT_EQ(g.call("store", {i32(8), i32(42)}), nullptr);
  // Inner (re-entered) load fine, outer load traps.
  EXPECT_TRUE(g.traps("reenter_then_load", {i32(8), i32(65536)}));
  // Inner load traps: the host passes the trap on.
  // More rounds than the host re-entry limit (200): a leaked depth would exhaust.
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(g.traps("reenter_then_load", {i32(-1), i32(8)}));
  EXPECT_EQ(g.value("reenter_then_load", {i32(8), i32(8)}), 42);
}

// The wasm frames of a trap, innermost first; "+N" stands for N omitted outer frames.
std::vector<std::string> backtrace(wasmnn_error* err) {
  std::vector<std::string> frames;
  if (!err) return frames;
  for (size_t i = 0; i < wasmnn_error_frame_count(err); ++i) frames.push_back(wasmnn_error_frame_function(err, i));
  if (size_t omitted = wasmnn_error_frames_omitted(err)) {
    char text[32];
    std::snprintf(text, sizeof text, "+%zu", omitted);
    frames.push_back(text);
  }
  wasmnn_error_delete(err);
  return frames;
}

// A guard-page fault is caught by a signal handler outside the interpreter,
// yet its backtrace must be the one explicit checks give: every wasm frame.
TEST_P(BoundsTest, TrapBacktraceNamesEveryFrame) {
  Guest g(GetParam());
  wasmnn_val r[1];
  using Frames = std::vector<std::string>;
  EXPECT_EQ(backtrace(g.call("deep", {i32(3), i32(-1)}, r, 1)), Frames(4, "deep"));
  // Trap in a function the host re-entered: the host function itself is no wasm frame.
  EXPECT_EQ(backtrace(g.call("reenter_then_load", {i32(-1), i32(8)}, r, 1)), (Frames{"load", "reenter_then_load"}));
  // Trap after a re-entry returned, in the caller.
  EXPECT_EQ(backtrace(g.call("reenter_then_load", {i32(8), i32(65536)}, r, 1)), Frames{"reenter_then_load"});
  // 201 frames deep: the innermost 128 are kept, the rest counted.
  Frames deep(128, "deep");
  deep.push_back("+73");
  EXPECT_EQ(backtrace(g.call("deep", {i32(200), i32(-1)}, r, 1)), deep);
}

TEST_P(BoundsTest, TrapInOneThreadDoesNotDisturbAnotherStore) {
  std::atomic<bool> stop{false};
  std::atomic<int> traps{0};
  uint32_t mode = GetParam();
  std::thread trapper([&] {
    Guest g(mode);
    while (!stop.load()) {
      if (g.traps("load", {i32(70000)})) ++traps;
    }
  });
  Guest g(mode);
  for (int32_t i = 0; i < 20000; ++i) {
    int32_t addr = (i * 4) % 65536;
    ASSERT_EQ(g.call("store", {i32(addr), i32(i)}), nullptr);
    ASSERT_EQ(g.value("load", {i32(addr)}), i);
  }
  while (traps.load() < 100) std::this_thread::yield();
  stop = true;
  trapper.join();
  EXPECT_GE(traps.load(), 100);
}

INSTANTIATE_TEST_SUITE_P(Modes, BoundsTest, ::testing::Values(WASMNN_BOUNDS_EXPLICIT, WASMNN_BOUNDS_GUARD),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return info.param == WASMNN_BOUNDS_GUARD ? std::string("Guard") : std::string("Explicit");
                         });

// Faults that are not wasm out-of-bounds accesses keep their usual effect.
TEST(GuardPagesDeathTest, ForeignFaultsStillCrash) {
  Guest g(WASMNN_BOUNDS_GUARD);  // installs the signal handler
  EXPECT_DEATH(
      {
        volatile int* p = nullptr;
        *p = 1;
      },
      "");
  // A host touching a guard region outside wasm code is a host bug, not a trap.
  if (!g.memory()->mem.guarded()) return;  // e.g. ASan builds: no such region
  uint8_t* data = wasmnn_memory_data(g.memory());
  EXPECT_DEATH({ *reinterpret_cast<volatile uint8_t*>(data + (size_t(5) << 30)) = 1; }, "");
}

// Without room for an 8 GiB reservation, guard mode falls back to explicit
// checks instead of failing. Runs in a child so the limit stays there.
// Not built under ASan, whose terabytes of shadow mappings cannot live under
// an address-space limit (and whose builds use explicit checks anyway).
#if !defined(__SANITIZE_ADDRESS__)
TEST(GuardPagesDeathTest, TightAddressSpaceLimitFallsBackToExplicitChecks) {
  EXPECT_EXIT(
      {
        rlimit limit{};
        getrlimit(RLIMIT_AS, &limit);
        limit.rlim_cur = rlim_t(6) << 30;  // below 8 GiB, above the 4 GiB explicit reservation
        if (setrlimit(RLIMIT_AS, &limit) != 0) std::exit(2);
        Guest g(WASMNN_BOUNDS_GUARD);
        bool ok = !g.memory()->mem.guarded() && g.traps("load", {i32(65533)}) && g.traps("load_off", {i32(0)}) &&
                  g.call("store", {i32(65532), i32(9)}) == nullptr && g.value("load", {i32(65532)}) == 9;
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}
#endif

}  // namespace
