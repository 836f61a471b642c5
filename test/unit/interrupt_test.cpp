// Interruption through the C API: wasmnn_store_interrupt from another thread,
// deadlines, resuming, and host functions that block on the interrupt fd.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "instance_fixture.h"
#include "loader_bytes.h"
#include "wasmnn/wasmnn.h"

using namespace wasmnn::test;
using Clock = std::chrono::steady_clock;

namespace {

// (import "host" "block" (func $block))
// (func (export "spin") (loop $l (br $l)))                       ;; a back-edge only
// (func $r (export "recurse") (param i32)                         ;; calls only, 2^n of them
//   (if (local.get 0) (then (call $r (i32.sub (local.get 0) (i32.const 1)))
//                           (call $r (i32.sub (local.get 0) (i32.const 1))))))
// (func (export "block") (call $block))
// (func (export "answer") (result i32) (i32.const 42))
// Infinite loops closed by each other back-edge form (BrIfBack, BrIfI32NeBack,
// BrIfI32NeIBack, BrTableBack; test/compiler/back_edges.wat shows the forms):
// (func (export "spin_if") (param i32) (loop $l (br_if $l (local.get 0))))
// (func (export "spin_cmp") (param i32 i32) (loop $l (br_if $l (i32.ne (local.get 0) (local.get 1)))))
// (func (export "spin_cmp_imm") (param i32) (loop $l (br_if $l (i32.ne (local.get 0) (i32.const 7)))))
// (func (export "spin_table") (param i32) (block $out (loop $l (br_table $l $out (local.get 0)))))
Bytes module() {
  ModuleBytes m;
  m.section(kType,
            {0x04, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00});
  m.section(kImport, concat({{0x01}, name("host"), name("block"), {0x00, 0x00}}));
  m.section(kFunction, {0x08, 0x00, 0x01, 0x00, 0x02, 0x01, 0x03, 0x01, 0x01});
  m.section(kExport, concat({{0x08},
                             name("spin"),
                             {0x00, 0x01},
                             name("recurse"),
                             {0x00, 0x02},
                             name("block"),
                             {0x00, 0x03},
                             name("answer"),
                             {0x00, 0x04},
                             name("spin_if"),
                             {0x00, 0x05},
                             name("spin_cmp"),
                             {0x00, 0x06},
                             name("spin_cmp_imm"),
                             {0x00, 0x07},
                             name("spin_table"),
                             {0x00, 0x08}}));
  m.section(kCode,
            concat({{0x08},
                    body({0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b}),
                    body({0x00, 0x20, 0x00, 0x04, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
                          0x02, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x02, 0x0b, 0x0b}),
                    body({0x00, 0x10, 0x00, 0x0b}),
                    body({0x00, 0x41, 0x2a, 0x0b}),
                    body({0x00, 0x03, 0x40, 0x20, 0x00, 0x0d, 0x00, 0x0b, 0x0b}),
                    body({0x00, 0x03, 0x40, 0x20, 0x00, 0x20, 0x01, 0x47, 0x0d, 0x00, 0x0b, 0x0b}),
                    body({0x00, 0x03, 0x40, 0x20, 0x00, 0x41, 0x07, 0x47, 0x0d, 0x00, 0x0b, 0x0b}),
                    body({0x00, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x0e, 0x01, 0x00, 0x01, 0x0b, 0x0b, 0x0b})}));
  return m.bytes;
}

// A host function that blocks until the store is interrupted.
wasmnn_error* blockUntilInterrupted(wasmnn_caller* caller, void*, const wasmnn_val*, wasmnn_val*) {
  struct pollfd p = {wasmnn_store_interrupt_fd(wasmnn_caller_store(caller)), POLLIN, 0};
  if (p.fd < 0) return wasmnn_error_new(WASMNN_ERROR_HOST, "no interrupt fd");
  poll(&p, 1, 10'000);
  return nullptr;
}

class InterruptTest : public InstanceTest {
 protected:
  void SetUp() override {
    load(module());
    wasmnn_functype none{0, nullptr, 0, nullptr};
    ASSERT_EQ(wasmnn_linker_define_func(linker_, "host", "block", &none, blockUntilInterrupted, nullptr, nullptr),
              nullptr);
    instantiate();
  }
  // Calls an export; returns its error message ("" on success) and kind.
  std::string call(const char* name, std::vector<wasmnn_val> args = {}, wasmnn_error_kind* kind = nullptr) {
    wasmnn_extern f;
    EXPECT_TRUE(wasmnn_instance_export(instance_, name, &f));
    wasmnn_val result{};
    size_t results = wasmnn_func_type(f.of.func).result_count;
    wasmnn_error* e = wasmnn_func_call(f.of.func, args.data(), args.size(), &result, results);
    if (!e) return "";
    std::string message = wasmnn_error_message(e);
    if (kind) *kind = wasmnn_error_get_kind(e);
    EXPECT_GE(wasmnn_error_frame_count(e), 1u) << "an interrupt names where the guest was";
    wasmnn_error_delete(e);
    return message;
  }
  // Interrupts the store from another thread after `delay`, while `name` runs.
  std::string interruptDuring(const char* name, std::vector<wasmnn_val> args = {}) {
    std::thread other([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      wasmnn_store_interrupt(store_);
    });
    wasmnn_error_kind kind = WASMNN_ERROR_HOST;
    std::string message = call(name, std::move(args), &kind);
    other.join();
    EXPECT_EQ(kind, WASMNN_ERROR_INTERRUPT);
    wasmnn_store_resume(store_);  // else the next call would stop on entry, before any loop
    return message;
  }
  static wasmnn_val i32(int32_t v) {
    wasmnn_val x{};
    x.kind = WASMNN_I32;
    x.of.i32 = v;
    return x;
  }
};

TEST_F(InterruptTest, AnInfiniteLoopStopsWhenAnotherThreadInterrupts) {
  EXPECT_EQ(interruptDuring("spin"), "interrupted");
}

TEST_F(InterruptTest, EveryBackEdgeFormPolls) {
  EXPECT_EQ(interruptDuring("spin_if", {i32(1)}), "interrupted");
  EXPECT_EQ(interruptDuring("spin_cmp", {i32(1), i32(2)}), "interrupted");
  EXPECT_EQ(interruptDuring("spin_cmp_imm", {i32(1)}), "interrupted");
  EXPECT_EQ(interruptDuring("spin_table", {i32(0)}), "interrupted");
}

TEST_F(InterruptTest, CallsAloneAreInterruptedToo) { EXPECT_EQ(interruptDuring("recurse", {i32(60)}), "interrupted"); }

TEST_F(InterruptTest, AHostFunctionWaitingOnTheInterruptFdEndsTheCall) {
  EXPECT_EQ(interruptDuring("block"), "interrupted");
}

TEST_F(InterruptTest, TheStoreStaysInterruptedUntilResumed) {
  wasmnn_store_interrupt(store_);
  EXPECT_EQ(call("answer"), "interrupted");
  struct pollfd p = {wasmnn_store_interrupt_fd(store_), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 1);
  wasmnn_store_resume(store_);
  EXPECT_EQ(call("answer"), "");
  EXPECT_EQ(poll(&p, 1, 0), 0);
}

TEST_F(InterruptTest, ADeadlineEndsAnInfiniteLoop) {
  auto start = Clock::now();
  wasmnn_store_set_deadline(store_, 200'000'000);
  wasmnn_error_kind kind = WASMNN_ERROR_HOST;
  EXPECT_EQ(call("spin", {}, &kind), "interrupted: deadline exceeded");
  EXPECT_EQ(kind, WASMNN_ERROR_INTERRUPT);
  auto took = Clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(200));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

TEST_F(InterruptTest, ACancelledOrReplacedDeadlineDoesNotFire) {
  wasmnn_store_set_deadline(store_, 50'000'000);
  wasmnn_store_set_deadline(store_, 0);
  wasmnn_store_set_deadline(store_, 30'000'000);
  wasmnn_store_set_deadline(store_, 60'000'000'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(call("answer"), "");
}

TEST_F(InterruptTest, DeletingAStoreWithAPendingDeadlineIsSafe) {
  for (int i = 0; i < 20; ++i) {
    wasmnn_store* s = wasmnn_store_new(engine_);
    wasmnn_store_set_deadline(s, uint64_t(i % 3) * 1'000'000);
    wasmnn_store_delete(s);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(call("answer"), "");
}

}  // namespace
