#!/usr/bin/env python3
"""The `wasmnn` command line: exit codes, messages, and `run --invoke` values.

Expected values come from the WebAssembly semantics computed here in Python
(two's-complement wrap, IEEE single/double rounding via struct), never from a
previous wasmnn run. Modules are written in WAT below and built with wabt's
wat2wasm. Usage: cli_test.py --wasmnn BIN --wat2wasm BIN --work DIR [unittest args]
"""
import argparse
import math
import os
import struct
import subprocess
import sys
import unittest

WASMNN = WAT2WASM = WORK = None

VALUES_WAT = r"""
(module
  (memory (export "mem") 1)
  (func (export "add_i32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add_i64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "div_f32") (param f32 f32) (result f32) local.get 0 local.get 1 f32.div)
  (func (export "div_f64") (param f64 f64) (result f64) local.get 0 local.get 1 f64.div)
  (func (export "id_v128") (param v128) (result v128) local.get 0)
  (func (export "pair") (result i32 i64) i32.const -1 i64.const 5)
  (func (export "nothing"))
  (func (export "trap") unreachable)
  (func $deep (export "deep") (param i32) (result i32)
    local.get 0 i32.eqz
    if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $deep i32.const 1 i32.add end)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (global (export "g") i32 (i32.const 7)))
"""

