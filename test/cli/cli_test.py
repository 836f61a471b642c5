#!/usr/bin/env python3
"""The `wasmnn` command line: exit codes, messages, and `run --invoke` values.

Expected values come from the WebAssembly semantics computed here in Python
(two's-complement wrap, IEEE single/double rounding via struct), never from a
previous wasmnn run. Modules are written in WAT below and built with wabt's
wat2wasm. The compiled tier's commands are checked against the interpreter's results on the same
module. Usage: cli_test.py --wasmnn BIN --wat2wasm BIN --work DIR [--compiled-tier built|absent]
[unittest args] (--compiled-tier adds the tests of `wasmnn compile` and artifacts, or of the message
a build without the compiled tier gives).
"""
import argparse
import math
import os
import shutil
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

AOT_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "compiled\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $fac (export "fac") (param i64) (result i64)
    local.get 0 i64.eqz
    if (result i64) i64.const 1
    else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func $inner (unreachable))
  (func (export "outer") call $inner))
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
    subprocess.run([WAT2WASM, "--enable-all", "--debug-names", src, "-o", out], check=True)
    return out


def wasmnn(*args):
    return subprocess.run([WASMNN, *args], capture_output=True, text=True, timeout=300)


def fresh_dir(name):
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    return path


def edited(artifact, name, change):
    """A copy of the artifact with `change` applied to its bytes."""
    with open(artifact, "rb") as f:
        data = f.read()
    out = os.path.join(WORK, name)
    with open(out, "wb") as f:
        f.write(change(data))
    return out


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
        self.usage_error("run", "--nn-isolation", "container", "x.wasm", says="wants `process` or `none`")
        self.usage_error("run", "--nn-max-memory", "lots", "x.wasm", says="--nn-max-memory wants a size like 512M")
        self.usage_error("run", "--nn-max-memory", "99999999999T", "x.wasm", says="--nn-max-memory wants a size")
        self.usage_error("run", "--nn-timeout", "soon", "x.wasm", says="--nn-timeout wants a duration like 500ms")
        # A bare number could mean any unit; --timeout and --nn-timeout take the same spellings.
        self.usage_error("run", "--nn-timeout", "500", "x.wasm", says="--nn-timeout wants a duration like 500ms")
        self.usage_error("run", "--nn-max-graphs", "0", "x.wasm", says="--nn-max-graphs wants a number above 0")
        self.usage_error("run", "--nn-max-contexts", "-1", "x.wasm", says="--nn-max-contexts wants a number above 0")
        self.usage_error("backends", "--dir", ".", says="takes only --nn-backend-dir, --nn-isolation")

    def test_nn_isolation_options_show_in_the_backends_report(self):
        r = wasmnn("backends", "--nn-max-memory", "512M", "--nn-timeout", "2s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("isolation: process", r.stdout)
        self.assertIn("limits per worker: memory 512 MiB (--nn-max-memory), time per call 2000 ms", r.stdout)
        r = wasmnn("backends", "--nn-max-memory", "1T", "--nn-timeout", "1.5s")
        self.assertIn("limits per worker: memory 1024 GiB (--nn-max-memory), time per call 1500 ms", r.stdout)
        r = wasmnn("backends", "--nn-isolation", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("isolation: none", r.stdout)
        self.assertIn("warning: backends run inside this process", r.stdout)
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


class Compiled(unittest.TestCase):
    """`wasmnn compile`, running an AOT artifact, `run --compile` and its cache, and every reason an
    artifact is refused (another wasmnn build, a CPU level this machine lacks, corruption)."""

    @classmethod
    def setUpClass(cls):
        cls.module = build("aot", AOT_WAT)
        cls.artifact = os.path.join(WORK, "aot.cwasm")
        r = wasmnn("compile", cls.module, "-o", cls.artifact)
        assert r.returncode == 0, r.stderr

    def refused(self, path, says):
        r = wasmnn("run", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot load the AOT artifact", r.stderr)
        self.assertIn(says, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_artifact_runs_like_the_module(self):
        for path in [self.module, self.artifact]:
            r = wasmnn("run", path)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "compiled\n", ""), path)
            r = wasmnn("run", "--invoke", "fac", path, "20")
            self.assertEqual(r.stdout, "2432902008176640000\n", path)

    def test_default_output_name_replaces_the_extension(self):
        r = wasmnn("compile", self.module)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(WORK, "aot.cwasm")))

    def test_traps_and_backtraces_match_the_interpreter(self):
        for path in [self.module, self.artifact]:
            r = wasmnn("run", "--invoke", "outer", path)
            self.assertEqual(r.returncode, 134, path)
            self.assertIn("trap: unreachable", r.stderr)
            self.assertLess(r.stderr.index("at inner"), r.stderr.index("at outer"), r.stderr)
            r = wasmnn("run", "--invoke", "load", path, "65533")
            self.assertEqual(r.returncode, 134, path)
            self.assertIn("out of bounds memory access", r.stderr)
            r = wasmnn("run", "--max-call-depth", "50", "--invoke", "fac", path, "100")
            self.assertIn("call stack exhausted", r.stderr, path)

    def test_both_bounds_modes_and_every_opt_level(self):
        for mode in ["explicit", "guard"]:
            for level in ["1", "2", "3"]:
                out = os.path.join(WORK, f"aot-{mode}-{level}.cwasm")
                r = wasmnn("compile", "--bounds-checks", mode, "--opt-level", level, self.module, "-o", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(wasmnn("run", "--invoke", "load", out, "65532").stdout, "0\n")
                self.assertEqual(wasmnn("run", "--invoke", "load", out, "65533").returncode, 134)

    def test_the_cache_is_filled_once_then_used(self):
        cache = fresh_dir("cache")
        r = wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        self.assertEqual((r.returncode, r.stdout), (0, "compiled\n"), r.stderr)
        files = os.listdir(cache)
        self.assertEqual(len(files), 1, files)
        entry = os.path.join(cache, files[0])
        before = os.stat(entry)
        r = wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        self.assertEqual(r.stdout, "compiled\n")
        after = os.stat(entry)
        # A hit reads the entry; a miss would have written a new file in its place.
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))
        # Other settings are another entry; --no-cache writes nothing.
        wasmnn("run", "--compile", "--opt-level", "1", "--cache-dir", cache, self.module)
        self.assertEqual(len(os.listdir(cache)), 2)
        wasmnn("run", "--compile", "--no-cache", "--cache-dir", cache, "--opt-level", "3", self.module)
        self.assertEqual(len(os.listdir(cache)), 2)

    def test_a_corrupt_cache_entry_is_compiled_again(self):
        cache = fresh_dir("cache-corrupt")
        wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        entry = os.path.join(cache, os.listdir(cache)[0])
        with open(entry, "r+b") as f:
            f.seek(-1, os.SEEK_END)
            f.write(b"\xff")
        r = wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        self.assertEqual((r.returncode, r.stdout), (0, "compiled\n"), r.stderr)
        self.assertEqual(wasmnn("run", entry).stdout, "compiled\n")  # rewritten whole

    def test_artifact_of_another_build_is_refused(self):
        def other_build(data):
            start = data.index(b"codegen=") + len(b"codegen=")
            return data[:start] + b"0" * 5 + data[start + 5:]
        self.refused(edited(self.artifact, "stale.cwasm", other_build), "compiled by another wasmnn build")

    def test_artifact_for_a_cpu_this_one_lacks_is_refused(self):
        def foreign(data):
            start = data.index(b"cpu=")
            end = data.index(b"\n", start)
            return data[:start] + b"cpu=x86-64-v9" + data[end:]
        self.refused(edited(self.artifact, "foreign.cwasm", foreign), "compiled for x86-64-v9")

    def test_corrupt_or_truncated_artifact_is_refused(self):
        flip = edited(self.artifact, "flipped.cwasm", lambda d: d[:-1] + bytes([d[-1] ^ 1]))
        self.refused(flip, "checksum does not match (corrupt)")
        self.refused(edited(self.artifact, "short.cwasm", lambda d: d[:-100]), "truncated")
        self.refused(edited(self.artifact, "noheader.cwasm", lambda d: d[:40]), "header is truncated or corrupt")

    def test_compile_usage_errors(self):
        r = wasmnn("compile", "--invoke", "x", self.module)
        self.assertEqual(r.returncode, 2)
        self.assertIn("`wasmnn compile` takes only", r.stderr)
        r = wasmnn("compile", "--target-cpu", "pentium", self.module, "-o", os.path.join(WORK, "p.cwasm"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown target CPU `pentium`", r.stderr)
        r = wasmnn("compile", self.artifact)
        self.assertIn("already compiled", r.stderr)

    def test_portable_level_runs_here(self):
        out = os.path.join(WORK, "v2.cwasm")
        self.assertEqual(wasmnn("compile", "--target-cpu", "x86-64-v2", self.module, "-o", out).returncode, 0)
        self.assertEqual(wasmnn("run", out).stdout, "compiled\n")


class WithoutLlvm(unittest.TestCase):
    """A build without the compiled tier says so, and how to get it."""

    def test_compile_says_how_to_get_the_compiled_tier(self):
        module = build("aot", AOT_WAT)
        for args in (["compile", module], ["run", "--compile", "--no-cache", module]):
            r = wasmnn(*args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("the compiled tier is not available", r.stderr)
            self.assertIn("-DWASMNN_LLVM=ON", r.stderr)


def main():
    global WASMNN, WAT2WASM, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmnn", required=True)
    ap.add_argument("--wat2wasm", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--compiled-tier", choices=["built", "absent"])
    opts, rest = ap.parse_known_args()
    WASMNN, WAT2WASM, WORK = opts.wasmnn, opts.wat2wasm, opts.work
    os.makedirs(WORK, exist_ok=True)
    # Only the classes for this build run: nothing is skipped.
    classes = ["Invoke", "Traps", "CommandLine"]
    if opts.compiled_tier:
        classes.append("Compiled" if opts.compiled_tier == "built" else "WithoutLlvm")
    unittest.main(argv=[sys.argv[0], "-v", *rest], defaultTest=classes)


if __name__ == "__main__":
    main()
