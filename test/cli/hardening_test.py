#!/usr/bin/env python3
"""What a hostile guest can do to the host, through the `wasmnn` command line.

Each class is one hardening rule: stopping a guest (--timeout), store-wide
totals (--max-table-elements, --max-memory), host memory exhaustion under an
address-space limit (ulimit -v) never aborting, stdio rights, terminal escapes,
WasmEdge's --dir and --nn-preload forms. The truth is the operating system's
view (exit status, file contents and times, elapsed wall time) and WASI's
errno values as the preview1 witx defines them. Modules are WAT built with
wabt's wat2wasm, or binaries spelled out below where WAT cannot say it.
Usage: hardening_test.py --wasmnn BIN --wat2wasm BIN --work DIR --nn-fake-dir DIR
       --compiled-tier built|absent [--no-address-limit] [unittest args]
"""
import argparse
import fcntl
import os
import resource
import signal
import struct
import subprocess
import sys
import time
import unittest

import cli_test as cli
from cli_test import build, wasmnn

NN_FAKE_DIR = None
ADDRESS_LIMIT = True
COMPILED_TIER = False  # built with the compiled tier (LLVM)

# WASI errno values (wasi_snapshot_preview1 witx).
NOTCAPABLE, INVAL, PERM = 76, 28, 63
TRAP_EXIT = 134


# ---------------------------------------------------------------- binary modules
def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def vec(items):
    return leb(len(items)) + b"".join(items)


def name(s):
    return leb(len(s)) + s


def section(sid, content):
    return bytes([sid]) + leb(len(content)) + content


def module(*sections):
    return b"\0asm\x01\0\0\0" + b"".join(sections)


def write(filename, data):
    path = os.path.join(cli.WORK, filename)
    with open(path, "wb") as f:
        f.write(data)
    return path


# One function () -> () and a passive element segment of `n` references to it.
def elem_module(n):
    code = vec([leb(2) + b"\x00\x0b"])
    segment = leb(1) + b"\x00" + leb(n) + b"\x00" * n  # flags 1: passive, elemkind funcref, n x funcidx 0
    return module(section(1, vec([b"\x60\x00\x00"])), section(3, vec([b"\x00"])), section(9, vec([segment])),
                  section(10, code))


# A memory of `pages` (max too) and an active data segment of `size` bytes at 0.
def data_module(pages, size):
    memory = vec([b"\x01" + leb(pages) + leb(pages)])
    segment = b"\x00\x41\x00\x0b" + leb(size) + b"\x01" * size
    return module(section(5, memory), section(11, vec([segment])))


# _start calls a function whose name-section name is `fname` and which traps.
def named_trap_module(fname):
    funcs = section(3, vec([b"\x00", b"\x00"]))
    exports = section(7, vec([name(b"_start") + b"\x00\x00"]))
    code = section(10, vec([leb(4) + b"\x00\x10\x01\x0b", leb(3) + b"\x00\x00\x0b"]))
    names = section(0, name(b"name") + b"\x01" + leb(len(vec([leb(1) + name(fname)]))) + vec([leb(1) + name(fname)]))
    return module(section(1, vec([b"\x60\x00\x00"])), funcs, exports, code, names)


def run_limited(args, address_space, **kw):
    """Runs wasmnn with RLIMIT_AS (what `ulimit -v` sets) of address_space bytes."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([cli.WASMNN, *args], stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=limit, **kw)


# ---------------------------------------------------------------- timeout
# Each guest first writes "go\n" (the deadline is armed by then), then never ends by itself.
def stuck_guest(imports, body):
    return r"""
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  %s
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\10\00\00\00")       ;; iovec: 16 bytes at 16 (fd_read's buffer)
  (data (i32.const 32) "\28\00\00\00\03\00\00\00go\0a")  ;; iovec: "go\n" at 40
  (data (i32.const 64) "\01\00\00\00\00\00\00\00" "\ff\ff\ff\ff\ff\ff\ff\ff")
  (func (export "_start")
    (drop (call $write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 128)))
    %s))