START_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "_start") i32.const 3 call $exit))
"""


def build(name, wat):
    src = os.path.join(WORK, name + ".wat")
    out = os.path.join(WORK, name + ".wasm")
    with open(src, "w") as f:
        f.write(wat)
    subprocess.run([WAT2WASM, "--enable-all", src, "-o", out], check=True)
    return out


def wasmnn(*args):
    return subprocess.run([WASMNN, *args], capture_output=True, text=True, timeout=60)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


class Invoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = build("values", VALUES_WAT)

    def invoke(self, name, *args, options=()):
        return wasmnn("run", *options, "--invoke", name, self.module, *args)

    def value(self, name, *args):
        r = self.invoke(name, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout

    def test_i32_wraps_and_takes_signed_or_unsigned_spellings(self):
        for a, b in [(2, 3), (-1, -1), (4294967295, 1), (2147483647, 1), (-2147483648, -1)]:
            expected = (a + b + 2**31) % 2**32 - 2**31
            self.assertEqual(self.value("add_i32", str(a), str(b)), f"{expected}\n", (a, b))

    def test_i64_wraps(self):
        for a, b in [(9223372036854775807, 1), (-5, 18446744073709551615), (1 << 40, 1 << 40)]:
            expected = (a + b + 2**63) % 2**64 - 2**63
            self.assertEqual(self.value("add_i64", str(a), str(b)), f"{expected}\n", (a, b))

    def test_f32_results_round_trip_to_the_single_precision_quotient(self):
        for a, b in [("1", "3"), ("2", "7"), ("1e30", "3"), ("-0.1", "1e-30"), ("16777217", "1")]:
            printed = self.value("div_f32", a, b).strip()
            self.assertEqual(f32(float(printed)), f32(f32(float(a)) / f32(float(b))), (a, b, printed))

    def test_f64_results_round_trip_and_specials_print_as_inf_and_nan(self):
        for a, b in [("1", "3"), ("0.1", "0.7"), ("1e308", "1e-10"), ("5e-324", "2")]:
            printed = self.value("div_f64", a, b).strip()
            self.assertEqual(float(printed), float(a) / float(b), (a, b, printed))
        self.assertEqual(self.value("div_f64", "1", "0"), "inf\n")
        self.assertEqual(self.value("div_f64", "-1", "0"), "-inf\n")
        self.assertTrue(math.isnan(float(self.value("div_f64", "0", "0"))))

    def test_v128_comes_back_as_the_same_128_bit_hex(self):
        v = "0x000102030405060708090a0b0c0d0e0f"
        self.assertEqual(self.value("id_v128", v), v + "\n")
        self.assertEqual(self.value("id_v128", "0x1"), "0x" + "0" * 31 + "1\n")

    def test_several_results_print_one_per_line_and_none_prints_nothing(self):
        self.assertEqual(self.value("pair"), "-1\n5\n")
        self.assertEqual(self.value("nothing"), "")

    def test_memory_limit_option_bounds_memory_grow(self):
        self.assertEqual(self.value("grow", "3"), "1\n")  # old size: 1 page
        r = self.invoke("grow", "3", options=("--max-memory-pages", "2"))
        self.assertEqual((r.returncode, r.stdout), (0, "-1\n"), r.stderr)

    def test_bad_arguments_are_errors_naming_the_argument(self):
        for args, words in [(("1",), ["`add_i32` takes 2 argument(s), 1 given"]),
                            (("1", "x"), ["argument 2", "`x`"]),
                            (("1", "4294967296"), ["argument 2"]),
                            (("1", "1.5"), ["argument 2"])]:
            r = self.invoke("add_i32", *args)
            self.assertEqual(r.returncode, 1, args)
            self.assertEqual(r.stdout, "")
            for w in words:
                self.assertIn(w, r.stderr, args)
        r = self.invoke("id_v128", "0x" + "1" * 33)
        self.assertEqual(r.returncode, 1)
        self.assertIn("argument 1", r.stderr)

    def test_missing_or_non_function_export_is_named(self):
        for name in ["nope", "g", "mem"]:
            r = self.invoke(name)
            self.assertEqual(r.returncode, 1, name)
            self.assertIn(f"no exported function `{name}`", r.stderr)


class Traps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = build("values", VALUES_WAT)

    def test_trap_exits_134_with_message_and_backtrace(self):
        r = wasmnn("run", "--invoke", "trap", self.module)
        self.assertEqual(r.returncode, 134)
        self.assertIn("unreachable", r.stderr)
        self.assertIn("at trap", r.stderr)

    def test_call_depth_limit_is_a_trap_with_a_folded_backtrace(self):
        self.assertEqual(wasmnn("run", "--invoke", "deep", self.module, "1000").stdout, "1000\n")
        r = wasmnn("run", "--max-call-depth", "500", "--invoke", "deep", self.module, "1000")
        self.assertEqual(r.returncode, 134)
        self.assertIn("call stack exhausted", r.stderr)
        self.assertIn("at deep (128 frames)", r.stderr)
        self.assertIn("outer frames not shown", r.stderr)

    def test_out_of_bounds_traps_in_both_bounds_modes(self):
        for mode in ["explicit", "guard"]:
            r = wasmnn("run", "--bounds-checks", mode, "--invoke", "load", self.module, "65533")
            self.assertEqual(r.returncode, 134, mode)
            self.assertIn("out of bounds memory access", r.stderr)
            self.assertIn("at load", r.stderr)
            r = wasmnn("run", "--bounds-checks", mode, "--invoke", "load", self.module, "65532")
            self.assertEqual((r.returncode, r.stdout), (0, "0\n"), mode)


class Inspect(unittest.TestCase):
    """`wasmnn inspect --code`: what it prints and how it fails. The code itself
    is checked by test/compiler's golden tests."""

    def test_prints_every_defined_function_or_the_one_asked_for(self):
        module = build("values", VALUES_WAT)
        r = wasmnn("inspect", "--code", module)
        self.assertEqual(r.returncode, 0, r.stderr)
        blocks = r.stdout.split("\n\n")
        self.assertEqual(len(blocks), 11, r.stdout)  # the functions VALUES_WAT defines
        self.assertTrue(blocks[0].startswith("func 0 add_i32 (slots: params 2, locals 2, "), blocks[0])
        self.assertTrue(blocks[0].rstrip().endswith("Ret"), blocks[0])
        one = wasmnn("inspect", module, "--func", "1", "--code")  # options also after the module
        self.assertEqual((one.returncode, one.stdout), (0, blocks[1] + "\n"), one.stderr)

    def test_imported_or_missing_function_and_bad_module_are_errors_naming_them(self):
        start = build("start", START_WAT)  # function 0 is imported, function 1 defined
        for func, says in [("0", "function 0 is imported: it has no code"),
                           ("2", "function 2 does not exist (the module has 2)")]:
            r = wasmnn("inspect", "--code", "--func", func, start)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(says, r.stderr)
        r = wasmnn("inspect", "--code", os.path.join(WORK, "missing.wasm"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read", r.stderr)


class CommandLine(unittest.TestCase):
    def usage_error(self, *args, says):
        r = wasmnn(*args)
        self.assertEqual(r.returncode, 2, (args, r.stderr))
        self.assertIn(says, r.stderr)
        self.assertIn("wasmnn --help", r.stderr)

    def test_usage_errors_exit_2_and_name_the_problem(self):
        self.usage_error(says="no command given")
        self.usage_error("frobnicate", says="unknown command `frobnicate`")
        self.usage_error("run", says="no module given")
        self.usage_error("run", "--frob", "x.wasm", says="unknown option `--frob`")
        self.usage_error("run", "--invoke", says="option `--invoke` needs a value")
        self.usage_error("run", "--max-call-depth", "many", "x.wasm", says="--max-call-depth wants a number")
        self.usage_error("run", "--bounds-checks", "maybe", "x.wasm", says="wants `explicit` or `guard`")
        self.usage_error("backends", "extra", says="unexpected argument `extra`")
        self.usage_error("inspect", "x.wasm", says="say what to inspect: wasmnn inspect --code")
        self.usage_error("inspect", "--code", says="give exactly one module")
        self.usage_error("inspect", "--code", "--func", "first", "x.wasm", says="--func wants a function index")
        self.usage_error("inspect", "--code", "--frob", "x.wasm", says="unknown option or missing value `--frob`")

    def test_help_and_version(self):
        for args in [("--help",), ("-h",), ("run", "--help")]:
            r = wasmnn(*args)
            self.assertEqual(r.returncode, 0, args)
            self.assertIn("Usage:", r.stdout)
        r = wasmnn("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^wasmnn \d+\.\d+\.\d+")

    def test_unreadable_or_invalid_module_is_one_line_naming_the_file(self):
        r = wasmnn("run", os.path.join(WORK, "missing.wasm"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read", r.stderr)
        self.assertIn("missing.wasm", r.stderr)
        bad = os.path.join(WORK, "bad.wasm")
        with open(bad, "wb") as f:
            f.write(b"\0asm\x01\0\0\0\x01\x05")  # a type section cut short
        r = wasmnn("run", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.wasm", r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_arguments_after_the_module_go_to_the_guest_untouched(self):
        start = build("start", START_WAT)
        # Options spelled after the module are the guest's, not ours.
        r = wasmnn("run", start, "--invoke", "--frob", "--")
        self.assertEqual(r.returncode, 3, r.stderr)

    def test_proc_exit_code_becomes_the_process_exit_code(self):
        r = wasmnn("run", build("start", START_WAT))
        self.assertEqual((r.returncode, r.stdout, r.stderr), (3, "", ""))

    def test_bad_env_and_dir_options_name_the_fix(self):
        start = build("start", START_WAT)
        r = wasmnn("run", "--env", "NOEQUALS", start)
        self.assertEqual(r.returncode, 1)
        self.assertIn("KEY=VALUE", r.stderr)
        r = wasmnn("run", "--dir", os.path.join(WORK, "no-such-dir") + "::/x", start)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-dir", r.stderr)


def main():
    global WASMNN, WAT2WASM, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmnn", required=True)
    ap.add_argument("--wat2wasm", required=True)
    ap.add_argument("--work", required=True)
    opts, rest = ap.parse_known_args()
    WASMNN, WAT2WASM, WORK = opts.wasmnn, opts.wat2wasm, opts.work
    os.makedirs(WORK, exist_ok=True)
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