""" % (imports, body)


LOOP_WAT = stuck_guest("", "(loop $l (br $l))")
# One clock subscription (at 48: monotonic, relative) with a timeout of 2^64-1 ns.
POLL_FOREVER_WAT = stuck_guest(
    '(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))',
    "(drop (call $poll (i32.const 48) (i32.const 256) (i32.const 1) (i32.const 512)))")
READ_STDIN_WAT = stuck_guest(
    '(import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))',
    "(drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 128)))")


class Timeout(unittest.TestCase):
    # The 100 ms are counted from the guest's "go" (the deadline was armed
    # before it), so a slow process start on a loaded machine does not count.
    def expect_stopped_in_time(self, name, wat, run_options=(), **popen):
        path = build(name, wat)
        start = time.monotonic()
        p = subprocess.Popen([cli.WASMNN, "run", *run_options, "--timeout", "1s", path], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, **popen)
        try:
            self.assertEqual(p.stdout.readline(), "go\n")
            go = time.monotonic()
            _, err = p.communicate(timeout=30)
        finally:
            p.kill()
        end = time.monotonic()
        self.assertEqual(p.returncode, TRAP_EXIT, err)
        self.assertIn("interrupted: deadline exceeded", err)
        self.assertIn("at _start", err)  # where the guest was
        self.assertGreaterEqual(end - start, 1.0)
        self.assertLess(end - go, 1.1, "--timeout 1s must end the run within 1 s + 100 ms")

    def test_an_infinite_loop_ends(self):
        self.expect_stopped_in_time("stuck_loop", LOOP_WAT)

    def test_poll_oneoff_forever_ends(self):
        self.expect_stopped_in_time("stuck_poll", POLL_FOREVER_WAT)

    def test_a_read_from_a_silent_stdin_ends(self):
        r, w = os.pipe()  # the write end stays open and silent
        try:
            self.expect_stopped_in_time("stuck_read", READ_STDIN_WAT, stdin=r)
        finally:
            os.close(r)
            os.close(w)

    def test_a_compiled_infinite_loop_ends(self):
        if COMPILED_TIER:
            self.expect_stopped_in_time("stuck_loop", LOOP_WAT, ["--compile", "--no-cache"])
        else:
            r = wasmnn("run", "--compile", "--timeout", "1s", build("stuck_loop", LOOP_WAT))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("the compiled tier is not available", r.stderr)

    def test_every_kind_of_loop_back_edge_is_interrupted(self):
        # br, br_if on a value, br_if on a fused compare, br_table to the loop (also as its default);
        # loops whose body calls a function of the module (compiled code polls in its entry
        # instead of the loop header) or an import (a host function, which does not poll)
        path = build("loops", r"""
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (func $nothing)
  (func (export "calls") (loop $l (call $nothing) (br $l)))
  (func (export "calls_host") (loop $l (drop (call $yield)) (br $l)))
  (func (export "br") (loop $l (br $l)))
  (func (export "br_if") (loop $l (br_if $l (i32.const 1))))
  (func (export "br_if_compare") (local i32) (loop $l (br_if $l (i32.ne (local.get 0) (i32.const -1)))))
  (func (export "br_table") (loop $l (block $b (br_table $l $b (i32.const 0)))))
  (func (export "br_table_default") (block $b (loop $l (br_table $b $l (i32.const 5))))))
""")
        tiers = [[], ["--compile", "--no-cache"]] if COMPILED_TIER else [[]]
        for tier in tiers:
            for name in ["calls", "calls_host", "br", "br_if", "br_if_compare", "br_table", "br_table_default"]:
                r = wasmnn("run", *tier, "--timeout", "200ms", "--invoke", name, path)
                self.assertEqual(r.returncode, TRAP_EXIT, (tier, name, r.stderr))
                self.assertIn("interrupted: deadline exceeded", r.stderr)
                self.assertIn("at " + name, r.stderr)

    def test_a_finished_guest_is_not_affected(self):
        r = wasmnn("run", "--timeout", "10s", build("start", cli.START_WAT))
        self.assertEqual(r.returncode, 3, r.stderr)

    def test_bad_durations_are_usage_errors(self):
        for bad in ["1", "soon", "-1s", "0s", "1sec"]:
            r = wasmnn("run", "--timeout", bad, "x.wasm")
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--timeout wants a duration", r.stderr)


# ---------------------------------------------------------------- store totals
GROW_WAT = r"""
(module
  (table 0 funcref) (memory 1 1000)
  (func (export "grow_table") (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0)))
  (func (export "grow_memory") (param i32) (result i32) (memory.grow (local.get 0))))
"""


class StoreTotals(unittest.TestCase):
    def test_forty_tables_of_ten_million_elements_are_refused(self):
        wat = "(module " + "(table 10000000 funcref) " * 40 + ")"
        path = build("tables40", wat)
        self.assertLess(os.path.getsize(path), 300)
        start = time.monotonic()
        r = wasmnn("run", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("exceed the store's total of 10000000 table elements", r.stderr)
        self.assertLess(time.monotonic() - start, 5, "nothing of the 3.2 GB may have been allocated")

    def test_max_table_elements_bounds_table_grow(self):
        path = build("grow", GROW_WAT)
        r = wasmnn("run", "--max-table-elements", "100", "--invoke", "grow_table", path, "100")
        self.assertEqual((r.returncode, r.stdout), (0, "0\n"), r.stderr)
        r = wasmnn("run", "--max-table-elements", "100", "--invoke", "grow_table", path, "101")
        self.assertEqual((r.returncode, r.stdout), (0, "-1\n"), r.stderr)

    def test_max_memory_bounds_memory_grow(self):
        path = build("grow", GROW_WAT)
        r = wasmnn("run", "--max-memory", "2M", "--invoke", "grow_memory", path, "31")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r.stderr)
        r = wasmnn("run", "--max-memory", "2M", "--invoke", "grow_memory", path, "32")
        self.assertEqual((r.returncode, r.stdout), (0, "-1\n"), r.stderr)

    def test_bad_sizes_are_usage_errors(self):
        for option, bad in [("--max-memory", "lots"), ("--max-memory", "0"), ("--max-table-elements", "-5")]:
            r = wasmnn("run", option, bad, "x.wasm")
            self.assertEqual(r.returncode, 2, (option, bad))
            self.assertIn(option + " wants", r.stderr)


# ---------------------------------------------------------------- host memory
IOVECS_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2 2)
  ;; n iovecs at 0, each the whole second page: n * 64 KiB from one buffer
  (func (export "write_many") (param $n i32) (result i32) (local $i i32)
    (loop $fill
      (i32.store (i32.mul (local.get $i) (i32.const 8)) (i32.const 65536))
      (i32.store offset=4 (i32.mul (local.get $i) (i32.const 8)) (i32.const 65536))
      (br_if $fill (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 4096))))
    (call $write (i32.const 1) (i32.const 0) (local.get $n) (i32.const 40000))))
"""

# The fake backend's model (test/nn/fake_backend): "WNNFAKE1", scale, bias, delay.
FAKE_MODEL = b"WNNFAKE1" + struct.pack("<ffI", 2.0, 0.5, 0)
NN_BIG_INPUT_WAT = r"""
(module
  (import "wasi_ephemeral_nn" "load" (func $load (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_ephemeral_nn" "init_execution_context" (func $init (param i32 i32) (result i32)))
  (import "wasi_ephemeral_nn" "set_input" (func $set_input (param i32 i32 i32) (result i32)))
  (memory (export "memory") 4200 4200)
  (data (i32.const 0) "%s")
  (data (i32.const 32) "\00\00\00\00\14\00\00\00")            ;; builder: the 20-byte model at 0
  (data (i32.const 64) "\00\00\00\04")                        ;; dims: [64 Mi] f32 = 256 MiB
  (data (i32.const 80) "\40\00\00\00\01\00\00\00\01\00\00\00" ;; tensor: dims at 64, rank 1, f32,
                       "\00\00\10\00\00\00\00\10")            ;; data at 1 MiB, 256 MiB long
  (func (export "big_input") (result i32) (local $e i32)
    (if (local.tee $e (call $load (i32.const 32) (i32.const 1) (i32.const 2) (i32.const 0) (i32.const 40)))
      (then (return (i32.add (i32.const 1000) (local.get $e)))))
    (if (local.tee $e (call $init (i32.load (i32.const 40)) (i32.const 44)))
      (then (return (i32.add (i32.const 2000) (local.get $e)))))
    (call $set_input (i32.load (i32.const 44)) (i32.const 0) (i32.const 80))))
""" % "".join("\\%02x" % b for b in FAKE_MODEL)


class HostMemory(unittest.TestCase):
    """Under an address-space limit, what a guest asks for fails as a trap,
    -1, an errno or a message, and the host never aborts (SIGABRT on an
    uncaught std::bad_alloc is what used to happen)."""

    MiB = 1 << 20

    def setUp(self):
        if not ADDRESS_LIMIT:
            self.skipTest("sanitizer builds reserve terabytes of shadow memory: no address-space limit possible")

    def expect_clean_failure(self, r, says):
        self.assertNotEqual(r.returncode, -signal.SIGABRT, "the host aborted: " + r.stderr)
        self.assertGreaterEqual(r.returncode, 0, r.stderr)
        self.assertIn(says, r.stderr)

    def test_a_huge_table_is_an_error(self):
        path = build("bigtable", "(module (table 100000000 funcref))")
        r = run_limited(["run", "--max-table-elements", "200000000", path], 512 * self.MiB)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.expect_clean_failure(r, "out of host memory for a table of 100000000 elements")

    def test_a_huge_table_grow_is_minus_one(self):
        path = build("grow", GROW_WAT)
        r = run_limited(["run", "--max-table-elements", "200000000", "--invoke", "grow_table", path, "100000000"],
                        512 * self.MiB)
        self.assertEqual((r.returncode, r.stdout), (0, "-1\n"), r.stderr)

    def test_a_memory_that_cannot_be_reserved_is_an_error(self):
        path = build("memory_nomax", "(module (memory 1))")  # reserves 4 GiB of address space
        r = run_limited(["run", path], 512 * self.MiB)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.expect_clean_failure(r, "cannot reserve")

    def test_a_huge_element_segment_is_an_error(self):
        path = write("elems.wasm", elem_module(8_000_000))
        r = run_limited(["run", path], 128 * self.MiB)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.expect_clean_failure(r, "out of host memory")

    def test_a_huge_data_segment_is_an_error(self):
        path = write("data.wasm", data_module(1100, 64 * self.MiB))
        r = run_limited(["run", path], 120 * self.MiB)  # the file is read, decoding copies the segment
        self.assertEqual(r.returncode, 1, r.stderr)
        self.expect_clean_failure(r, "out of host memory")

    def test_wasi_iovecs_cost_the_host_no_memory_of_their_size(self):
        path = build("iovecs", IOVECS_WAT)
        with open(os.devnull, "w") as null:
            r = run_limited(["run", "--invoke", "write_many", path, "1024"], 64 * self.MiB, stdout=null)
            self.assertEqual(r.returncode, 0, r.stderr)  # 64 MiB written from 64 KiB, within 64 MiB of address space
        r = run_limited(["run", "--invoke", "write_many", path, "1025"], 64 * self.MiB)
        self.assertEqual((r.returncode, r.stdout), (0, f"{INVAL}\n"), r.stderr)

    def test_a_wasi_nn_tensor_larger_than_the_host_allows_is_an_error_code(self):
        path = build("nn_big_input", NN_BIG_INPUT_WAT)
        r = run_limited(["run", "--nn-backend-dir", NN_FAKE_DIR, "--invoke", "big_input", path], 400 * self.MiB)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(r.stdout, "0\n", "256 MiB cannot be copied within the limit")
        self.assertLess(int(r.stdout), 1000, "load and init_execution_context must succeed: " + r.stderr)
        r = subprocess.run([cli.WASMNN, "run", "--nn-backend-dir", NN_FAKE_DIR, "--invoke", "big_input", path],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual((r.returncode, r.stdout), (0, "0\n"), "without the limit it fits: " + r.stderr)


# ---------------------------------------------------------------- stdio rights
# Each call on the stdio streams must be notcapable; the first that is not
# exits with 10 + its number. Then one line is written (appended) to stdout.
STDIO_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $truncate (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\06\00\00\00")
  (data (i32.const 16) "guest\0a")
  (func $expect (param $errno i32) (param $step i32)
    (if (i32.ne (local.get $errno) (i32.const 76)) (then (call $exit (i32.add (i32.const 10) (local.get $step))))))
  (func (export "_start")
    (call $expect (call $seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 64)) (i32.const 1))
    (call $expect (call $tell (i32.const 1) (i32.const 64)) (i32.const 2))
    (call $expect (call $truncate (i32.const 1) (i64.const 0)) (i32.const 3))
    (call $expect (call $set_flags (i32.const 1) (i32.const 0)) (i32.const 4))
    (call $expect (call $allocate (i32.const 1) (i64.const 0) (i64.const 1048576)) (i32.const 5))
    (call $expect (call $times (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 5)) (i32.const 6))
    (call $expect (call $times (i32.const 1) (i64.const 0) (i64.const 0) (i32.const 5)) (i32.const 7))
    (call $expect (call $pwrite (i32.const 1) (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 64)) (i32.const 8))
    (call $expect (call $read (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 64)) (i32.const 9))
    (call $expect (call $write (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 64)) (i32.const 10))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 64)))))
"""


class StdioRights(unittest.TestCase):
    def test_a_guest_cannot_rewrite_the_hosts_log_or_stdin(self):
        log = os.path.join(cli.WORK, "app.log")
        with open(log, "w") as f:
            f.write("host line\n")
        stdin_path = os.path.join(cli.WORK, "stdin.txt")
        with open(stdin_path, "w") as f:
            f.write("input\n")
        os.utime(stdin_path, (1_600_000_000, 1_600_000_000))
        path = build("stdio", STDIO_WAT)
        with open(log, "a") as out, open(stdin_path) as stdin:  # `wasmnn run guest.wasm < stdin.txt >> app.log`
            r = subprocess.run([cli.WASMNN, "run", path], stdin=stdin, stdout=out, stderr=subprocess.PIPE,
                               text=True, timeout=60)
            self.assertTrue(fcntl.fcntl(out.fileno(), fcntl.F_GETFL) & os.O_APPEND, "O_APPEND was cleared")
        self.assertEqual(r.returncode, 0, f"step {r.returncode - 10} was not notcapable: {r.stderr}")
        with open(log) as f:
            self.assertEqual(f.read(), "host line\nguest\n")
        self.assertEqual(os.stat(stdin_path).st_mtime, 1_600_000_000)


# ---------------------------------------------------------------- terminal escapes
class TerminalEscapes(unittest.TestCase):
    def expect_escaped(self, r, *shown):
        for raw in ["\x1b", "\x07", "\x9b", "\u202e"]:
            self.assertNotIn(raw, r.stderr)
        for s in shown:
            self.assertIn(s, r.stderr)

    def test_backtrace_names_from_the_name_section(self):
        path = write("evil_names.wasm", named_trap_module(b"\x1b]0;pwned\x07evil\xc2\x9b\xe2\x80\xae"))
        r = subprocess.run([cli.WASMNN, "run", path], capture_output=True, timeout=60)
        r = subprocess.CompletedProcess(r.args, r.returncode, r.stdout, r.stderr.decode("utf-8", "replace"))
        self.assertEqual(r.returncode, TRAP_EXIT, r.stderr)
        self.expect_escaped(r, "at \\x1b]0;pwned\\x07evil\\xc2\\x9b\\xe2\\x80\\xae")

    def test_link_errors_naming_imports(self):
        path = build("evil_import", r'(module (import "env" "\1b[31mboom\07" (func)))')
        r = wasmnn("run", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.expect_escaped(r, "`env.\\x1b[31mboom\\x07`")
        self.assertEqual(r.stderr.count("\n"), 1)

    def test_export_names_in_backtraces(self):
        path = build("evil_export", r'(module (func (export "_start") (call 1)) (func (export "\1b[2J\0a") unreachable))')
        r = wasmnn("run", path)
        self.assertEqual(r.returncode, TRAP_EXIT, r.stderr)
        self.expect_escaped(r, "at \\x1b[2J\\x0a")


# ---------------------------------------------------------------- WasmEdge's forms
# Prints the name of preopen fd 3.
PREOPEN_NAME_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (call $get (i32.const 3) (i32.const 0)) (then (call $exit (i32.const 9))))
    (drop (call $name (i32.const 3) (i32.const 100) (i32.load (i32.const 4))))
    (i32.store (i32.const 16) (i32.const 100))
    (i32.store (i32.const 20) (i32.load (i32.const 4)))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))
"""


class WasmEdgeForms(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = build("preopen_name", PREOPEN_NAME_WAT)
        cls.host = os.path.join(cli.WORK, "hostdir")
        os.makedirs(cls.host, exist_ok=True)

    def preopen(self, spec):
        return subprocess.run([cli.WASMNN, "run", "--dir", spec, self.module], capture_output=True, text=True,
                              timeout=60, cwd=cli.WORK)

    def test_dot_colon_dot_as_in_every_wasmedge_readme(self):
        r = self.preopen(".:.")
        self.assertEqual((r.returncode, r.stdout), (0, "."), r.stderr)

    def test_single_colon_takes_the_side_that_is_a_host_directory(self):
        r = self.preopen("/data:" + self.host)  # WasmEdge today: GUEST:HOST
        self.assertEqual((r.returncode, r.stdout), (0, "/data"), r.stderr)
        r = self.preopen(self.host + ":/data")  # older WasmEdge: HOST:GUEST
        self.assertEqual((r.returncode, r.stdout), (0, "/data"), r.stderr)
        r = self.preopen(self.host + "::/data")  # ours, unchanged
        self.assertEqual((r.returncode, r.stdout), (0, "/data"), r.stderr)

    def test_ambiguous_or_unknown_forms_name_the_one_to_use(self):
        for spec, says in [(self.host + ":" + cli.WORK, "ambiguous"), ("/nope1:/nope2", "neither"),
                           ("a:" + self.host + ":readonly", "more than one ':'")]:
            r = self.preopen(spec)
            self.assertEqual(r.returncode, 1, spec)
            self.assertIn(says, r.stderr)
            self.assertIn("--dir HOST::GUEST", r.stderr)

    def test_a_missing_preload_file_is_a_warning_not_a_failure(self):
        r = wasmnn("run", "--nn-preload", "m:onnx:cpu:/nonexistent/model.onnx", build("start", cli.START_WAT))
        self.assertEqual(r.returncode, 3, r.stderr)  # the guest ran: START_WAT exits with 3
        self.assertIn("/nonexistent/model.onnx", r.stderr)
        self.assertIn("model_not_found", r.stderr)


def main():
    global NN_FAKE_DIR, ADDRESS_LIMIT, COMPILED_TIER
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmnn", required=True)
    ap.add_argument("--wat2wasm", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--nn-fake-dir", required=True)
    ap.add_argument("--no-address-limit", action="store_true")
    ap.add_argument("--compiled-tier", choices=["built", "absent"], required=True)
    opts, rest = ap.parse_known_args()
    cli.WASMNN, cli.WAT2WASM, cli.WORK = opts.wasmnn, opts.wat2wasm, opts.work
    NN_FAKE_DIR, ADDRESS_LIMIT = opts.nn_fake_dir, not opts.no_address_limit
    COMPILED_TIER = opts.compiled_tier == "built"
    os.makedirs(cli.WORK, exist_ok=True)
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
